"""The case workflow: which status changes are legal, and the one function that makes them.

    submitted → in_review → approved | rejected → result_issued → closed
                in_review ⇄ information_requested → resubmitted → in_review
    submitted | in_review | information_requested | resubmitted → withdrawn (by the citizen)

A transition is a compare-and-set ``UPDATE case SET status=<to>, version=version+1, … WHERE id=… AND
status=<from>``: exactly one row changes, or the caller lost a race (or asked for something illegal)
and gets :class:`~onestop.cases.errors.IllegalTransition`. In the caller's transaction each
transition appends a ``CaseEvent`` (who, when, from, to, why), an audit event, a notification for
the citizen and one ``WebhookDelivery`` per active webhook of the agency. No code anywhere else
assigns ``Case.status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.expressions import Combinable
from django.utils import timezone

from onestop.cases.errors import IllegalTransition
from onestop.cases.models import Case, CaseEvent
from onestop.cases.webhooks import enqueue_deliveries
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.notify.models import Notification
from onestop.notify.services import notification_queue

S = Case.Status

#: from status → the statuses it may move to.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
    S.IN_REVIEW: frozenset({S.INFORMATION_REQUESTED, S.APPROVED, S.REJECTED, S.WITHDRAWN}),
    S.INFORMATION_REQUESTED: frozenset({S.RESUBMITTED, S.WITHDRAWN}),
    S.RESUBMITTED: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.RESULT_ISSUED}),
    S.REJECTED: frozenset({S.RESULT_ISSUED}),
    S.RESULT_ISSUED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

#: Every legal (from, to) pair, for tables and tests.
LEGAL_PAIRS: frozenset[tuple[str, str]] = frozenset(
    (src, dst) for src, targets in TRANSITIONS.items() for dst in targets
)

#: Statuses still waiting for the agency's decision: the SLA clock and the worklist concern these.
OPEN_STATUSES: frozenset[str] = frozenset({S.SUBMITTED, S.IN_REVIEW, S.INFORMATION_REQUESTED, S.RESUBMITTED})
#: Statuses in which the agency, not the citizen, must act (the clock runs).
CLOCK_RUNNING_STATUSES: frozenset[str] = frozenset({S.SUBMITTED, S.IN_REVIEW, S.RESUBMITTED})
DECIDED_STATUSES: frozenset[str] = frozenset({S.APPROVED, S.REJECTED, S.RESULT_ISSUED, S.CLOSED})
FINAL_STATUSES: frozenset[str] = frozenset({S.CLOSED, S.WITHDRAWN})

#: The event kind recorded for a move into each status.
EVENT_KINDS: Mapping[str, str] = {
    S.IN_REVIEW: "review_started",
    S.INFORMATION_REQUESTED: "information_requested",
    S.RESUBMITTED: "information_provided",
    S.APPROVED: "approved",
    S.REJECTED: "rejected",
    S.RESULT_ISSUED: "result_issued",
    S.CLOSED: "closed",
    S.WITHDRAWN: "withdrawn",
}


def is_legal(from_status: str, to_status: str) -> bool:
    """Whether a case may move from ``from_status`` to ``to_status``."""
    return to_status in TRANSITIONS.get(from_status, frozenset())


def allowed_targets(from_status: str) -> frozenset[str]:
    """The statuses reachable from ``from_status`` (to show only the buttons that can work)."""
    return TRANSITIONS.get(from_status, frozenset())


def actor_columns(actor: Actor) -> tuple[str, str, str]:
    """(kind, id, label) of an actor, as CaseEvent stores them."""
    if actor is None:
        return "system", "", "system"
    if isinstance(actor, SystemActor):
        return actor.kind, actor.id, actor.label[:150]
    if getattr(actor, "pk", None) is None:
        return "anonymous", "", "anonymous"
    return "user", str(actor.pk), actor.get_username()[:150]


def case_event_append(
    *,
    case: Case,
    kind: str,
    actor: Actor,
    at: datetime,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: Mapping[str, Any] | None = None,
    webhooks: bool = True,
) -> CaseEvent:
    """Append one ``CaseEvent`` (directly only for events that change no status: assignment, SLA
    escalation) and queue it for the agency's active webhooks. Runs in the caller's transaction."""
    kind_col, actor_id, label = actor_columns(actor)
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=at,
        from_status=from_status,
        to_status=to_status,
        actor_kind=kind_col,
        actor_id=actor_id,
        actor_label=label,
        reason=reason,
        data=dict(data or {}),
    )
    if webhooks:
        enqueue_deliveries(event)
    return event


def case_transition(
    *,
    case: Case,
    to_status: str,
    actor: Actor,
    at: datetime | None = None,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
    notify_citizen: bool = True,
    fields: Mapping[str, Any] | None = None,
    **columns: Any,
) -> Case:
    """Move ``case`` from its current status to ``to_status`` by compare-and-set and record it.

    ``columns`` (or the mapping ``fields``) are other Case columns set in the same UPDATE (``decided_at=at``; expressions such as
    ``F("…")`` are allowed). Raises ``IllegalTransition`` when the table forbids the move or another
    request changed the case first (``case.status`` was stale). Returns the case with the new
    status, version and fields applied.
    """
    now = at or timezone.now()
    fields = {**(fields or {}), **columns}
    from_status = case.status
    problem = {"from_status": from_status, "to_status": to_status}
    if not is_legal(from_status, to_status):
        raise IllegalTransition(extra=problem)
    with transaction.atomic():
        changed = Case.objects.filter(pk=case.pk, status=from_status).update(
            status=to_status, version=F("version") + 1, **fields
        )
        if changed != 1:
            # Someone else moved the case since it was read: the caller acted on a stale view.
            raise IllegalTransition(extra=problem)
        case.status = to_status
        expressions = ["version"]
        for name, value in fields.items():
            if isinstance(value, Combinable):
                expressions.append(name)
            else:
                setattr(case, name, value)
        case.refresh_from_db(fields=expressions)
        kind = EVENT_KINDS[to_status]
        event_data = dict(data or {})
        event = case_event_append(
            case=case,
            kind=kind,
            actor=actor,
            at=now,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=event_data,
        )
        audit_record(
            actor=actor,
            action=f"case.{kind}",
            target=case,
            before={"status": from_status},
            after={"status": to_status, "version": case.version},
            reason=reason,
            extra={"event": event_data} if event_data else None,
        )
        if notify_citizen:
            citizen = case.citizen
            notification_queue(
                audience=Notification.Audience.CITIZEN,
                recipient_id=str(citizen.pk),
                template=f"case.{kind}",
                context={
                    "case": case.number,
                    "status": to_status,
                    "event_id": event.pk,
                    "reason": reason,
                },
                language=citizen.preferred_language,
                subject=case,
            )
    return case


__all__ = [
    "CLOCK_RUNNING_STATUSES",
    "DECIDED_STATUSES",
    "EVENT_KINDS",
    "FINAL_STATUSES",
    "LEGAL_PAIRS",
    "OPEN_STATUSES",
    "TRANSITIONS",
    "actor_columns",
    "allowed_targets",
    "case_event_append",
    "case_transition",
    "is_legal",
]
