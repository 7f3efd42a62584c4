"""Who sees which case: officers their agency's, citizens their own; the worklist is one query."""

from __future__ import annotations

import pytest

from onestop.cases.errors import NotFound
from onestop.cases.models import Case
from onestop.cases.selectors import (
    agency_backlog,
    case_for_citizen,
    case_for_officer,
    case_timeline,
    cases_of_citizen,
    cases_visible_to,
    worklist,
)
from onestop.cases.services import case_start_review
from tests.factories.cases import CaseFactory
from tests.factories.catalog import ServiceFactory
from tests.factories.people import CitizenFactory, UserFactory


@pytest.fixture
def two_cases(back_office, officer_b):
    mine = CaseFactory(
        service=back_office.service, citizen=back_office.citizen, assignee=back_office.officer_1
    )
    other_service = ServiceFactory(agency=officer_b.memberships.get().agency)
    theirs = CaseFactory(service=other_service, assignee=officer_b)
    return mine, theirs


@pytest.mark.parametrize(
    ("persona", "sees_mine", "sees_theirs"),
    [
        ("officer_1", True, False),
        ("head", True, False),
        ("officer_b", False, True),
        ("coordinator", True, True),
        ("citizen_user", True, False),
        ("outsider", False, False),
        ("operator_a", False, False),
    ],
)
def test_case_visibility_matrix(request, back_office, two_cases, persona, sees_mine, sees_theirs):
    mine, theirs = two_cases
    user = getattr(back_office, persona, None) or request.getfixturevalue(persona)
    visible = set(cases_visible_to(user))
    assert (mine in visible, theirs in visible) == (sees_mine, sees_theirs)


def test_officer_of_another_agency_gets_not_found(back_office, two_cases, officer_b):
    mine, theirs = two_cases
    assert case_for_officer(back_office.head, mine.pk) == mine
    with pytest.raises(NotFound):
        case_for_officer(officer_b, mine.pk)
    with pytest.raises(NotFound):
        case_for_officer(back_office.officer_1, "not-a-number")


def test_citizen_sees_only_own_cases(back_office, two_cases):
    mine, theirs = two_cases
    assert list(cases_of_citizen(back_office.citizen)) == [mine]
    assert case_for_citizen(back_office.citizen_user, mine.pk) == mine
    with pytest.raises(NotFound):
        case_for_citizen(back_office.citizen_user, theirs.pk)
    with pytest.raises(NotFound):
        case_for_citizen(UserFactory(), mine.pk)


def test_worklist_is_the_officers_open_cases_most_urgent_first(back_office, two_cases):
    officer = back_office.officer_1
    overdue = CaseFactory(service=back_office.service, assignee=officer, overdue=True)
    at_risk = CaseFactory(service=back_office.service, assignee=officer, at_risk=True)
    CaseFactory(service=back_office.service, assignee=officer, decided=True)
    CaseFactory(service=back_office.service, assignee=back_office.officer_2)
    mine = two_cases[0]

    assert list(worklist(officer)) == [overdue, at_risk, mine]
    assert list(worklist(officer, sla_state=Case.SlaState.AT_RISK)) == [at_risk]
    assert list(worklist(officer, query=mine.number)) == [mine]
    assert list(worklist(back_office.officer_2, query=back_office.citizen.national_id)) == []
    assert set(agency_backlog(back_office.agency)) == {
        overdue,
        at_risk,
        mine,
        *worklist(back_office.officer_2),
    }


def test_worklist_costs_one_query_however_many_cases(back_office, django_assert_num_queries):
    officer = back_office.officer_1
    for _ in range(15):
        CaseFactory(service=back_office.service, assignee=officer, citizen=CitizenFactory())
    with django_assert_num_queries(2):  # the role check, then the page with everything it shows
        rows = [
            (c.number, c.service.name, c.citizen.family_name, c.assignee.username) for c in worklist(officer)
        ]
    assert len(rows) == 15


def test_officer_who_lost_the_role_sees_no_worklist(back_office, two_cases):
    back_office.officer_1.memberships.all().delete()
    assert list(worklist(back_office.officer_1)) == []


def test_timeline_lists_events_in_order(back_office, two_cases):
    mine = two_cases[0]
    case_start_review(actor=back_office.officer_1, case=mine)
    assert [e.kind for e in case_timeline(mine)] == ["review_started"]
