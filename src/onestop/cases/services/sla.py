"""The SLA clock of a case: deadlines from the service's processing times, the suspension while the
citizen is asked for information, and the sweep that marks cases at risk or breached.

Deadlines are stored timestamps (``statutory_due_at``, ``target_due_at``, ``at_risk_at``). A case is
*at risk* once ``ONESTOP_SLA_AT_RISK_SHARE`` of its statutory time has passed and *breached* once
the statutory deadline has passed while the agency still had to act. The clock stops while
information is requested; when the citizen answers, every deadline moves forward by the business
days the clock stood still (calendar days for a service counted in calendar days).

The sweep claims rows with set-based compare-and-set UPDATEs on the indexed timestamps (a range
scan of a partial index, earliest first), so a run costs what it changes, not the size of the case
table, and two sweeps never escalate a case twice. On PostgreSQL each step (breach, at risk) is one
statement that also writes the events and notifications; elsewhere the ORM does it in bulk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet
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


@dataclass(frozen=True)
class _Step:
    """One threshold the sweep checks: which cases it concerns and what it makes of them."""

    kind: str  # the CaseEvent kind, also "case.<kind>" for the notification and the audit action
    deadline: str  # the Case column whose moment has passed
    from_states: tuple[str, ...]
    to_state: str
    escalate: bool  # also tell the agency head(s), and stamp escalated_at

    @property
    def previous(self) -> str:
        return "|".join(self.from_states)


_BREACH = _Step(
    kind="sla_breached",
    deadline="statutory_due_at",
    from_states=(Case.SlaState.ON_TRACK, Case.SlaState.AT_RISK),
    to_state=Case.SlaState.BREACHED,
    escalate=True,
)
_AT_RISK = _Step(
    kind="sla_at_risk",
    deadline="at_risk_at",
    from_states=(Case.SlaState.ON_TRACK,),
    to_state=Case.SlaState.AT_RISK,
    escalate=False,
)


def _claimable(step: _Step, now: datetime, batch: int) -> QuerySet[Case, Any]:
    """Up to ``batch`` cases whose ``step.deadline`` has passed, earliest first, locked against a
    concurrent sweep where the database can (PostgreSQL skips rows another sweep holds).

    The filter is the predicate of the step's partial index (``case_sla_breach_open_idx``,
    ``case_sla_risk_open_idx``) and the order is its key, so the claim is a range scan of that index
    that stops after ``batch`` entries. Without the ORDER BY, PostgreSQL's statistics (deadlines of
    the whole table, mostly long-decided cases, are mostly past) make it expect thousands of matches
    and choose a sequential scan of the table, which in the steady state finds a handful.
    """
    qs = Case.objects.filter(
        **{f"{step.deadline}__lte": now},
        sla_state__in=step.from_states,
        status__in=sorted(CLOCK_RUNNING_STATUSES),
    )
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs.order_by(step.deadline).values("pk")[:batch]


def _agency_heads(agency_ids: set[int], now: datetime) -> dict[int, list[int]]:
    heads: dict[int, list[int]] = {}
    for agency_id, user_id in (
        _heads(now).filter(agency_id__in=agency_ids).values_list("agency_id", "user_id")
    ):
        if agency_id is not None:
            heads.setdefault(agency_id, []).append(user_id)
    return heads


def _heads(now: datetime) -> QuerySet[RoleMembership]:
    """Agency heads in office on ``now``'s local date: whom a breach escalates to."""
    return RoleMembership.objects.filter(
        in_force(timezone.localdate(now)), role=Role.AGENCY_HEAD, agency_id__isnull=False
    )


def _event_data(step: _Step) -> dict[str, str]:
    return {"sla_state": step.to_state, "previous": step.previous}


def _mark_portable(step: _Step, now: datetime, batch: int) -> list[str]:
    """The step with the ORM, for SQLite (and any database without writable CTEs): claim, flip by
    compare-and-set, then the events and notifications with bulk INSERTs. SQLite's IMMEDIATE
    transaction holds the write lock from the claim on, so the claimed rows are the changed ones.
    Returns the numbers of the cases it changed."""
    ids = [row["pk"] for row in _claimable(step, now, batch)]
    if not ids:
        return []
    changes: dict[str, object] = {"sla_state": step.to_state}
    if step.escalate:
        changes["escalated_at"] = now
    Case.objects.filter(pk__in=ids, sla_state__in=step.from_states).update(**changes)
    rows = list(
        Case.objects.filter(pk__in=ids, sla_state=step.to_state)
        .order_by(step.deadline, "pk")
        .values_list("pk", "number", "agency_id", "assignee_id")
    )
    actor_kind, actor_id, label = SWEEPER.kind, SWEEPER.id, SWEEPER.label
    data = _event_data(step)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=pk,
                kind=step.kind,
                at=now,
                actor_kind=actor_kind,
                actor_id=actor_id,
                actor_label=label,
                data=data,
            )
            for pk, _number, _agency, _assignee in rows
        ],
        batch_size=1000,
    )
    heads = _agency_heads({agency for _pk, _n, agency, _a in rows}, now) if step.escalate else {}
    notes: list[Notification] = []
    for pk, number, agency_id, assignee_id in rows:
        recipients = set(heads.get(agency_id, []))
        if assignee_id is not None:
            recipients.add(assignee_id)
        notes.extend(
            Notification(
                audience=Notification.Audience.STAFF,
                recipient_id=str(user_id),
                template=f"case.{step.kind}",
                context={"case": number, "sla_state": step.to_state},
                subject_type=Case._meta.label_lower,
                subject_id=str(pk),
            )
            for user_id in sorted(recipients)
        )
    Notification.objects.bulk_create(notes, batch_size=1000)
    return [number for _pk, number, _agency, _assignee in rows]


def _mark_postgresql(step: _Step, now: datetime, batch: int) -> list[str]:
    """The step as one statement on PostgreSQL: claim (``FOR UPDATE SKIP LOCKED``), flip by
    compare-and-set, and INSERT … SELECT the events and the notifications from the changed rows.

    The same rows and values as :func:`_mark_portable`, without carrying thousands of ids and
    objects through Python: a catch-up step of 5,000 cases costs one round trip instead of a dozen
    batched INSERTs built row by row. The claim and the agency heads are compiled from the ORM, so
    their rules (partial-index predicate, memberships in force) live in one place.
    Returns the numbers of the cases it changed, earliest deadline first."""
    claim_sql, claim_params = _claimable(step, now, batch).query.sql_with_params()
    heads_sql, heads_params = _heads(now).order_by().values("agency_id", "user_id").query.sql_with_params()
    case_table = Case._meta.db_table
    event_table = CaseEvent._meta.db_table
    note_table = Notification._meta.db_table
    escalation = ", escalated_at = %s" if step.escalate else ""
    # Heads only for a breach; the assignee always. UNION: a head who is also the assignee is told once.
    recipients = "SELECT id, number, due, assignee_id AS user_id FROM changed WHERE assignee_id IS NOT NULL"
    if step.escalate:
        recipients += (
            " UNION SELECT c.id, c.number, c.due, h.user_id"
            f" FROM changed c JOIN ({heads_sql}) h ON h.agency_id = c.agency_id"
        )
    sql = f"""
        WITH claimed (id) AS ({claim_sql}),
        changed AS (
            UPDATE {case_table} AS c SET sla_state = %s{escalation}
            FROM claimed WHERE c.id = claimed.id AND c.sla_state = ANY(%s)
            RETURNING c.id, c.number, c.agency_id, c.assignee_id, c.{step.deadline} AS due
        ),
        events AS (
            INSERT INTO {event_table}
                (case_id, kind, at, from_status, to_status, actor_kind, actor_id, actor_label, reason, data)
            SELECT id, %s, %s, '', '', %s, %s, %s, '', %s::jsonb FROM changed ORDER BY due, id
        ),
        recipients AS ({recipients}),
        notes AS (
            INSERT INTO {note_table} (audience, recipient_id, template, context, language, subject_type,
                subject_id, status, attempts, created_at)
            SELECT %s, user_id::text, %s, jsonb_build_object('case', number, 'sla_state', %s::text), %s, %s,
                id::text, %s, 0, %s
            FROM recipients AS r ORDER BY r.due, r.id, r.user_id
        )
        SELECT number FROM changed ORDER BY due, id
    """
    params: list[Any] = [*claim_params, step.to_state]
    if step.escalate:
        params.append(now)
    params += [
        [str(state) for state in step.from_states],
        step.kind,
        now,
        SWEEPER.kind,
        SWEEPER.id,
        SWEEPER.label,
        json.dumps(_event_data(step), cls=DjangoJSONEncoder),
    ]
    if step.escalate:
        params += heads_params
    params += [
        Notification.Audience.STAFF,
        f"case.{step.kind}",
        step.to_state,
        Notification._meta.get_field("language").get_default(),
        Case._meta.label_lower,
        Notification.Status.PENDING,
        timezone.now(),  # created_at: when the row was written, as auto_now_add would
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [number for (number,) in cursor.fetchall()]


def _mark(step: _Step, now: datetime, batch: int) -> int:
    """Apply one step to at most ``batch`` cases and audit it (one audit row per step, listing the
    first 1,000 case numbers). Returns how many cases changed."""
    mark = _mark_postgresql if connection.vendor == "postgresql" else _mark_portable
    numbers = mark(step, now, batch)
    if numbers:
        audit_record(
            actor=SWEEPER, action=f"case.{step.kind}", extra={"cases": numbers[:1000], "count": len(numbers)}
        )
    return len(numbers)


def sla_sweep(*, at: datetime | None = None, batch: int = 5000) -> SweepResult:
    """Mark open cases at risk and breached, and escalate breaches to the agency head.

    Each step claims at most ``batch`` cases whose threshold has passed (earliest first), flips their
    ``sla_state`` by compare-and-set (``UPDATE … WHERE id IN (claimed) AND sla_state=<old>``) and
    writes an event per case and a notification per recipient (the assignee; for a breach also the
    agency heads), all in one transaction with one audit row per step. Only cases whose clock runs
    are concerned: a case waiting for the citizen is not the agency's delay. Idempotent; run it
    every minute. Breaches go first, so a case past both thresholds is marked breached, not at risk.
    """
    now = at or timezone.now()
    with transaction.atomic():
        breached = _mark(_BREACH, now, batch)
        at_risk = _mark(_AT_RISK, now, batch)
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
