"""Automatic assignment (least open work, round-robin on ties, qualified and present officers only)
and reassignment by the agency head."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from onestop.cases.errors import InvalidAnswers, NotAllowed
from onestop.cases.models import Case, CaseEvent, OfficerProfile
from onestop.cases.services import case_assign_automatically, case_reassign
from onestop.core.models import AuditEvent
from onestop.people.models import Role
from tests.factories.cases import CaseFactory, OfficerProfileFactory
from tests.factories.catalog import ServiceFactory
from tests.factories.people import RoleMembershipFactory


def _new_case(back_office, **kwargs):
    return CaseFactory(service=back_office.service, citizen=back_office.citizen, **kwargs)


def test_case_goes_to_the_officer_with_least_open_work(back_office):
    _new_case(back_office, assignee=back_office.officer_1, status=Case.Status.IN_REVIEW)
    # Decided work does not count as open work.
    _new_case(back_office, assignee=back_office.officer_2, status=Case.Status.CLOSED)
    _new_case(back_office, assignee=back_office.officer_2, status=Case.Status.APPROVED)

    assert case_assign_automatically(case=_new_case(back_office)) == back_office.officer_2


def test_ties_are_broken_round_robin(back_office):
    now = timezone.now()
    picked = []
    for minute in range(4):
        case = _new_case(back_office)
        officer = case_assign_automatically(case=case, at=now + timedelta(minutes=minute))
        picked.append(officer)
        # Keep the loads equal so only the round-robin decides.
        Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    assert picked[0] != picked[1]
    assert picked[:2] == picked[2:]


def test_absent_and_unqualified_officers_are_skipped(back_office):
    OfficerProfile.objects.filter(officer=back_office.officer_1).update(
        absent_from=timezone.localdate() - timedelta(days=1),
        absent_until=timezone.localdate() + timedelta(days=1),
    )
    assert case_assign_automatically(case=_new_case(back_office)) == back_office.officer_2

    OfficerProfileFactory(officer=back_office.officer_2).services.set(
        [ServiceFactory(agency=back_office.agency)]
    )
    case = _new_case(back_office)
    assert case_assign_automatically(case=case) is None
    case.refresh_from_db()
    assert case.assignee is None


def test_officers_of_other_agencies_never_get_the_case(back_office, officer_b):
    OfficerProfile.objects.filter(officer__in=back_office.officers).update(
        absent_from=timezone.localdate(), absent_until=timezone.localdate()
    )
    assert case_assign_automatically(case=_new_case(back_office)) is None


def test_assignment_is_recorded_in_the_history(back_office):
    case = _new_case(back_office)
    officer = case_assign_automatically(case=case)
    event = CaseEvent.objects.get(case=case)
    assert event.kind == "assigned" and event.data["assignee"] == officer.username
    assert AuditEvent.objects.filter(action="case.assign", target_id=str(case.pk)).exists()


def test_head_reassigns_with_a_reason_and_it_is_audited(back_office):
    case = _new_case(back_office, assignee=back_office.officer_1)

    case_reassign(actor=back_office.head, case=case, to=back_office.officer_2, reason="Officer 1 on training")

    case.refresh_from_db()
    assert case.assignee == back_office.officer_2
    event = CaseEvent.objects.get(case=case, kind="reassigned")
    assert event.reason == "Officer 1 on training" and event.actor_id == str(back_office.head.pk)
    audit = AuditEvent.objects.get(action="case.reassign")
    assert audit.summary["reason"] == "Officer 1 on training"


@pytest.mark.parametrize("who", ["officer_2", "other_head"])
def test_only_the_head_of_that_agency_may_reassign(back_office, who):
    actor = (
        back_office.officer_2
        if who == "officer_2"
        else RoleMembershipFactory(role=Role.AGENCY_HEAD).user  # head of another agency
    )
    case = _new_case(back_office, assignee=back_office.officer_1)
    with pytest.raises(NotAllowed):
        case_reassign(actor=actor, case=case, to=back_office.officer_2, reason="I want it")
    case.refresh_from_db()
    assert case.assignee == back_office.officer_1


def test_reassignment_needs_a_reason_and_an_officer_of_the_agency(back_office, officer_b):
    case = _new_case(back_office, assignee=back_office.officer_1)
    with pytest.raises(InvalidAnswers) as no_reason:
        case_reassign(actor=back_office.head, case=case, to=back_office.officer_2, reason="  ")
    assert "reason" in no_reason.value.errors
    with pytest.raises(InvalidAnswers) as outsider:
        case_reassign(actor=back_office.head, case=case, to=officer_b, reason="Help")
    assert "to" in outsider.value.errors
