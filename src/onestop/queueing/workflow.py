"""The ticket workflow: which status changes are legal, and the one function that makes them.

A transition is a compare-and-set ``UPDATE ticket SET status=<to>, … WHERE id=… AND status=<from>``:
exactly one row changes, or the caller lost a race (or asked for something illegal) and gets
:class:`~onestop.queueing.errors.IllegalTransition`. Each transition appends a ``TicketEvent`` and an
audit event in the caller's transaction. No code anywhere else assigns ``Ticket.status``.

The creation of a ticket (status ``waiting``) is not a transition; its ``issued``/``checked_in``
events are built by :func:`ticket_event` and written with the ticket (services/issuing.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models.expressions import Combinable

from onestop.centres.models import Counter
from onestop.core.audit import Actor, SystemActor, audit_entry
from onestop.core.statements import insert_select, run_chain, update_row_returning, writes_in_one_statement
from onestop.queueing.errors import IllegalTransition
from onestop.queueing.models import Ticket, TicketEvent

S = Ticket.Status
K = TicketEvent.Kind

#: (from status, to status) → the event kinds that may make that change.
TRANSITIONS: Mapping[tuple[str, str], frozenset[str]] = {
    (S.WAITING, S.CALLED): frozenset({K.CALLED}),
    (S.CALLED, S.CALLED): frozenset({K.RECALLED}),
    (S.CALLED, S.SERVING): frozenset({K.STARTED}),
    (S.CALLED, S.WAITING): frozenset({K.TRANSFERRED}),
    (S.SERVING, S.WAITING): frozenset({K.TRANSFERRED}),
    (S.PARKED, S.WAITING): frozenset({K.TRANSFERRED}),
    (S.CALLED, S.NO_SHOW): frozenset({K.NO_SHOW}),
    (S.CALLED, S.PARKED): frozenset({K.PARKED}),
    (S.SERVING, S.PARKED): frozenset({K.PARKED}),
    (S.PARKED, S.CALLED): frozenset({K.RETURNED}),
    (S.SERVING, S.DONE): frozenset({K.ENDED}),
    (S.WAITING, S.CANCELLED): frozenset({K.CANCELLED}),
    (S.CALLED, S.CANCELLED): frozenset({K.CANCELLED}),
    (S.PARKED, S.CANCELLED): frozenset({K.CANCELLED}),
    (S.WAITING, S.CLOSED_UNSERVED): frozenset({K.CLOSED_UNSERVED}),
    (S.CALLED, S.CLOSED_UNSERVED): frozenset({K.CLOSED_UNSERVED}),
    (S.PARKED, S.CLOSED_UNSERVED): frozenset({K.CLOSED_UNSERVED}),
}

#: Statuses a ticket never leaves.
FINAL_STATUSES: frozenset[str] = frozenset({S.DONE, S.NO_SHOW, S.CANCELLED, S.CLOSED_UNSERVED})
#: Statuses in which a ticket still waits for (or is with) a counter today.
OPEN_STATUSES: frozenset[str] = frozenset({S.WAITING, S.CALLED, S.SERVING, S.PARKED})


def is_legal(from_status: str, to_status: str, kind: str) -> bool:
    """Whether ``kind`` may move a ticket from ``from_status`` to ``to_status``."""
    return kind in TRANSITIONS.get((from_status, to_status), frozenset())


def allowed_kinds(from_status: str) -> set[str]:
    """The event kinds legal from ``from_status`` (for showing only the buttons that can work)."""
    return {kind for (src, _dst), kinds in TRANSITIONS.items() if src == from_status for kind in kinds}


def _actor_columns(actor: Actor) -> tuple[str, str]:
    if actor is None:
        return "", "system"
    if isinstance(actor, SystemActor):
        return actor.id, actor.label
    if getattr(actor, "pk", None) is None:
        return "", "anonymous"
    return str(actor.pk), actor.get_username()[:150]


def ticket_event(
    *,
    ticket: Ticket,
    kind: str,
    actor: Actor,
    at: datetime,
    from_status: str = "",
    to_status: str = "",
    counter: Counter | int | None = None,
    data: Mapping[str, Any] | None = None,
) -> TicketEvent:
    """The ``TicketEvent`` row of one event, not yet saved."""
    actor_id, actor_label = _actor_columns(actor)
    return TicketEvent(
        ticket_id=ticket.pk,
        centre_id=ticket.centre_id,
        kind=kind,
        at=at,
        from_status=from_status,
        to_status=to_status,
        counter_id=counter.pk if isinstance(counter, Counter) else counter,
        actor_id=actor_id,
        actor_label=actor_label,
        data=dict(data or {}),
    )


def ticket_transition(
    *,
    ticket: Ticket,
    to_status: str,
    kind: str,
    actor: Actor,
    at: datetime,
    counter: Counter | int | None = None,
    data: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Ticket:
    """Move ``ticket`` from its current status to ``to_status`` by compare-and-set, record the event
    (``counter`` is the counter the event happened at, or its id) and the audit entry, and return the ticket
    with ``fields`` (other Ticket columns, e.g. ``called_at=at``, ``counter_id=…``; expressions such
    as ``F("recall_count") + 1`` are allowed) applied. Raises ``IllegalTransition`` if the table
    forbids it or another request changed the ticket first. Runs in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ticket_transition() must run inside the service's transaction.atomic()")
    from_status = ticket.status
    if not is_legal(from_status, to_status, kind):
        raise IllegalTransition(extra={"from_status": from_status, "to_status": to_status, "action": kind})
    event_data = dict(data or {})
    event = ticket_event(
        ticket=ticket,
        kind=kind,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=to_status,
        counter=counter,
        data=event_data,
    )
    audit = audit_entry(
        actor=actor,
        action=f"ticket.{kind}",
        target=ticket,
        before={"status": from_status},
        after={"status": to_status},
        reason=str(event_data.get("reason", "")),
        extra={"event": event_data} if event_data else None,
    )
    if writes_in_one_statement():
        # One round trip: the compare-and-set, and the event and audit rows only if it changed a row.
        update_sql, update_params, attnames = update_row_returning(
            Ticket, ticket.pk, where={"status": from_status}, values={"status": to_status, **fields}
        )
        event_sql, event_params = insert_select(event, source="changed")
        audit_sql, audit_params = insert_select(audit, source="changed")
        rows = run_chain(
            [
                ("changed", update_sql, update_params),
                ("event", event_sql, event_params),
                ("audit", audit_sql, audit_params),
            ],
            "SELECT * FROM changed",
        )
        if not rows:
            raise IllegalTransition(
                extra={"from_status": from_status, "to_status": to_status, "action": kind}
            )
        for attname, value in zip(attnames, rows[0], strict=True):
            setattr(ticket, attname, value)
        return ticket
    changed = Ticket.objects.filter(pk=ticket.pk, status=from_status).update(status=to_status, **fields)
    if changed != 1:
        # Someone else moved the ticket since it was read: the caller acted on a stale view.
        raise IllegalTransition(extra={"from_status": from_status, "to_status": to_status, "action": kind})
    ticket.status = to_status
    expressions = [name for name, value in fields.items() if isinstance(value, Combinable)]
    for name, value in fields.items():
        if name not in expressions:
            setattr(ticket, name, value)
    if expressions:
        ticket.refresh_from_db(fields=expressions)
    event.save(force_insert=True)
    audit.save(force_insert=True)
    return ticket


__all__ = [
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "TRANSITIONS",
    "allowed_kinds",
    "is_legal",
    "ticket_event",
    "ticket_transition",
]
