"""The officer's worklist as read through its index (case_worklist_open_idx): the same cases, in the
same order, under the same filters and scoping as the plain formulation, and a page that costs two
queries in every language however many rows it shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation

from onestop.cases.models import OPEN, WORKLIST_URGENCY, Case
from onestop.cases.selectors import worklist
from onestop.cases.workflow import OPEN_STATUSES
from onestop.people.models import Role
from onestop.people.scoping import scope_to_agencies
from tests.factories.cases import CaseFactory
from tests.factories.catalog import ServiceFactory
from tests.factories.people import CitizenFactory, RoleMembershipFactory

URGENCY = {Case.SlaState.BREACHED: 0, Case.SlaState.AT_RISK: 1, Case.SlaState.ON_TRACK: 2}


def _reference(officer, **filters) -> list[Case]:
    """The worklist as plainly as it can be said: the officer's open cases in their agencies
    (scope_to_agencies, the rule every screen uses), sorted in Python, most urgent first."""
    statuses = [filters["status"]] if filters.get("status") else OPEN_STATUSES
    qs = scope_to_agencies(Case.objects.filter(assignee=officer, status__in=statuses), officer)
    if filters.get("sla_state"):
        qs = qs.filter(sla_state=filters["sla_state"])
    if filters.get("service") is not None:
        qs = qs.filter(service=filters["service"])
    if filters.get("query"):
        text = filters["query"]
        qs = qs.filter(
            Q(number__icontains=text) | Q(citizen__national_id=text) | Q(citizen__family_name__icontains=text)
        )
    return sorted(qs, key=lambda c: (URGENCY[c.sla_state], c.statutory_due_at, c.pk))


@pytest.fixture
def crowded_worklist(back_office, officer_b):
    """officer_1's cases across every open status and SLA state with colliding deadlines, next to
    cases that must stay out: decided, of officer_2, unassigned, and one of another agency still
    assigned to officer_1 (as after a move)."""
    officer = back_office.officer_1
    now = timezone.now()
    second_service = ServiceFactory(agency=back_office.agency)
    states = [Case.SlaState.ON_TRACK, Case.SlaState.AT_RISK, Case.SlaState.BREACHED]
    statuses = sorted(OPEN_STATUSES)
    for n in range(24):
        CaseFactory(
            service=back_office.service if n % 3 else second_service,
            citizen=CitizenFactory(family_name=f"Family{n % 5}"),
            assignee=officer,
            status=statuses[n % 4],
            sla_state=states[n % 3],
            # Deadlines collide in pairs (the id decides) and do not follow the SLA state: a
            # breached case whose clock resumed can be due later than an on-track one.
            statutory_due_at=now + timedelta(days=(n * 7) % 11 - 4),
        )
    for status in (Case.Status.APPROVED, Case.Status.CLOSED, Case.Status.WITHDRAWN):
        CaseFactory(service=back_office.service, assignee=officer, status=status, overdue=True)
    CaseFactory(service=back_office.service, assignee=back_office.officer_2, overdue=True)
    CaseFactory(service=back_office.service, overdue=True)
    elsewhere = ServiceFactory(agency=officer_b.memberships.get().agency)
    CaseFactory(service=elsewhere, assignee=officer, overdue=True)
    return officer, second_service


def test_worklist_lists_the_same_cases_in_the_same_order_as_the_plain_query(crowded_worklist):
    officer, _service = crowded_worklist
    listed = list(worklist(officer))
    assert listed == _reference(officer)
    assert len(listed) == 24
    # Breached first, then at risk, then on track; within each, the earliest deadline, then the id.
    keys = [(URGENCY[c.sla_state], c.statutory_due_at, c.pk) for c in listed]
    assert keys == sorted(keys)
    assert [c.pk for c in worklist(officer)[5:10]] == [c.pk for c in listed[5:10]]


@pytest.mark.parametrize(
    "filters",
    [
        {"status": Case.Status.IN_REVIEW},
        {"status": Case.Status.INFORMATION_REQUESTED},
        {"status": Case.Status.APPROVED},  # outside the partial index: still right, still scoped
        {"sla_state": Case.SlaState.AT_RISK},
        {"sla_state": Case.SlaState.BREACHED, "status": Case.Status.SUBMITTED},
        {"query": "family3"},
        {"query": "CASE-"},
    ],
)
def test_worklist_filters_give_the_plain_querys_answer(crowded_worklist, filters):
    officer, _service = crowded_worklist
    assert list(worklist(officer, **filters)) == _reference(officer, **filters)


def test_worklist_service_filter_and_a_national_id(crowded_worklist):
    officer, service = crowded_worklist
    assert list(worklist(officer, service=service)) == _reference(officer, service=service)
    assert list(worklist(officer, service=service.pk)) == _reference(officer, service=service)
    case = worklist(officer)[3]
    assert list(worklist(officer, query=case.citizen.national_id)) == [case]


def test_worklist_shows_nothing_outside_the_officers_agencies_or_without_a_role(
    back_office, crowded_worklist
):
    officer, _service = crowded_worklist
    shown_agencies = {c.agency_id for c in worklist(officer)}
    assert shown_agencies == {back_office.agency.pk}
    # A second agency role makes that agency's case appear; losing every role hides everything.
    other = Case.objects.exclude(agency=back_office.agency).get(assignee=officer)
    RoleMembershipFactory(user=officer, role=Role.OFFICER, agency=other.agency)
    assert other in list(worklist(officer))
    assert list(worklist(officer)) == _reference(officer)
    officer.memberships.all().delete()
    assert list(worklist(officer)) == []
    expired = RoleMembershipFactory(
        user=officer,
        role=Role.OFFICER,
        agency=back_office.agency,
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    assert expired.pk and list(worklist(officer)) == []


def test_worklist_without_an_officer_is_empty(db):
    assert list(worklist(None)) == []


def test_worklist_page_costs_two_queries_in_every_language(back_office, django_assert_num_queries):
    officer = back_office.officer_1
    service = back_office.service
    service.name_ru = "Копия свидетельства о рождении"
    service.save(update_fields=["name_ru"])
    for _ in range(12):
        CaseFactory(service=service, assignee=officer, citizen=CitizenFactory(), information_requested=True)
        CaseFactory(service=service, assignee=officer, citizen=CitizenFactory(), overdue=True)
    for language, _label in settings.LANGUAGES:
        with translation.override(language), django_assert_num_queries(2):  # role check, then the page
            rows = [
                (
                    c.number,
                    c.service.name,
                    c.service.statutory_time_unit,
                    c.citizen.initials,
                    c.submitted_at,
                    c.get_status_display(),
                    c.get_sla_state_display(),
                    c.statutory_due_at,
                    c.clock_stopped_at,
                    c.assignee.username,
                )
                for c in worklist(officer)[:50]
            ]
        assert len(rows) == 24
        expected = "Копия свидетельства о рождении" if language == "ru" else "Copy of a birth certificate"
        assert {row[1] for row in rows} == {expected}  # other languages fall back to English
        assert {row[9] for row in rows} == {"officer_1"}


def test_worklist_order_is_the_one_its_index_is_built_on():
    index = next(i for i in Case._meta.indexes if i.name == "case_worklist_open_idx")
    assert WORKLIST_URGENCY in index.expressions
    assert set(OPEN) == set(OPEN_STATUSES)
