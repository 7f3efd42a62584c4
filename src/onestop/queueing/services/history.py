"""Importing past visits in bulk: tickets, their events and service transactions as they would have
been written by the live services, for demos, load tests and migrations from an older queue system.

A visit is described by its timestamps (issue, first call, start, end); the import derives the
ticket's status, its number (prefix + the centre's daily sequence, continuing the existing one) and
the append-only events from them, so the figures computed from events (waiting = first call − issue,
service = end − start) agree with the ticket's own columns. One audit event per centre-day records
the import instead of one per row: the audit trail stays readable and the import stays fast.
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from onestop.catalog.models import Service
from onestop.centres.models import Centre, Counter
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.people.models import Citizen, User
from onestop.queueing.models import (
    Appointment,
    Queue,
    Ticket,
    TicketEvent,
    TicketService,
)
from onestop.queueing.services.issuing import numbers_take

Status = Ticket.Status
Kind = TicketEvent.Kind
Outcome = TicketService.Outcome


@dataclass(frozen=True)
class HistoricVisit:
    """One past visit. What happened is read from which timestamps are set:

    - ``ended_at`` set: served (needs ``called_at``, ``started_at`` and a ``counter``);
    - ``no_show``: called (``recalls`` more times) and never came to the counter;
    - otherwise: still waiting at closing, closed unserved at ``closed_at``.

    ``appointment_starts_at`` makes it a booked visit: an appointment (checked in) is created with it.
    """

    queue: Queue
    issued_at: datetime
    channel: str = Ticket.Channel.KIOSK
    services: Sequence[Service] = ()
    citizen: Citizen | None = None
    priority_group: str = ""
    called_at: datetime | None = None
    counter: Counter | None = None
    operator: User | None = None
    recalls: Sequence[datetime] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: str = Outcome.COMPLETED
    no_show: bool = False
    no_show_at: datetime | None = None
    closed_at: datetime | None = None
    appointment_starts_at: datetime | None = None
    appointment_minutes: int = 15
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Inserted:
    pk: int
    channel: str
    appointment_code: str


def _check(visit: HistoricVisit, centre: Centre) -> str:
    """The final status of ``visit``; raises ValueError for a visit the live services could not have
    produced (so that imported figures are as trustworthy as live ones)."""
    if visit.queue.centre_id != centre.pk:
        raise ValueError(f"queue {visit.queue.prefix} belongs to another centre")
    if timezone.is_naive(visit.issued_at):
        raise ValueError("issued_at must be timezone-aware")
    if visit.counter is not None and visit.counter.centre_id != centre.pk:
        raise ValueError("the counter belongs to another centre")
    if visit.appointment_starts_at is not None and visit.citizen is None:
        raise ValueError("an appointment needs a citizen")
    if visit.ended_at is not None:
        if visit.called_at is None or visit.started_at is None or visit.counter is None:
            raise ValueError("a served visit needs called_at, started_at and a counter")
        if not visit.issued_at <= visit.called_at <= visit.started_at <= visit.ended_at:
            raise ValueError("a served visit's times must be issue ≤ call ≤ start ≤ end")
        if any(not visit.called_at <= r <= visit.started_at for r in visit.recalls):
            raise ValueError("recalls must fall between the first call and the start")
        return Status.DONE
    if visit.no_show:
        if visit.called_at is None or visit.counter is None:
            raise ValueError("a no-show needs called_at and a counter")
        last = max([visit.called_at, *visit.recalls])
        if visit.called_at < visit.issued_at or (visit.no_show_at is not None and visit.no_show_at < last):
            raise ValueError("a no-show's times must be issue ≤ call ≤ recalls ≤ no-show")
        return Status.NO_SHOW
    if visit.closed_at is None or visit.closed_at < visit.issued_at:
        raise ValueError("an unserved visit needs closed_at after issued_at")
    if visit.called_at is not None:
        raise ValueError("an unserved visit was never called")
    return Status.CLOSED_UNSERVED


def _reserve_numbers(centre: Centre, day: date, needed: Mapping[str, int]) -> dict[str, int]:
    """Take ``needed[prefix]`` consecutive daily numbers per prefix, before any ticket is written,
    as a kiosk press takes its one (services/issuing.py); returns the number before each block.
    Each prefix's row stays locked until the import commits. Taken first and in prefix order, so a
    kiosk press at the same centre waits for the import (or the import for it) and neither ever
    holds a ticket row the other needs while waiting for a number."""
    return {
        prefix: numbers_take(centre=centre, service_day=day, prefix=prefix, count=needed[prefix])
        - needed[prefix]
        for prefix in sorted(needed)
    }


def _appointment_code() -> str:
    # Booking codes of imported appointments get an "H" so they can never equal a live one's shape.
    return "H" + secrets.token_hex(5).upper()


def _import_day(
    *,
    actor: Actor,
    centre: Centre,
    day: date,
    visits: list[tuple[HistoricVisit, str]],
    label: tuple[str, str],
) -> int:
    actor_id, actor_label = label
    visits.sort(key=lambda item: item[0].issued_at)
    needed: dict[str, int] = defaultdict(int)
    for visit, _status in visits:
        needed[visit.queue.prefix] += 1
    last = _reserve_numbers(centre, day, needed)

    appointments: list[Appointment | None] = []
    for visit, _status in visits:
        if visit.appointment_starts_at is None:
            appointments.append(None)
            continue
        assert visit.citizen is not None
        appointments.append(
            Appointment(
                centre=centre,
                queue=visit.queue,
                citizen=visit.citizen,
                starts_at=visit.appointment_starts_at,
                ends_at=visit.appointment_starts_at + timedelta(minutes=visit.appointment_minutes),
                status=Appointment.Status.CHECKED_IN,
                code=_appointment_code(),
            )
        )
    created = Appointment.objects.bulk_create([a for a in appointments if a is not None])
    by_position = iter(created)
    appointments = [next(by_position) if a is not None else None for a in appointments]

    at_db = connection.ops.adapt_datetimefield_value
    token_field = Ticket._meta.get_field("token")
    day_db = connection.ops.adapt_datefield_value(day)
    rows: list[tuple[Any, ...]] = []
    numbers: list[str] = []
    for (visit, status), appointment in zip(visits, appointments, strict=True):
        prefix = visit.queue.prefix
        last[prefix] += 1
        number = f"{prefix}-{last[prefix]:03d}"
        numbers.append(number)
        ended = visit.ended_at or (visit.no_show_at if visit.no_show else None) or visit.closed_at
        last_call = max([visit.called_at, *visit.recalls]) if visit.called_at is not None else None
        channel = Ticket.Channel.APPOINTMENT if appointment is not None else visit.channel
        rows.append(
            (centre.pk, visit.queue.pk, day_db, prefix, last[prefix], number, status, channel)
            + (1 if visit.priority_group else 0, visit.priority_group)
            + (visit.citizen.pk if visit.citizen else None, appointment.pk if appointment else None)
            + (at_db(visit.issued_at), at_db(visit.issued_at))
            + (at_db(visit.issued_at) if appointment is not None else None, at_db(visit.called_at))
            + (at_db(last_call), at_db(visit.started_at), at_db(ended))
            + (visit.counter.pk if visit.counter else None, len(visit.recalls))
            + (token_field.get_db_prep_save(uuid.uuid4(), connection),)
        )
    _insert_rows(
        Ticket,
        (
            *("centre", "queue", "service_day", "prefix", "sequence", "number", "status", "channel"),
            *("priority", "priority_group", "citizen", "appointment", "issued_at", "arrived_at"),
            *("checked_in_at", "first_called_at", "called_at", "started_at", "ended_at", "counter"),
            *("recall_count", "token"),
        ),
        rows,
    )
    # The numbers are unique per centre and day, so they find the new rows' ids again on any database.
    ids = dict(
        Ticket.objects.filter(centre=centre, service_day=day, number__in=numbers).values_list("number", "pk")
    )
    tickets = [
        _Inserted(ids[number], row[7], appointment.code if appointment else "")
        for number, row, appointment in zip(numbers, rows, appointments, strict=True)
    ]

    data_field = TicketEvent._meta.get_field("data")
    centre_id = centre.pk
    events: list[tuple[Any, ...]] = []
    transactions: list[tuple[Any, ...]] = []

    def event(
        ticket: _Inserted, kind: str, at: datetime, from_status: str, to_status: str, **kw: Any
    ) -> None:
        counter = kw.get("counter")
        data = data_field.get_db_prep_save(kw.get("data", {}), connection)
        events.append(
            (ticket.pk, centre_id, kind, at_db(at), from_status, to_status, counter.pk if counter else None)
            + (actor_id, actor_label, data)
        )

    for (visit, status), ticket in zip(visits, tickets, strict=True):
        event(ticket, Kind.ISSUED, visit.issued_at, "", Status.WAITING, data={"channel": ticket.channel})
        if ticket.appointment_code:
            event(
                ticket,
                Kind.CHECKED_IN,
                visit.issued_at,
                Status.WAITING,
                Status.WAITING,
                data={"appointment": ticket.appointment_code},
            )
        if visit.called_at is not None:
            event(ticket, Kind.CALLED, visit.called_at, Status.WAITING, Status.CALLED, counter=visit.counter)
            for recall in visit.recalls:
                event(ticket, Kind.RECALLED, recall, Status.CALLED, Status.CALLED, counter=visit.counter)
        if status == Status.DONE:
            assert visit.started_at is not None and visit.ended_at is not None
            event(
                ticket, Kind.STARTED, visit.started_at, Status.CALLED, Status.SERVING, counter=visit.counter
            )
            event(ticket, Kind.ENDED, visit.ended_at, Status.SERVING, Status.DONE, counter=visit.counter)
        elif status == Status.NO_SHOW:
            at = visit.no_show_at or max([visit.called_at or visit.issued_at, *visit.recalls])
            event(ticket, Kind.NO_SHOW, at, Status.CALLED, Status.NO_SHOW, counter=visit.counter)
        else:
            assert visit.closed_at is not None
            event(ticket, Kind.CLOSED_UNSERVED, visit.closed_at, Status.WAITING, Status.CLOSED_UNSERVED)
        served = status == Status.DONE
        counter_id = visit.counter.pk if served and visit.counter else None
        operator_id = visit.operator.pk if served and visit.operator else None
        span = (at_db(visit.started_at), at_db(visit.ended_at)) if served else (None, None)
        outcome = visit.outcome if served else Outcome.NOT_HANDLED
        transactions.extend(
            (ticket.pk, service.pk, outcome, counter_id, operator_id, *span) for service in visit.services
        )
    _insert_rows(
        TicketEvent,
        (
            "ticket",
            "centre",
            "kind",
            "at",
            "from_status",
            "to_status",
            "counter",
            "actor_id",
            "actor_label",
            "data",
        ),
        events,
    )
    _insert_rows(
        TicketService,
        ("ticket", "service", "outcome", "counter", "operator", "started_at", "ended_at"),
        transactions,
    )

    counts: dict[str, int] = defaultdict(int)
    for _visit, status in visits:
        counts[status] += 1
    audit_record(
        actor=actor,
        action="ticket.history_import",
        target=centre,
        after={"day": day.isoformat(), "tickets": len(tickets), "by_status": dict(sorted(counts.items()))},
    )
    return len(tickets)


def _column(field: object) -> str:
    assert isinstance(field, models.Field) and field.column
    return field.column


def _insert_rows(model: type[models.Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT ``rows`` (values already in database form) into ``model``'s table with executemany:
    at tens of thousands of rows the ORM's per-value machinery costs several times the database's."""
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(meta.get_field(name))) for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[start : start + 2000])


def _actor_label(actor: Actor) -> tuple[str, str]:
    if actor is None:
        return "", "system"
    if isinstance(actor, SystemActor):
        return actor.id, actor.label
    return str(actor.pk), actor.get_username()


def history_import(*, actor: Actor, centre: Centre, visits: Iterable[HistoricVisit]) -> int:
    """Bulk-insert past ``visits`` of ``centre`` with their events and service transactions.

    Returns the number of tickets created. Tickets are numbered per local day and prefix in order of
    issue, after any numbers already given out that day. All or nothing: one invalid visit (another
    centre's queue, times out of order) raises ValueError and nothing is written.
    """
    by_day: dict[date, list[tuple[HistoricVisit, str]]] = defaultdict(list)
    for visit in visits:
        status = _check(visit, centre)
        by_day[timezone.localdate(visit.issued_at)].append((visit, status))
    label = _actor_label(actor)
    total = 0
    with transaction.atomic():
        for day in sorted(by_day):
            total += _import_day(actor=actor, centre=centre, day=day, visits=by_day[day], label=label)
    return total
