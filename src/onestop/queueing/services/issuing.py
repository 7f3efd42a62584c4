"""Issuing a ticket: at a kiosk, at reception, on a remote join or an appointment's check-in.

A ticket gets the next daily number of its centre and prefix (numbering restarts each local day),
one pending ``TicketService`` per service of the visit, an ``issued`` event (and ``checked_in`` for
an appointment) and an audit entry. On PostgreSQL all of it, the number included, is one statement
(decision 0008); elsewhere it is the ORM's statements in one transaction.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.catalog.models import Service
from onestop.centres.models import Centre
from onestop.core.audit import Actor, audit_entry
from onestop.core.models import AuditEvent
from onestop.core.statements import insert_select, run_chain, saved_as, writes_in_one_statement
from onestop.people.models import Citizen
from onestop.queueing.errors import QueueingError, ServiceNotOffered
from onestop.queueing.intake import centre_intake, intake_forget
from onestop.queueing.models import Appointment, DailySequence, Queue, Ticket, TicketEvent, TicketService
from onestop.queueing.workflow import ticket_event

S = Ticket.Status
K = TicketEvent.Kind


def priority_groups() -> list[str]:
    value = getattr(settings, "ONESTOP_QUEUE_PRIORITY_GROUPS", ["disability", "elderly", "pregnant"])
    if isinstance(value, str):
        return [g.strip() for g in value.split(",") if g.strip()]
    return [str(g) for g in value]


def format_number(prefix: str, sequence: int) -> str:
    """The printed ticket number: ``A-042``."""
    return f"{prefix}-{sequence:03d}"


def sequence_upsert(
    *, centre: Centre, service_day: Any, prefix: str, count: int = 1
) -> tuple[str, list[Any]]:
    """The statement that takes the next ``count`` daily numbers for (centre, day, prefix): an
    upsert that returns the last of them. The same text is valid on PostgreSQL and on SQLite >= 3.35
    (``ON CONFLICT … RETURNING``). The row stays locked until the transaction ends, so whoever
    takes numbers at one centre queues up on it; every writer takes its numbers before writing
    any ticket (see ``ticket_issue``)."""
    table = connection.ops.quote_name(DailySequence._meta.db_table)
    sql = (
        f"INSERT INTO {table} (centre_id, service_day, prefix, last) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (centre_id, service_day, prefix) DO UPDATE SET last = {table}.last + %s "
        "RETURNING last"
    )
    return sql, [centre.pk, connection.ops.adapt_datefield_value(service_day), prefix, count, count]


def numbers_take(*, centre: Centre, service_day: Any, prefix: str, count: int = 1) -> int:
    """Run :func:`sequence_upsert` on its own: take ``count`` daily numbers and return the last."""
    with connection.cursor() as cursor:
        cursor.execute(*sequence_upsert(centre=centre, service_day=service_day, prefix=prefix, count=count))
        row = cursor.fetchone()
    return int(row[0])


def _check_offered(centre: Centre, queue: Queue, services: Sequence[Service]) -> None:
    if queue.centre_id != centre.pk or not queue.is_active:
        raise ServiceNotOffered(_("That queue is not open at this centre."))
    if not services:
        return
    # The centre's configuration as this process last read it (see queueing/intake.py).
    intake = centre_intake(centre.code)
    if intake is not None and queue.pk not in intake.queue_services:
        # A queue newer than this process's snapshot (made in another process): read again rather
        # than take it for a queue without a service list.
        intake_forget()
        intake = centre_intake(centre.code)
    if intake is None or intake.centre.pk != centre.pk:
        offered: frozenset[int] = frozenset()
        refused = list(services)
    else:
        offered = intake.offered
        refused = [s for s in services if s.pk not in offered or not intake.handles(queue, s.pk)]
    if refused:
        names = ", ".join(s.name for s in refused)
        if any(s.pk not in offered for s in refused):
            message = _("%(centre)s does not offer %(services)s.") % {
                "centre": centre.name,
                "services": names,
            }
        else:
            message = _("Queue %(prefix)s does not handle %(services)s.") % {
                "prefix": queue.prefix,
                "services": names,
            }
        raise ServiceNotOffered(message, extra={"services": [s.identifier for s in refused]})


def ticket_issue(
    *,
    actor: Actor,
    centre: Centre,
    queue: Queue,
    channel: str,
    services: Sequence[Service] = (),
    citizen: Citizen | None = None,
    priority_group: str = "",
    appointment: Appointment | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Issue a ticket in ``queue`` at ``centre``: the next daily number for the queue's prefix
    (numbering restarts each local day), one pending ``TicketService`` per service, an ``issued``
    event (and ``checked_in`` for an appointment). Refuses a service the centre or the queue does not
    offer (``ServiceNotOffered``). Who may issue (staff of the centre, a kiosk, the citizen) is the
    caller's check."""
    at = at or timezone.now()
    services = list(services)
    if channel not in Ticket.Channel.values:
        raise QueueingError(_("Unknown channel %(channel)s.") % {"channel": channel})
    _check_offered(centre, queue, services)
    if priority_group and priority_group not in priority_groups():
        raise QueueingError(
            _("Unknown priority group %(group)s.") % {"group": priority_group},
            extra={"priority_groups": priority_groups()},
        )
    service_day = timezone.localdate(at)
    rows_of = functools.partial(
        _issue_rows,
        actor=actor,
        centre=centre,
        queue=queue,
        channel=channel,
        services=services,
        citizen=citizen,
        priority_group=priority_group,
        appointment=appointment,
        at=at,
        service_day=service_day,
    )
    if writes_in_one_statement():
        # PostgreSQL (decision 0008): the number, the ticket, its service lines, its events and its
        # audit entry in one statement. The day's number row is locked from the moment the
        # statement takes it until it commits, at the end of that same statement outside a
        # caller's transaction. While it holds the row it takes only KEY SHARE locks (the new rows'
        # foreign-key checks, at commit). Bookings, joins and check-ins lock their rows FOR NO KEY
        # UPDATE, which those do not wait for; whoever else takes a number (another press, a join,
        # a history import) takes it before writing any ticket, so no two of them ever wait on
        # each other in opposite order. Inside a caller's transaction it runs in a savepoint, as
        # the ORM path's atomic block would.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            return _issue_in_one_statement(
                sequence_upsert(centre=centre, service_day=service_day, prefix=queue.prefix),
                *rows_of(sequence=0),  # the number is taken by the statement
            )
    with transaction.atomic():
        sequence = numbers_take(centre=centre, service_day=service_day, prefix=queue.prefix)
        ticket, rows, audit = rows_of(sequence=sequence)
        ticket.save(force_insert=True)
        for row in rows:
            row.ticket_id = ticket.pk  # type: ignore[attr-defined]
            row.save(force_insert=True)
        audit.target_id = str(ticket.pk)
        audit.save(force_insert=True)
    return ticket


def _issue_rows(
    *,
    actor: Actor,
    centre: Centre,
    queue: Queue,
    channel: str,
    services: Sequence[Service],
    citizen: Citizen | None,
    priority_group: str,
    appointment: Appointment | None,
    at: datetime,
    service_day: Any,
    sequence: int,
) -> tuple[Ticket, list[models.Model], AuditEvent]:
    """The unsaved rows of an issue, in the order they are written (their ids follow it): the
    ticket; its service lines and its events (``issued``, and ``checked_in`` for an appointment),
    whose ticket id is set when it is known; and its audit entry (target id likewise)."""
    ticket = Ticket(
        centre=centre,
        queue=queue,
        service_day=service_day,
        prefix=queue.prefix,
        sequence=sequence,
        number=format_number(queue.prefix, sequence),
        channel=channel,
        priority=1 if priority_group else 0,
        priority_group=priority_group,
        citizen=citizen,
        appointment=appointment,
        issued_at=at,
        arrived_at=at,
        checked_in_at=at if appointment is not None else None,
    )
    data = {"queue": queue.prefix, "channel": channel, "services": [s.pk for s in services]}
    rows: list[models.Model] = [TicketService(service=s) for s in services]
    rows.append(
        ticket_event(ticket=ticket, kind=K.ISSUED, actor=actor, at=at, to_status=S.WAITING, data=data)
    )
    if appointment is not None:
        checked_in = {"appointment": appointment.code}
        rows.append(
            ticket_event(
                ticket=ticket, kind=K.CHECKED_IN, actor=actor, at=at, to_status=S.WAITING, data=checked_in
            )
        )
    audit = audit_entry(
        actor=actor, action="ticket.issue", target=ticket, after={"number": ticket.number, **data}
    )
    return ticket, rows, audit


#: The printed number in SQL, as :func:`format_number` writes it: at least three digits.
_NUMBER_SQL = (
    "(%s::text || '-' || CASE WHEN numbered.last < 1000 THEN lpad(numbered.last::text, 3, '0') "
    "ELSE numbered.last::text END)"
)


def _issue_in_one_statement(
    number: tuple[str, list[Any]], ticket: Ticket, rows: Sequence[models.Model], audit: AuditEvent
) -> Ticket:
    """``ticket_issue``'s rows as one statement on PostgreSQL (core/statements.py), in one round
    trip, from the number's upsert (``number``) and the rows ``_issue_rows`` built around a
    placeholder number. What depends on the number (the ticket's sequence and number, the audit
    entry's label and summary) is computed from the upsert's row. Each later row reads the ticket's
    id from the row before it: PostgreSQL runs the steps of a ``WITH`` in no set order, and the
    lines and events must get their ids in the order given (both are listed by id)."""
    placeholder = ticket.number
    label_rest = audit.target_label.removeprefix(placeholder)
    if label_rest == audit.target_label or "number" not in audit.summary.get("after", {}):
        raise ValueError("the audit entry of an issue names the ticket by its number")
    summary = AuditEvent._meta.get_field("summary").get_db_prep_save(audit.summary, connection)
    steps: list[tuple[str, str, Sequence[Any]]] = [
        ("numbered", *number),
        (
            "issued",
            *insert_select(
                ticket,
                source="numbered",
                computed={"sequence": "numbered.last", "number": (_NUMBER_SQL, [ticket.prefix])},
                returning=["id", "sequence", "number"],
            ),
        ),
    ]
    previous, ticket_id_sql = "issued", "issued.id"
    for n, row in enumerate(rows):
        name = f"row{n}"
        sql, params = insert_select(
            row, source=previous, computed={"ticket_id": ticket_id_sql}, returning=["ticket_id"]
        )
        steps.append((name, sql, params))
        previous, ticket_id_sql = name, f"{name}.ticket_id"
    issued_number = "(SELECT number FROM issued)"
    steps.append(
        (
            "audit",
            *insert_select(
                audit,
                source=previous,
                computed={
                    "target_id": f"CAST({ticket_id_sql} AS text)",
                    "target_label": (f"left({issued_number} || %s::text, 200)", [label_rest]),
                    "summary": (
                        f"jsonb_set(%s::jsonb, '{{after,number}}', to_jsonb({issued_number}))",
                        [summary],
                    ),
                },
            ),
        )
    )
    [(ticket_id, sequence, printed)] = run_chain(steps, "SELECT id, sequence, number FROM issued")
    ticket.sequence, ticket.number = sequence, printed
    return saved_as(ticket, ticket_id)


__all__ = ["format_number", "numbers_take", "priority_groups", "sequence_upsert", "ticket_issue"]
