"""The SLA clock of a case: deadlines from the service's processing times, the suspension while the
citizen is asked for information, and the sweep that marks cases at risk or breached.

Deadlines are stored timestamps (``statutory_due_at``, ``target_due_at``, ``at_risk_at``). A case is
*at risk* once ``ONESTOP_SLA_AT_RISK_SHARE`` of its statutory time has passed and *breached* once
the statutory deadline has passed while the agency still had to act. The clock stops while
information is requested; when the citizen answers, every deadline moves forward by the business
days the clock stood still (calendar days for a service counted in calendar days).

The sweep claims rows with set-based compare-and-set UPDATEs on the indexed timestamps, so a run
costs what it changes, not the size of the case table, and two sweeps never escalate a case twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from onestop.cases.models import Case, CaseEvent
from onestop.cases.workflow import CLOCK_RUNNING_STATUSES
from onestop.catalog.models import DurationUnit, Service
from onestop.core import calendar
from onestop.core.audit import SystemActor, audit_record
from onestop.core.durations import add_duration
from onestop.notify.models import Notification
from onestop.people.models import Role, RoleMembership
from onestop.people.scoping import in_force

SWEEPER = SystemActor("sla-sweeper")


def at_risk_share() -> float:
    share = float(getattr(settings, "ONESTOP_SLA_AT_RISK_SHARE", 0.75))
    return min(max(share, 0.0), 1.0)


def case_deadlines(service: Service, submitted_at: datetime) -> tuple[datetime, datetime | None]:
    """(statutory deadline, target deadline or None) for a case of ``service`` submitted at
    ``submitted_at``, counted in the service's units on the deployment's calendar."""
    statutory = add_duration(submitted_at, service.statutory_time, unit=service.statutory_time_unit)
    target = (
        add_duration(submitted_at, service.target_time, unit=service.target_time_unit)
        if service.target_time
        else None
    )
    return statutory, target


def at_risk_moment(submitted_at: datetime, statutory_due_at: datetime) -> datetime:
    """When a case becomes at risk: the configured share of its statutory time after submission."""
    span = statutory_due_at - submitted_at
    return submitted_at + span * at_risk_share()


def _move_by_business_days(moment: datetime, days: int) -> datetime:
    local = timezone.localtime(moment)
    day = calendar.add_business_days(local.date(), days)
    moved = local.replace(year=day.year, month=day.month, day=day.day)
    return moved.astimezone(local.tzinfo)


def stopped_time(stopped_at: datetime, resumed_at: datetime, unit: str) -> int:
    """How many days (business or calendar, per ``unit``) the clock stood still.

    The day the clock stopped is not counted and the day it resumed is: a request on Monday
    answered on Wednesday stopped the clock for two business days.
    """
    start = timezone.localdate(stopped_at)
    end = timezone.localdate(resumed_at)
    if end <= start:
        return 0
    if unit == DurationUnit.BUSINESS_DAYS:
        return calendar.business_days_between(start, end)
    return (end - start).days


def shift_deadline(moment: datetime, days: int, unit: str) -> datetime:
    """``moment`` moved forward by ``days`` business or calendar days (time of day kept)."""
    if days <= 0:
        return moment
    if unit == DurationUnit.BUSINESS_DAYS:
        return _move_by_business_days(moment, days)
    local = timezone.localtime(moment)
    return (local + timedelta(days=days)).astimezone(local.tzinfo)


def resumed_deadlines(case: Case, service: Service, resumed_at: datetime) -> dict[str, object]:
    """The Case columns after the clock resumes at ``resumed_at``: deadlines moved by the stopped
    time, ``clock_stopped_at`` cleared and the SLA state re-read against the new deadlines (a breach
    that already happened is never undone)."""
    stopped_at = case.clock_stopped_at
    if stopped_at is None:
        return {}
    statutory_days = stopped_time(stopped_at, resumed_at, service.statutory_time_unit)
    statutory = shift_deadline(case.statutory_due_at, statutory_days, service.statutory_time_unit)
    target = case.target_due_at
    if target is not None:
        target_days = stopped_time(stopped_at, resumed_at, service.target_time_unit)
        target = shift_deadline(target, target_days, service.target_time_unit)
    risk = (
        shift_deadline(case.at_risk_at, statutory_days, service.statutory_time_unit)
        if case.at_risk_at is not None
        else at_risk_moment(case.submitted_at, statutory)
    )
    state = case.sla_state
    if state != Case.SlaState.BREACHED:
        state = Case.SlaState.AT_RISK if risk <= resumed_at else Case.SlaState.ON_TRACK
    return {
        "statutory_due_at": statutory,
        "target_due_at": target,
        "at_risk_at": risk,
        "clock_stopped_at": None,
        "sla_state": state,
    }


@dataclass(frozen=True)
class SweepResult:
    """What one sweep changed."""

    at_risk: int = 0
    breached: int = 0

    @property
    def total(self) -> int:
        return self.at_risk + self.breached


def _claim(*, filters: dict[str, object], batch: int) -> list[int]:
    """Ids of up to ``batch`` rows matching ``filters``, locked against a concurrent sweep where the
    database can (PostgreSQL skips rows another sweep holds)."""
    qs = Case.objects.filter(**filters)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.order_by().values_list("pk", flat=True)[:batch])


def _agency_heads(agency_ids: set[int], today: datetime) -> dict[int, list[int]]:
    heads: dict[int, list[int]] = {}
    rows = RoleMembership.objects.filter(
        in_force(timezone.localdate(today)), role=Role.AGENCY_HEAD, agency_id__in=agency_ids
    ).values_list("agency_id", "user_id")
    for agency_id, user_id in rows:
        if agency_id is not None:
            heads.setdefault(agency_id, []).append(user_id)
    return heads


def _record(
    *, ids: list[int], kind: str, now: datetime, escalate: bool, from_state: str, to_state: str
) -> None:
    """Events, notifications and one audit row for the cases one sweep step changed, in bulk."""
    rows = list(Case.objects.filter(pk__in=ids).values_list("pk", "number", "agency_id", "assignee_id"))
    actor_kind, actor_id, label = SWEEPER.kind, SWEEPER.id, SWEEPER.label
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=pk,
                kind=kind,
                at=now,
                actor_kind=actor_kind,
                actor_id=actor_id,
                actor_label=label,
                data={"sla_state": to_state, "previous": from_state},
            )
            for pk, _number, _agency, _assignee in rows
        ],
        batch_size=1000,
    )
    heads = _agency_heads({agency for _pk, _n, agency, _a in rows}, now) if escalate else {}
    notes: list[Notification] = []
    for pk, number, agency_id, assignee_id in rows:
        recipients = set(heads.get(agency_id, [])) if escalate else set()
        if assignee_id is not None:
            recipients.add(assignee_id)
        notes.extend(
            Notification(
                audience=Notification.Audience.STAFF,
                recipient_id=str(user_id),
                template=f"case.{kind}",
                context={"case": number, "sla_state": to_state},
                subject_type="cases.case",
                subject_id=str(pk),
            )
            for user_id in sorted(recipients)
        )
    Notification.objects.bulk_create(notes, batch_size=1000)
    audit_record(
        actor=SWEEPER,
        action=f"case.{kind}",
        extra={"cases": [number for _pk, number, _a, _b in rows][:1000], "count": len(rows)},
    )


def sla_sweep(*, at: datetime | None = None, batch: int = 5000) -> SweepResult:
    """Mark open cases at risk and breached, and escalate breaches to the agency head.

    Each step claims at most ``batch`` cases whose threshold has passed, flips their ``sla_state`` by
    compare-and-set (``UPDATE … WHERE pk IN (…) AND sla_state=<old>``) and writes their events and
    notifications in bulk, in one transaction. Only cases whose clock runs are concerned: a case
    waiting for the citizen is not the agency's delay. Idempotent; run it every minute.
    """
    now = at or timezone.now()
    running = sorted(CLOCK_RUNNING_STATUSES)
    with transaction.atomic():
        breach_ids = _claim(
            filters={
                "sla_state__in": [Case.SlaState.ON_TRACK, Case.SlaState.AT_RISK],
                "statutory_due_at__lte": now,
                "status__in": running,
            },
            batch=batch,
        )
        breached = 0
        if breach_ids:
            breached = Case.objects.filter(
                pk__in=breach_ids, sla_state__in=[Case.SlaState.ON_TRACK, Case.SlaState.AT_RISK]
            ).update(sla_state=Case.SlaState.BREACHED, escalated_at=now)
            _record(
                ids=breach_ids,
                kind="sla_breached",
                now=now,
                escalate=True,
                from_state="on_track|at_risk",
                to_state=Case.SlaState.BREACHED,
            )
        risk_ids = _claim(
            filters={
                "sla_state": Case.SlaState.ON_TRACK,
                "at_risk_at__lte": now,
                "status__in": running,
            },
            batch=batch,
        )
        at_risk = 0
        if risk_ids:
            at_risk = Case.objects.filter(pk__in=risk_ids, sla_state=Case.SlaState.ON_TRACK).update(
                sla_state=Case.SlaState.AT_RISK
            )
            _record(
                ids=risk_ids,
                kind="sla_at_risk",
                now=now,
                escalate=False,
                from_state=Case.SlaState.ON_TRACK,
                to_state=Case.SlaState.AT_RISK,
            )
    return SweepResult(at_risk=at_risk, breached=breached)


__all__ = [
    "SWEEPER",
    "SweepResult",
    "at_risk_moment",
    "at_risk_share",
    "case_deadlines",
    "resumed_deadlines",
    "shift_deadline",
    "sla_sweep",
    "stopped_time",
]
