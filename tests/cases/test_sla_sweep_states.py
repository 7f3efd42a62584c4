"""The SLA sweep over a mix of cases: exactly the cases whose clock runs and whose threshold passed
change, each once, earliest deadline first; every change has its event, its notifications (the
assignee; for a breach also the agency heads in office) and its audit row. On PostgreSQL the sweep
runs each step as one statement: it must leave exactly what the ORM path leaves, and two sweeps
running at once must never mark a case twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from onestop.cases.models import Case, CaseEvent
from onestop.cases.services import sla_sweep
from onestop.cases.services.sla import _AT_RISK, _BREACH, _mark_portable, _mark_postgresql
from onestop.core.models import AuditEvent
from onestop.notify.models import Notification
from onestop.people.models import Role
from tests.factories.cases import CaseFactory, cases_in_bulk
from tests.factories.catalog import ServiceFactory
from tests.factories.people import CitizenFactory, RoleMembershipFactory

S = Case.SlaState
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement steps and SKIP LOCKED are PostgreSQL's"
)


@pytest.fixture
def mixed(back_office, officer_b):
    """Cases in every combination that matters at ``now``, keyed by what the sweep must do."""
    now = timezone.now()
    ago, ahead = now - timedelta(hours=1), now + timedelta(hours=1)
    officer = back_office.officer_1
    # A second head in office and one whose term ended: only the first is told of a breach.
    second_head = RoleMembershipFactory(
        user__username="deputy_head", role=Role.AGENCY_HEAD, agency=back_office.agency
    ).user
    RoleMembershipFactory(
        user__username="former_head",
        role=Role.AGENCY_HEAD,
        agency=back_office.agency,
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    other_service = ServiceFactory(agency=officer_b.memberships.get().agency)
    head_b = RoleMembershipFactory(
        user__username="head_b", role=Role.AGENCY_HEAD, agency=other_service.agency
    ).user

    def case(**fields):
        fields.setdefault("service", back_office.service)
        fields.setdefault("assignee", officer)
        return CaseFactory(citizen=back_office.citizen, **fields)

    cases = {
        "breach": [
            case(status=Case.Status.SUBMITTED, statutory_due_at=ago, at_risk_at=ago - timedelta(days=1)),
            case(status=Case.Status.IN_REVIEW, sla_state=S.AT_RISK, statutory_due_at=ago, at_risk_at=ago),
            case(status=Case.Status.RESUBMITTED, statutory_due_at=ago, at_risk_at=ago),
            case(status=Case.Status.IN_REVIEW, statutory_due_at=ago, at_risk_at=ago, assignee=None),
            case(service=other_service, assignee=officer_b, statutory_due_at=ago, at_risk_at=ago),
        ],
        "at_risk": [
            case(status=Case.Status.SUBMITTED, statutory_due_at=ahead, at_risk_at=ago),
            case(status=Case.Status.RESUBMITTED, statutory_due_at=ahead, at_risk_at=now),
        ],
        "unchanged": [
            case(statutory_due_at=ahead, at_risk_at=ahead),  # nothing passed yet
            case(sla_state=S.AT_RISK, statutory_due_at=ahead, at_risk_at=ago),  # already at risk
            case(sla_state=S.BREACHED, statutory_due_at=ago, at_risk_at=ago),  # already breached
            case(status=Case.Status.INFORMATION_REQUESTED, statutory_due_at=ago, at_risk_at=ago,
                 clock_stopped_at=ago),  # the clock stands still
            case(status=Case.Status.APPROVED, statutory_due_at=ago, at_risk_at=ago),
            case(status=Case.Status.CLOSED, statutory_due_at=ago, at_risk_at=ago),
            case(status=Case.Status.WITHDRAWN, statutory_due_at=ago, at_risk_at=ago),
        ],
    }  # fmt: skip
    heads = {
        back_office.agency.pk: {back_office.head.pk, second_head.pk},
        other_service.agency_id: {head_b.pk},
    }
    return now, cases, heads


def _outcome() -> dict[str, object]:
    """Everything a sweep leaves, without ids and write times."""
    cases = sorted(Case.objects.values_list("number", "sla_state", "escalated_at"))
    events = sorted(
        (e.case.number, e.kind, e.at, e.from_status, e.to_status, e.actor_kind, e.actor_id, e.actor_label,
         e.reason, DjangoJSONEncoder().encode(e.data))
        for e in CaseEvent.objects.select_related("case")
    )  # fmt: skip
    notes = sorted(
        (n.audience, n.recipient_id, n.template, DjangoJSONEncoder().encode(n.context), n.language,
         n.subject_type, n.subject_id, n.status, n.attempts, n.sent_at)
        for n in Notification.objects.all()
    )  # fmt: skip
    return {"cases": cases, "events": events, "notes": notes}


def test_sweep_over_a_mix_of_states_changes_exactly_the_crossed_cases(mixed):
    now, cases, heads = mixed
    before = {c.pk: (c.sla_state, c.escalated_at) for c in Case.objects.all()}

    result = sla_sweep(at=now)

    assert (result.breached, result.at_risk) == (len(cases["breach"]), len(cases["at_risk"]))
    for case in cases["breach"]:
        case.refresh_from_db()
        assert (case.sla_state, case.escalated_at) == (S.BREACHED, now)
        event = CaseEvent.objects.get(case=case)
        assert (event.kind, event.at, event.actor_label) == ("sla_breached", now, "sla-sweeper")
        assert event.data == {"sla_state": "breached", "previous": "on_track|at_risk"}
        told = set(
            Notification.objects.filter(template="case.sla_breached", subject_id=str(case.pk)).values_list(
                "recipient_id", flat=True
            )
        )
        expected = set(heads[case.agency_id]) | ({case.assignee_id} if case.assignee_id else set())
        assert told == {str(pk) for pk in expected}
    for case in cases["at_risk"]:
        case.refresh_from_db()
        assert (case.sla_state, case.escalated_at) == (S.AT_RISK, None)
        assert CaseEvent.objects.get(case=case).data == {"sla_state": "at_risk", "previous": "on_track"}
        told = Notification.objects.filter(subject_id=str(case.pk)).values_list("recipient_id", flat=True)
        assert list(told) == [str(case.assignee_id)]  # at risk: the officer only, no escalation
    for case in cases["unchanged"]:
        case.refresh_from_db()
        assert (case.sla_state, case.escalated_at) == before[case.pk]
        assert not CaseEvent.objects.filter(case=case).exists()
        assert not Notification.objects.filter(subject_id=str(case.pk)).exists()
    audits = {a.action: a.summary for a in AuditEvent.objects.filter(action__startswith="case.sla_")}
    assert audits["case.sla_breached"]["count"] == len(cases["breach"])
    assert sorted(audits["case.sla_breached"]["cases"]) == sorted(c.number for c in cases["breach"])
    assert audits["case.sla_at_risk"]["count"] == len(cases["at_risk"])

    # Idempotent: the next minute finds nothing new and writes nothing.
    written = (CaseEvent.objects.count(), Notification.objects.count(), AuditEvent.objects.count())
    assert sla_sweep(at=now + timedelta(seconds=1)).total == 0
    assert (CaseEvent.objects.count(), Notification.objects.count(), AuditEvent.objects.count()) == written


def test_sweep_takes_the_earliest_deadlines_first_a_batch_at_a_time(back_office):
    now = timezone.now()
    cases = [
        CaseFactory(
            service=back_office.service,
            citizen=back_office.citizen,
            assignee=back_office.officer_1,
            statutory_due_at=now - timedelta(hours=hours),
            at_risk_at=now + timedelta(days=1),
        )
        for hours in (1, 5, 3, 4, 2)
    ]
    by_due = sorted(cases, key=lambda c: c.statutory_due_at)
    marked: list[set[int]] = []
    for _ in range(3):
        before = set(Case.objects.filter(sla_state=S.BREACHED).values_list("pk", flat=True))
        sla_sweep(at=now, batch=2)
        marked.append(set(Case.objects.filter(sla_state=S.BREACHED).values_list("pk", flat=True)) - before)
    assert marked == [{by_due[0].pk, by_due[1].pk}, {by_due[2].pk, by_due[3].pk}, {by_due[4].pk}]
    assert CaseEvent.objects.filter(kind="sla_breached").count() == 5


def test_a_case_past_both_thresholds_is_marked_breached_not_at_risk(back_office):
    now = timezone.now()
    case = CaseFactory(
        service=back_office.service,
        assignee=back_office.officer_1,
        statutory_due_at=now - timedelta(minutes=1),
        at_risk_at=now - timedelta(days=3),
    )
    result = sla_sweep(at=now)
    assert (result.breached, result.at_risk) == (1, 0)
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == ["sla_breached"]


@postgresql_only
def test_one_statement_steps_leave_what_the_orm_steps_leave(mixed):
    now, _cases, _heads = mixed
    outcomes = []
    for mark in (_mark_portable, _mark_postgresql):
        sid = transaction.savepoint()
        assert [len(mark(step, now, 5000)) for step in (_BREACH, _AT_RISK)] == [5, 2]
        outcomes.append(_outcome())
        transaction.savepoint_rollback(sid)
    assert outcomes[0] == outcomes[1]
    # Breaches: three of officer_1's (officer and two heads in office), an unassigned one (the two
    # heads), agency B's (officer_b and head_b); at risk: the officer, twice.
    assert len(outcomes[0]["notes"]) == 3 * 3 + 2 + 2 + 2


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_never_mark_a_case_twice(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    officer = RoleMembershipFactory(user__username="sweep-officer", role=Role.OFFICER).user
    service = ServiceFactory(agency=officer.memberships.get().agency)
    now = timezone.now()
    cases_in_bulk(
        400,
        service=service,
        citizen=CitizenFactory(),
        assignee=officer,
        status=Case.Status.IN_REVIEW,
        statutory_due_at=now - timedelta(minutes=5),
        at_risk_at=now - timedelta(days=1),
        prefix="SWEEP",
    )
    totals: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        try:
            barrier.wait(timeout=30)
            totals.extend(sla_sweep(at=now, batch=60).breached for _ in range(10))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(totals) + sla_sweep(at=now).breached == 400
    assert Case.objects.filter(sla_state=S.BREACHED).count() == 400
    per_case = CaseEvent.objects.filter(kind="sla_breached").values_list("case_id", flat=True)
    assert len(per_case) == len(set(per_case)) == 400
    assert Notification.objects.filter(template="case.sla_breached").count() == 400
