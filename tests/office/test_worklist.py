"""The officer's worklist and the agency head's backlog: who gets in, what is listed, in which order,
the filters, the deadlines in plain words and a bounded number of queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from onestop.cases.models import Case
from onestop.office.deadlines import describe_deadline
from tests.factories.cases import CaseFactory

WORKLIST = reverse("office:worklist")
AGENCY = reverse("office:agency")


def _numbers(html: str) -> list[str]:
    """Case numbers in the order the table lists them."""
    return re.findall(r'href="/office/cases/([^/"]+)/"', html)


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(WORKLIST)
    assert response.status_code == 302
    assert reverse("people:login") in response["Location"]


@pytest.mark.parametrize("persona", ["operator_a", "manager_a", "coordinator"])
def test_staff_without_an_agency_role_get_403(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(WORKLIST).status_code == 403


def test_worklist_lists_only_my_cases_most_urgent_first(client, officer_a, other_officer_a, service_a):
    now = timezone.now()
    later = CaseFactory(service=service_a, assignee=officer_a, statutory_due_at=now + timedelta(days=9))
    sooner = CaseFactory(service=service_a, assignee=officer_a, statutory_due_at=now + timedelta(days=5))
    at_risk = CaseFactory(service=service_a, assignee=officer_a, at_risk=True)
    breached = CaseFactory(service=service_a, assignee=officer_a, overdue=True)
    someone_elses = CaseFactory(service=service_a, assignee=other_officer_a, overdue=True)
    unassigned = CaseFactory(service=service_a, overdue=True)
    client.force_login(officer_a)
    html = client.get(WORKLIST).content.decode()
    assert _numbers(html) == [breached.number, at_risk.number, sooner.number, later.number]
    assert someone_elses.number not in html and unassigned.number not in html
    # The sweep's verdict outranks the date: a breached case due later still comes first.
    resumed = CaseFactory(
        service=service_a,
        assignee=officer_a,
        sla_state=Case.SlaState.BREACHED,
        statutory_due_at=now + timedelta(days=20),
    )
    html = client.get(WORKLIST).content.decode()
    assert _numbers(html)[:2] == [breached.number, resumed.number]
    main = html.split("<main", 1)[1]
    assert 'method="post"' not in main  # officers cannot pick (take) cases from the worklist


def test_worklist_row_shows_initials_deadline_words_and_sla_tag(client, officer_a, service_a):
    case = CaseFactory(
        service=service_a,
        assignee=officer_a,
        overdue=True,
        citizen__given_name="Dana",
        citizen__family_name="Abenova",
    )
    client.force_login(officer_a)
    html = client.get(WORKLIST).content.decode()
    assert "D. A." in html and "Abenova" not in html
    assert "Breached" in html
    assert re.search(r"\d+ business days? overdue|overdue since today", html)
    assert case.service.name in html


def test_worklist_filters_by_status_sla_service_and_number(client, officer_a, agency_a, service_a):
    from tests.factories.catalog import ServiceFactory

    other_service = ServiceFactory(agency=agency_a)
    in_review = CaseFactory(service=service_a, assignee=officer_a, status=Case.Status.IN_REVIEW)
    breached = CaseFactory(service=service_a, assignee=officer_a, overdue=True)
    other = CaseFactory(
        service=other_service, assignee=officer_a, application__tracking_number="OS-2025-ABCDEF"
    )
    other.number = "OS-2025-ABCDEF-1"
    other.save(update_fields=["number"])
    client.force_login(officer_a)

    assert _numbers(client.get(WORKLIST, {"status": "in_review"}).content.decode()) == [in_review.number]
    assert _numbers(client.get(WORKLIST, {"sla": "breached"}).content.decode()) == [breached.number]
    assert _numbers(client.get(WORKLIST, {"service": other_service.pk}).content.decode()) == [other.number]
    assert _numbers(client.get(WORKLIST, {"q": other.number}).content.decode()) == [other.number]
    assert _numbers(client.get(WORKLIST, {"q": "OS-2025-ABCDEF"}).content.decode()) == [other.number]


def test_worklist_bad_filter_shows_an_error_not_a_500(client, officer_a, service_b):
    client.force_login(officer_a)
    response = client.get(WORKLIST, {"service": service_b.pk, "status": "nonsense"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Choose one of the services of your agency." in html


def test_worklist_is_paginated_and_keeps_the_filters(client, officer_a, service_a):
    for _ in range(27):
        CaseFactory(service=service_a, assignee=officer_a)
    client.force_login(officer_a)
    first = client.get(WORKLIST, {"status": "submitted"}).content.decode()
    assert len(_numbers(first)) == 25
    assert "Page 1 of 2" in first
    assert "?status=submitted&amp;page=2" in first
    second = client.get(WORKLIST, {"status": "submitted", "page": 2}).content.decode()
    assert len(_numbers(second)) == 2


def test_htmx_filter_request_gets_only_the_results(client, officer_a, service_a):
    CaseFactory(service=service_a, assignee=officer_a)
    client.force_login(officer_a)
    response = client.get(WORKLIST, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "1 case" in html


def test_worklist_query_count_does_not_grow_with_cases(
    client, officer_a, service_a, django_assert_max_num_queries
):
    for index in range(30):
        CaseFactory(service=service_a, assignee=officer_a, overdue=index % 3 == 0)
    client.force_login(officer_a)
    client.get(WORKLIST)  # warm the business calendar cache
    with django_assert_max_num_queries(12):
        response = client.get(WORKLIST)
    assert len(_numbers(response.content.decode())) == 25


def test_deadline_words_count_business_days_and_overdue_days(db):
    almaty = ZoneInfo("Asia/Almaty")
    monday = datetime(2025, 2, 10, 10, 0, tzinfo=almaty)  # no holiday that week in Kazakhstan
    assert describe_deadline(monday + timedelta(days=3), now=monday, unit="business").words == (
        "due in 3 business days"
    )
    assert (
        describe_deadline(monday - timedelta(days=2), now=monday, unit="calendar").words == "2 days overdue"
    )
    # Friday to Monday is one business day.
    friday = datetime(2025, 2, 14, 10, 0, tzinfo=almaty)
    assert describe_deadline(friday + timedelta(days=3), now=friday, unit="business").words == (
        "due in 1 business day"
    )
    stopped = describe_deadline(
        monday + timedelta(days=3), now=monday + timedelta(days=30), unit="business", clock_stopped_at=monday
    )
    assert stopped.words == "due in 3 business days (clock stopped)" and not stopped.overdue


# --- agency head -------------------------------------------------------------------------------------


def test_officer_cannot_see_the_agency_backlog(client, officer_a):
    client.force_login(officer_a)
    assert client.get(AGENCY).status_code == 403


def test_head_sees_backlog_counts_and_at_risk_breached_lists(client, head_a, officer_a, service_a, service_b):
    breached = CaseFactory(service=service_a, assignee=officer_a, overdue=True)
    at_risk = CaseFactory(service=service_a, assignee=officer_a, at_risk=True)
    on_track = CaseFactory(service=service_a, assignee=officer_a)
    unassigned = CaseFactory(service=service_a)
    elsewhere = CaseFactory(service=service_b, overdue=True)
    client.force_login(head_a)
    response = client.get(AGENCY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "4 open cases" in html
    for case in (breached, at_risk, unassigned):
        assert case.number in html
    assert on_track.number not in html  # on track and assigned: only counted
    assert elsewhere.number not in html


def test_head_can_open_any_case_of_the_agency_and_sees_the_reassign_form(
    client, head_a, officer_a, service_a
):
    case = CaseFactory(service=service_a, assignee=officer_a)
    client.force_login(head_a)
    html = client.get(reverse("office:case", args=[case.number])).content.decode()
    assert "Reassign to another officer" in html
    assert "Reason for the reassignment" in html


def test_staff_home_links_officers_and_heads_to_the_office(client, officer_a, head_a):
    client.force_login(officer_a)
    assert WORKLIST in client.get(reverse("people:home")).content.decode()
    client.force_login(head_a)
    assert AGENCY in client.get(reverse("people:home")).content.decode()
