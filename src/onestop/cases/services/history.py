"""Importing past applications and cases in bulk, as the live services would have written them: for
demos, load tests and migrations from an agency's older case system.

A past case is described by its submission and the status changes that followed (``HistoricStep``);
the import checks every change against the workflow table, then derives everything else from the
steps so that the figures agree with the events: the final status, ``decided_at`` and ``closed_at``,
the SLA deadlines (moved forward by the time the clock stood still while information was requested),
the at-risk and breached marks the sweep would have set (with their ``sla_*`` events), the decision
with its reason codes and the information requests with their answers.

One audit event per batch of applications records the import instead of one per row, so the audit
trail stays readable and a year of history imports in seconds. No notifications or webhook deliveries
are queued: the events happened in the past and their recipients were told at the time.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from onestop.cases.models import (
    Application,
    ApplicationItem,
    Case,
    CaseEvent,
    Decision,
    InformationRequest,
    OfficerProfile,
    ReasonCode,
)
from onestop.cases.services.sla import at_risk_moment, case_deadlines, shift_deadline, stopped_time
from onestop.cases.workflow import EVENT_KINDS, actor_columns, is_legal
from onestop.catalog.models import Fee, Service
from onestop.centres.models import Centre
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.people.models import Citizen, User

S = Case.Status
BATCH = 1000
ASSIGNMENT_ACTOR = SystemActor("assignment")
SWEEP_ACTOR = SystemActor("sla-sweeper")
DECISIONS = frozenset({S.APPROVED, S.REJECTED})


@dataclass(frozen=True)
class HistoricStep:
    """One status change: into ``status`` at ``at`` by ``actor`` (an officer; ``None`` means the
    citizen, for withdrawals and answers). ``reason`` is the request's message for
    ``information_requested``, the citizen's answer for ``resubmitted``, else the event's reason."""

    status: str
    at: datetime
    actor: User | None = None
    reason: str = ""


@dataclass(frozen=True)
class HistoricCase:
    """One service of a past application and what became of its case."""

    service: Service
    assignee: User | None
    steps: Sequence[HistoricStep] = ()
    answers: Mapping[str, Any] = field(default_factory=dict)
    reason_codes: Sequence[ReasonCode] = ()  # of the decision, if the steps reach one
    note: str = ""


@dataclass(frozen=True)
class HistoricApplication:
    """A past, submitted application of ``citizen`` bundling one or more cases."""

    citizen: Citizen
    submitted_at: datetime
    cases: Sequence[HistoricCase]
    channel: str = Application.Channel.COUNTER
    centre: Centre | None = None
    operator: User | None = None


@dataclass
class _Clock:
    """The SLA clock of one case while its steps are replayed."""

    statutory: datetime
    target: datetime | None
    at_risk: datetime
    stopped_at: datetime | None = None
    state: str = Case.SlaState.ON_TRACK
    marks: list[tuple[str, datetime]] = field(default_factory=list)

    def run_until(self, moment: datetime) -> None:
        """The sweep's marks for the clock running up to ``moment``."""
        if self.state == Case.SlaState.ON_TRACK and self.at_risk <= moment:
            self.state = Case.SlaState.AT_RISK
            self.marks.append(("sla_at_risk", self.at_risk))
        if self.state != Case.SlaState.BREACHED and self.statutory <= moment:
            self.state = Case.SlaState.BREACHED
            self.marks.append(("sla_breached", self.statutory))

    def resume(self, moment: datetime, service: Service) -> None:
        """The citizen answered: every threshold moves forward by the time the clock stood still,
        counted as the live service counts it."""
        assert self.stopped_at is not None
        days = stopped_time(self.stopped_at, moment, service.statutory_time_unit)
        self.statutory = shift_deadline(self.statutory, days, service.statutory_time_unit)
        self.at_risk = shift_deadline(self.at_risk, days, service.statutory_time_unit)
        if self.target is not None:
            target_days = stopped_time(self.stopped_at, moment, service.target_time_unit)
            self.target = shift_deadline(self.target, target_days, service.target_time_unit)
        self.stopped_at = None
        if self.state != Case.SlaState.BREACHED:  # a breach that happened is never undone
            self.state = Case.SlaState.AT_RISK if self.at_risk <= moment else Case.SlaState.ON_TRACK


def _check(application: HistoricApplication, now: datetime) -> None:
    if timezone.is_naive(application.submitted_at):
        raise ValueError("submitted_at must be timezone-aware")
    if application.submitted_at > now:
        raise ValueError("a historic application cannot be submitted in the future")
    if not application.cases:
        raise ValueError("an application needs at least one case")
    services = [c.service.pk for c in application.cases]
    if len(set(services)) != len(services):
        raise ValueError("an application asks for each service once")
    for case in application.cases:
        status: str = S.SUBMITTED
        previous = application.submitted_at
        for step in case.steps:
            if not is_legal(status, step.status):
                raise ValueError(
                    f"{case.service.identifier}: {status} → {step.status} is not a legal transition"
                )
            if timezone.is_naive(step.at) or not previous <= step.at <= now:
                raise ValueError(
                    f"{case.service.identifier}: steps must be in order, after submission, not later than now"
                )
            if step.status in DECISIONS:
                outcome = (
                    ReasonCode.Outcome.APPROVAL if step.status == S.APPROVED else ReasonCode.Outcome.REJECTION
                )
                if not any(code.outcome == outcome for code in case.reason_codes):
                    raise ValueError(
                        f"{case.service.identifier}: a decision needs a reason code of its outcome"
                    )
                if step.status == S.REJECTED and not any(code.legal_ground for code in case.reason_codes):
                    raise ValueError(f"{case.service.identifier}: a rejection cites a legal ground")
            status, previous = step.status, step.at


def _tracking_number(day: datetime, taken: set[str]) -> str:
    # "H" marks an imported application; live tracking numbers never start with it.
    while True:
        number = f"H{timezone.localtime(day):%y%m%d}-{secrets.token_hex(3).upper()}"
        if number not in taken:
            taken.add(number)
            return number


def _fees(services: Iterable[Service]) -> dict[int, tuple[Decimal, str]]:
    totals: dict[int, tuple[Decimal, str]] = {}
    for fee in Fee.objects.filter(service__in=list(services)).order_by("id"):
        amount, currency = totals.get(fee.service_id, (Decimal(0), fee.currency))
        totals[fee.service_id] = (amount + fee.amount, currency)
    return totals


def _event(case: Case, kind: str, at: datetime, actor: Actor, **kw: Any) -> CaseEvent:
    actor_kind, actor_id, label = actor_columns(actor)
    return CaseEvent(
        case=case, kind=kind, at=at, actor_kind=actor_kind, actor_id=actor_id, actor_label=label, **kw
    )


def _citizen_event(case: Case, kind: str, at: datetime, **kw: Any) -> CaseEvent:
    return CaseEvent(
        case=case,
        kind=kind,
        at=at,
        actor_kind="citizen",
        actor_id=str(case.citizen_id),
        actor_label="citizen",
        **kw,
    )


def _replay(
    case: Case, spec: HistoricCase, now: datetime
) -> tuple[list[CaseEvent], list[InformationRequest]]:
    """Set ``case``'s derived columns from its steps; return its events and information requests."""
    statutory, target = case_deadlines(spec.service, case.submitted_at)
    clock = _Clock(statutory=statutory, target=target, at_risk=at_risk_moment(case.submitted_at, statutory))
    events: list[CaseEvent] = []
    requests: list[InformationRequest] = []
    status: str = S.SUBMITTED
    running = True
    for step in spec.steps:
        if running:
            clock.run_until(step.at)
        # Marks the sweep set while the clock ran come before the step that stopped it.
        events.extend(
            _event(case, kind, at, SWEEP_ACTOR, data={"escalated_to": "agency_head"})
            for kind, at in clock.marks
        )
        clock.marks.clear()
        kind = EVENT_KINDS[step.status]
        columns = {"from_status": status, "to_status": step.status}
        if step.actor is None:
            events.append(_citizen_event(case, kind, step.at, reason=step.reason, **columns))
        else:
            events.append(_event(case, kind, step.at, step.actor, reason=step.reason, **columns))
        if step.status == S.INFORMATION_REQUESTED:
            clock.stopped_at, running = step.at, False
            requests.append(
                InformationRequest(
                    case=case,
                    message=step.reason or "Please provide the missing document.",
                    requested_at=step.at,
                    requested_by=step.actor or spec.assignee,
                )
            )
        elif step.status == S.RESUBMITTED:
            clock.resume(step.at, spec.service)
            running = True
            requests[-1].answered_at, requests[-1].answer = step.at, step.reason
        elif step.status in DECISIONS:
            case.decided_at, running = step.at, False
        elif step.status in {S.CLOSED, S.WITHDRAWN}:
            case.closed_at, running = step.at, False
        status = step.status
    if running:
        clock.run_until(now)
        events.extend(
            _event(case, kind, at, SWEEP_ACTOR, data={"escalated_to": "agency_head"})
            for kind, at in clock.marks
        )
    case.status = status
    case.version = len(spec.steps)
    case.statutory_due_at, case.target_due_at, case.at_risk_at = clock.statutory, clock.target, clock.at_risk
    case.clock_stopped_at = clock.stopped_at
    case.sla_state = clock.state
    marks = [e.at for e in events if e.kind.startswith("sla_")]
    case.escalated_at = min(marks) if marks else None
    return events, requests


def _import_batch(
    *, actor: Actor, batch: Sequence[HistoricApplication], now: datetime, taken: set[str]
) -> int:
    fees = _fees({c.service for a in batch for c in a.cases})
    applications: list[Application] = []
    for spec in batch:
        fee_total = sum((fees.get(c.service.pk, (Decimal(0), ""))[0] for c in spec.cases), Decimal(0))
        currency = next((fees[c.service.pk][1] for c in spec.cases if c.service.pk in fees), "")
        applications.append(
            Application(
                citizen=spec.citizen,
                channel=spec.channel,
                status=Application.Status.SUBMITTED,
                tracking_number=_tracking_number(spec.submitted_at, taken),
                centre=spec.centre,
                operator=spec.operator,
                created_at=spec.submitted_at - timedelta(minutes=12),
                updated_at=spec.submitted_at,
                submitted_at=spec.submitted_at,
                fee_total=fee_total,
                fee_currency=currency,
                token=uuid.uuid4(),
            )
        )
    Application.objects.bulk_create(applications)

    items: list[ApplicationItem] = []
    pairs: list[tuple[Application, HistoricApplication, HistoricCase]] = []
    for application, spec in zip(applications, batch, strict=True):
        for case_spec in spec.cases:
            amount, currency = fees.get(case_spec.service.pk, (Decimal(0), ""))
            items.append(
                ApplicationItem(
                    application=application,
                    service=case_spec.service,
                    answers=dict(case_spec.answers),
                    fee_amount=amount,
                    fee_currency=currency,
                )
            )
            pairs.append((application, spec, case_spec))
    ApplicationItem.objects.bulk_create(items)

    cases: list[Case] = []
    positions: Counter[int] = Counter()
    for item, (application, spec, case_spec) in zip(items, pairs, strict=True):
        positions[application.pk] += 1
        cases.append(
            Case(
                application=application,
                item=item,
                number=f"{application.tracking_number}-{positions[application.pk]}",
                citizen=spec.citizen,
                service=case_spec.service,
                agency_id=case_spec.service.agency_id,
                assignee=case_spec.assignee,
                submitted_at=spec.submitted_at,
            )
        )
    events: list[CaseEvent] = []
    later: list[CaseEvent] = []
    requests: list[InformationRequest] = []
    replayed: list[tuple[Case, HistoricCase]] = []
    for case, (_application, spec, case_spec) in zip(cases, pairs, strict=True):
        case_events, case_requests = _replay(case, case_spec, now)
        replayed.append((case, case_spec))
        later.extend(case_events)
        submitted_by: Actor = spec.operator if spec.channel == Application.Channel.COUNTER else None
        first = (
            _event(case, "submitted", spec.submitted_at, submitted_by, to_status=S.SUBMITTED)
            if submitted_by is not None
            else _citizen_event(case, "submitted", spec.submitted_at, to_status=S.SUBMITTED)
        )
        prelude = [first]
        if case_spec.assignee is not None:
            prelude.append(
                _event(
                    case,
                    "assigned",
                    spec.submitted_at,
                    ASSIGNMENT_ACTOR,
                    data={"assignee": case_spec.assignee.get_username()},
                )
            )
        events.extend(prelude)
        requests.extend(case_requests)
    Case.objects.bulk_create(cases)
    events.extend(later)
    # The rows were built before their case had a primary key; copy it over now.
    for event in events:
        event.case_id = event.case.pk
    for request in requests:
        request.case_id = request.case.pk
    CaseEvent.objects.bulk_create(events, batch_size=2000)
    InformationRequest.objects.bulk_create(requests, batch_size=2000)

    decisions: list[tuple[Decision, Sequence[ReasonCode]]] = []
    for case, case_spec in replayed:
        decided = next((step for step in case_spec.steps if step.status in DECISIONS), None)
        if decided is None:
            continue
        outcome = Decision.Outcome.APPROVED if decided.status == S.APPROVED else Decision.Outcome.REJECTED
        wanted = (
            ReasonCode.Outcome.APPROVAL
            if outcome == Decision.Outcome.APPROVED
            else ReasonCode.Outcome.REJECTION
        )
        decided_by = decided.actor or case_spec.assignee
        if decided_by is None:
            raise ValueError(f"{case_spec.service.identifier}: a decision needs an officer")
        decision = Decision(
            case=case, outcome=outcome, note=case_spec.note, decided_at=decided.at, decided_by=decided_by
        )
        decisions.append((decision, [code for code in case_spec.reason_codes if code.outcome == wanted]))
    Decision.objects.bulk_create([d for d, _codes in decisions])
    through = Decision.reason_codes.through
    through.objects.bulk_create(
        [through(decision_id=d.pk, reasoncode_id=code.pk) for d, codes in decisions for code in codes],
        batch_size=2000,
    )

    _advance_round_robin(cases)
    audit_record(
        actor=actor,
        action="case.history_import",
        after={
            "applications": len(applications),
            "cases": len(cases),
            "events": len(events),
            "from": min(a.submitted_at for a in batch).isoformat(),
            "to": max(a.submitted_at for a in batch).isoformat(),
            "by_status": dict(sorted(Counter(c.status for c in cases).items())),
        },
    )
    return len(cases)


def _advance_round_robin(cases: Sequence[Case]) -> None:
    """Officers' ``last_assigned_at`` catches up with their imported cases, so live assignment goes
    on fairly from where the history stopped."""
    latest: dict[int, datetime] = {}
    for case in cases:
        if case.assignee_id is not None:
            latest[case.assignee_id] = max(case.submitted_at, latest.get(case.assignee_id, case.submitted_at))
    for officer_id, at in latest.items():
        OfficerProfile.objects.filter(officer_id=officer_id).filter(
            Q(last_assigned_at__isnull=True) | Q(last_assigned_at__lt=at)
        ).update(last_assigned_at=at)


def case_history_import(
    *, actor: Actor, rows: Iterable[HistoricApplication], at: datetime | None = None, batch_size: int = BATCH
) -> int:
    """Bulk-insert past ``rows`` (applications with their cases, events, information requests and
    decisions) as they stood at ``at`` (default now) and return the number of cases created.

    All or nothing: one invalid row (an illegal transition, steps out of order or in the future, a
    decision without a reason code of its outcome) raises ``ValueError`` and nothing is written.
    """
    now = at or timezone.now()
    applications = list(rows)
    for application in applications:
        _check(application, now)
    applications.sort(key=lambda a: a.submitted_at)
    taken: set[str] = set()
    total = 0
    with transaction.atomic():
        for start in range(0, len(applications), batch_size):
            total += _import_batch(
                actor=actor, batch=applications[start : start + batch_size], now=now, taken=taken
            )
    return total
