"""SLA arithmetic with frozen time (weekends, KZ holidays, suspension) and the sweep."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from onestop.cases.models import Case, CaseEvent
from onestop.cases.services import (
    case_answer_information,
    case_deadlines,
    case_request_information,
    case_start_review,
    sla_sweep,
)
from onestop.cases.services.sla import at_risk_moment
from onestop.cases.tasks import sweep_sla
from onestop.core.scheduling import registered_jobs
from onestop.notify.models import Notification
from tests.factories.cases import CaseFactory, cases_in_bulk
from tests.factories.catalog import ServiceFactory

ALMATY = ZoneInfo("Asia/Almaty")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ALMATY)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("submitted", "statutory", "unit", "due"),
    [
        # Friday + 1 business day = Monday.
        (local(2026, 3, 13, 9), "P1D", "business", local(2026, 3, 16, 9)),
        # Nauryz (21-23 March 2026, a Saturday to Monday, with days off moved to 24 and 25 March).
        (local(2026, 3, 20, 9), "P1D", "business", local(2026, 3, 26, 9)),
        # Calendar days ignore weekends and holidays.
        (local(2026, 3, 20, 9), "P3D", "calendar", local(2026, 3, 23, 9)),
        # 10 business days across New Year (1-2 January) and Orthodox Christmas (7 January 2026).
        (local(2025, 12, 29, 15), "P10D", "business", local(2026, 1, 15, 15)),
    ],
)
def test_statutory_deadline_counts_business_days_on_the_kz_calendar(submitted, statutory, unit, due):
    service = ServiceFactory(statutory_time=statutory, statutory_time_unit=unit, target_time="")
    statutory_due, target_due = case_deadlines(service, submitted)
    assert statutory_due == due
    assert target_due is None


def test_at_risk_moment_is_the_configured_share_of_the_time(settings):
    settings.ONESTOP_SLA_AT_RISK_SHARE = 0.5
    start = local(2026, 3, 2, 9)
    assert at_risk_moment(start, start + timedelta(days=10)) == start + timedelta(days=5)


def test_clock_stops_while_information_is_requested_and_deadlines_move_by_business_time(back_office):
    officer = back_office.officer_1
    with time_machine.travel(local(2026, 4, 6, 10), tick=False):  # Monday
        case = CaseFactory(
            service=back_office.service,
            citizen=back_office.citizen,
            assignee=officer,
            submitted_at=timezone.now(),
            statutory_due_at=local(2026, 4, 13, 10),
            target_due_at=local(2026, 4, 9, 10),
        )
        case_start_review(actor=officer, case=case)
        case_request_information(actor=officer, case=case, message="A clearer scan, please.")
    case.refresh_from_db()
    assert case.clock_stopped_at == local(2026, 4, 6, 10)

    # The clock stood still while the citizen took their time: nothing breaches meanwhile.
    assert sla_sweep(at=local(2026, 4, 20, 9)).total == 0

    with time_machine.travel(local(2026, 4, 14, 16), tick=False):  # next Tuesday: 6 business days
        case_answer_information(actor=back_office.citizen_user, case=case, answer="Attached.")
    case.refresh_from_db()
    assert case.status == Case.Status.RESUBMITTED
    assert case.clock_stopped_at is None
    assert case.statutory_due_at == local(2026, 4, 21, 10)  # 13 April + 6 business days
    assert case.target_due_at == local(2026, 4, 17, 10)
    assert case.sla_state == Case.SlaState.ON_TRACK
    assert case.information_requests.get().answered_at == local(2026, 4, 14, 16)


def test_sweep_marks_at_risk_then_breached_and_escalates_to_the_head(back_office):
    now = local(2026, 3, 2, 12)
    case = CaseFactory(
        service=back_office.service,
        citizen=back_office.citizen,
        assignee=back_office.officer_1,
        status=Case.Status.IN_REVIEW,
        submitted_at=now - timedelta(days=8),
        statutory_due_at=now + timedelta(days=2),
        at_risk_at=now - timedelta(minutes=1),
    )

    first = sla_sweep(at=now)
    case.refresh_from_db()
    assert (first.at_risk, first.breached, case.sla_state) == (1, 0, Case.SlaState.AT_RISK)
    assert sla_sweep(at=now).total == 0  # claimed once only

    later = now + timedelta(days=2, minutes=1)
    second = sla_sweep(at=later)
    case.refresh_from_db()
    assert (second.at_risk, second.breached) == (0, 1)
    assert case.sla_state == Case.SlaState.BREACHED and case.escalated_at == later
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["sla_at_risk", "sla_breached"]
    breach_notes = Notification.objects.filter(template="case.sla_breached")
    assert set(breach_notes.values_list("recipient_id", flat=True)) == {
        str(back_office.head.pk),
        str(back_office.officer_1.pk),
    }


def test_sweep_ignores_decided_cases_and_cases_waiting_for_the_citizen(back_office):
    past = timezone.now() - timedelta(days=1)
    for status in (Case.Status.APPROVED, Case.Status.INFORMATION_REQUESTED, Case.Status.WITHDRAWN):
        CaseFactory(service=back_office.service, status=status, statutory_due_at=past, at_risk_at=past)
    assert sla_sweep().total == 0
    assert not CaseEvent.objects.exists()


def test_sweep_handles_a_batch_of_many_cases_in_few_queries(back_office, django_assert_max_num_queries):
    now = timezone.now()
    cases_in_bulk(
        300,
        service=back_office.service,
        citizen=back_office.citizen,
        submitted_at=now - timedelta(days=10),
        statutory_due_at=now - timedelta(minutes=5),
    )
    with django_assert_max_num_queries(30):
        result = sla_sweep(at=now)
    assert result.breached == 300
    assert Case.objects.filter(sla_state=Case.SlaState.BREACHED).count() == 300
    assert CaseEvent.objects.filter(kind="sla_breached").count() == 300


def test_sweep_is_a_registered_periodic_job(back_office):
    assert any(job.task.module_path == sweep_sla.module_path for job in registered_jobs())
    CaseFactory(service=back_office.service, at_risk_at=timezone.now() - timedelta(seconds=1))
    assert sweep_sla.enqueue().return_value == 1


def test_sweep_indexes_cover_exactly_the_statuses_whose_clock_runs():
    from onestop.cases.models import CLOCK_RUNNING
    from onestop.cases.workflow import CLOCK_RUNNING_STATUSES

    assert set(CLOCK_RUNNING) == set(CLOCK_RUNNING_STATUSES)
