"""Tickets after their issue (services/issuing.py): call next, and every counter action on a visit.

Every status change goes through :func:`onestop.queueing.workflow.ticket_transition` (compare-and-set
+ ``TicketEvent`` + audit). Operator actions require an operator of the ticket's centre
(``WrongCentre``); ``ticket_call_next`` also requires the operator's open session at that counter
(``NotSignedIn``). Every function takes ``at`` so simulations and frozen-time tests drive the clock.

Call-next order for a counter: tickets transferred to this very counter first; then tickets whose
appointment is due (start ≤ now + grace); then higher priority; then longest waiting (``arrived_at``,
kept on transfer) across the counter's queues; the work profile position breaks ties.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.catalog.models import Service
from onestop.centres.models import Counter
from onestop.core.audit import Actor, audit_record
from onestop.core.national_ids import validate_national_id
from onestop.people.models import Citizen, Role
from onestop.people.scoping import has_role
from onestop.queueing.errors import (
    IllegalTransition,
    NotSignedIn,
    QueueingError,
    ServiceNotOffered,
    WrongCentre,
)
from onestop.queueing.models import (
    Appointment,
    CounterQueue,
    CounterSession,
    Queue,
    Ticket,
    TicketEvent,
    TicketService,
)
from onestop.queueing.services.counters import require_operator
from onestop.queueing.workflow import ticket_transition

S = Ticket.Status
K = TicketEvent.Kind


def no_show_after_recalls() -> int:
    return int(getattr(settings, "ONESTOP_QUEUE_NO_SHOW_AFTER_RECALLS", 2))


def appointment_grace() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "ONESTOP_QUEUE_APPOINTMENT_GRACE_MINUTES", 10)))


@functools.cache
def _counter_state_sql(vendor: str) -> str:
    """Whether an operator has an open session at a counter, and the number of a ticket the counter
    has called or is serving (if any): the two checks before a call, in one round trip. Written out
    in SQL for the reason ``_candidates_sql`` gives; table and column names only."""
    quote = connection.ops.quote_name
    session, ticket = (quote(model._meta.db_table) for model in (CounterSession, Ticket))
    return (
        f"SELECT (SELECT 1 FROM {session} s WHERE s.counter_id = %s AND s.operator_id = %s "
        "AND s.ended_at IS NULL LIMIT 1), "
        f"(SELECT t.number FROM {ticket} t WHERE t.counter_id = %s AND t.status IN (%s, %s) "
        "ORDER BY t.service_day, t.arrived_at, t.id LIMIT 1)"
    )


def _counter_busy_with(actor: Actor, counter: Counter) -> str | None:
    """Raise ``NotSignedIn`` unless ``actor`` is signed in to ``counter``; else the number of the
    ticket the counter still has called or is serving, or None when it is free."""
    user_pk = getattr(actor, "pk", None)
    if user_pk is None:
        raise NotSignedIn()
    with connection.cursor() as cursor:
        cursor.execute(
            _counter_state_sql(connection.vendor), [counter.pk, user_pk, counter.pk, S.CALLED, S.SERVING]
        )
        signed_in, busy = cursor.fetchone()
    if signed_in is None:
        raise NotSignedIn()
    return busy


def _candidates_sql(*, skip_locked: bool) -> str:
    """The call-next query: this counter's next waiting ticket, in the order of fairness (module
    docstring). Written out in SQL because it is the hottest query of the front office and the ORM
    spent more time composing it (annotations, subqueries) than the database spent running it; the
    same text runs on PostgreSQL and SQLite. ``skip_locked`` adds the row claim."""
    quote = connection.ops.quote_name
    ticket, profile, appointment = (
        quote(model._meta.db_table) for model in (Ticket, CounterQueue, Appointment)
    )
    sql = (
        f"SELECT t.* FROM {ticket} t "  # table names only; every value is a parameter
        "WHERE t.centre_id = %(centre)s AND t.status = %(waiting)s AND (t.target_counter_id = %(counter)s "
        f"OR (t.target_counter_id IS NULL AND t.queue_id IN "
        f"(SELECT p.queue_id FROM {profile} p WHERE p.counter_id = %(counter)s))) "
        "ORDER BY CASE WHEN t.target_counter_id = %(counter)s THEN 0 ELSE 1 END, "
        f"CASE WHEN EXISTS (SELECT 1 FROM {appointment} a WHERE a.id = t.appointment_id "
        "AND a.starts_at <= %(due)s) THEN 0 ELSE 1 END, "
        "t.priority DESC, t.arrived_at, "
        f"(SELECT p.position FROM {profile} p WHERE p.counter_id = %(counter)s AND p.queue_id = t.queue_id), "
        "t.id LIMIT 1"
    )
    return sql + (" FOR UPDATE OF t SKIP LOCKED" if skip_locked else "")


def _next_candidate(counter: Counter, at: datetime) -> Ticket | None:
    params = {
        "centre": counter.centre_id,
        "counter": counter.pk,
        "waiting": S.WAITING,
        "due": connection.ops.adapt_datetimefield_value(at + appointment_grace()),
    }
    sql = _candidates_sql(skip_locked=connection.features.has_select_for_update_skip_locked)
    return next(iter(Ticket.objects.raw(sql, params)), None)


def ticket_call_next(*, actor: Actor, counter: Counter, at: datetime | None = None) -> Ticket | None:
    """Call the next ticket to ``counter``, or return None when no one is waiting for it. Atomic:
    two counters never get the same ticket and none is skipped (PostgreSQL: the candidate row is
    claimed with ``FOR UPDATE SKIP LOCKED``; SQLite: the IMMEDIATE transaction holds the write lock,
    and the compare-and-set confirms the claim). Refused while the counter still has a ticket called
    or being served."""
    at = at or timezone.now()
    require_operator(actor, counter.centre_id)
    with transaction.atomic():
        busy = _counter_busy_with(actor, counter)
        if busy is not None:
            raise IllegalTransition(
                _("Finish ticket %(number)s first.") % {"number": busy}, extra={"current_ticket": busy}
            )
        for _attempt in range(10):
            ticket = _next_candidate(counter, at)
            if ticket is None:
                return None
            try:
                return ticket_transition(
                    ticket=ticket,
                    to_status=S.CALLED,
                    kind=K.CALLED,
                    actor=actor,
                    at=at,
                    counter=counter,
                    data={"queue": ticket.queue_id},
                    counter_id=counter.pk,
                    target_counter_id=None,
                    called_at=at,
                    first_called_at=ticket.first_called_at or at,
                )
            except IllegalTransition:
                continue  # another counter took it between our read and our update: take the next
    return None


def _operator_at(actor: Actor, ticket: Ticket) -> None:
    if not has_role(actor, Role.OPERATOR, centre=ticket.centre_id):
        raise WrongCentre()


def ticket_recall(*, actor: Actor, ticket: Ticket, at: datetime | None = None) -> Ticket:
    """Call a called ticket again (the board announces it once more)."""
    at = at or timezone.now()
    _operator_at(actor, ticket)
    with transaction.atomic():
        return ticket_transition(
            ticket=ticket,
            to_status=S.CALLED,
            kind=K.RECALLED,
            actor=actor,
            at=at,
            counter=ticket.counter_id,
            data={"recall": ticket.recall_count + 1},
            recall_count=F("recall_count") + 1,
            called_at=at,
        )


def ticket_start(*, actor: Actor, ticket: Ticket, at: datetime | None = None) -> Ticket:
    """The citizen has come to the counter: service starts for the visit's pending services."""
    at = at or timezone.now()
    _operator_at(actor, ticket)
    with transaction.atomic():
        ticket = ticket_transition(
            ticket=ticket,
            to_status=S.SERVING,
            kind=K.STARTED,
            actor=actor,
            at=at,
            counter=ticket.counter_id,
            started_at=ticket.started_at or at,
        )
        table, column = _lines_table(connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column['started_at']} = %s, {column['counter_id']} = %s, "
                f"{column['operator_id']} = %s WHERE {column['ticket_id']} = %s "
                f"AND {column['outcome']} = %s AND {column['started_at']} IS NULL",
                [
                    _line_time(at),
                    ticket.counter_id,
                    getattr(actor, "pk", None),
                    ticket.pk,
                    TicketService.Outcome.PENDING,
                ],
            )
    return ticket


def _line_time(value: datetime) -> Any:
    """A service line's time as the ORM would send it (a naive time taken as local, with Django's
    warning, as ``QuerySet.update()`` takes it)."""
    return TicketService._meta.get_field("started_at").get_db_prep_save(value, connection)


@functools.cache
def _lines_table(vendor: str) -> tuple[str, dict[str, str]]:
    """The quoted table and columns (by attribute name) of a visit's service lines, for the line
    updates of a start and an end: written out in SQL, one statement each, as the counter's other
    hot statements are (``_candidates_sql``)."""
    quote = connection.ops.quote_name
    meta = TicketService._meta
    return quote(meta.db_table), {f.attname: quote(str(f.column)) for f in meta.concrete_fields}


def ticket_transfer(
    *,
    actor: Actor,
    ticket: Ticket,
    to_queue: Queue | None = None,
    to_counter: Counter | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Ticket:
    """Send the ticket back to waiting, in ``to_queue`` or for ``to_counter`` (exactly one). It keeps
    its ``arrived_at``, so it does not lose its place in the order of fairness."""
    at = at or timezone.now()
    _operator_at(actor, ticket)
    if (to_queue is None) == (to_counter is None):
        raise QueueingError(_("Choose either a queue or a counter to transfer to."))
    if to_queue is not None and (to_queue.centre_id != ticket.centre_id or not to_queue.is_active):
        raise WrongCentre(_("You can transfer only to an open queue of this centre."))
    if to_counter is not None and to_counter.centre_id != ticket.centre_id:
        raise WrongCentre(_("You can transfer only to a counter of this centre."))
    data: dict[str, Any] = {"from_queue": ticket.prefix, "reason": reason}
    fields: dict[str, Any] = {"counter_id": None, "target_counter_id": None}
    if to_queue is not None:
        data["to_queue"] = to_queue.prefix
        fields["queue_id"] = to_queue.pk
    if to_counter is not None:
        data["to_counter"] = to_counter.number
        fields["target_counter_id"] = to_counter.pk
    with transaction.atomic():
        return ticket_transition(
            ticket=ticket,
            to_status=S.WAITING,
            kind=K.TRANSFERRED,
            actor=actor,
            at=at,
            counter=ticket.counter_id,
            data=data,
            **fields,
        )


def ticket_no_show(*, actor: Actor, ticket: Ticket, at: datetime | None = None) -> Ticket:
    """Close a called ticket whose holder did not come, once it was recalled often enough
    (``ONESTOP_QUEUE_NO_SHOW_AFTER_RECALLS``)."""
    at = at or timezone.now()
    _operator_at(actor, ticket)
    needed = no_show_after_recalls()
    if ticket.status == S.CALLED and ticket.recall_count < needed:
        raise IllegalTransition(
            _("Call the ticket again first: no-show is possible after %(n)d recalls (%(done)d so far).")
            % {"n": needed, "done": ticket.recall_count},
            extra={"recalls_needed": needed, "recalls_done": ticket.recall_count},
        )
    with transaction.atomic():
        return ticket_transition(
            ticket=ticket,
            to_status=S.NO_SHOW,
            kind=K.NO_SHOW,
            actor=actor,
            at=at,
            counter=ticket.counter_id,
            ended_at=at,
        )


def ticket_park(*, actor: Actor, ticket: Ticket, reason: str = "", at: datetime | None = None) -> Ticket:
    """Set a ticket aside (the citizen fetches a document); it keeps its counter until returned."""
    at = at or timezone.now()
    _operator_at(actor, ticket)
    with transaction.atomic():
        return ticket_transition(
            ticket=ticket,
            to_status=S.PARKED,
            kind=K.PARKED,
            actor=actor,
            at=at,
            counter=ticket.counter_id,
            data={"reason": reason},
        )


def ticket_return(*, actor: Actor, ticket: Ticket, counter: Counter, at: datetime | None = None) -> Ticket:
    """Bring a parked ticket back: it is called to ``counter`` (a counter of the same centre)."""
    at = at or timezone.now()
    _operator_at(actor, ticket)
    if counter.centre_id != ticket.centre_id:
        raise WrongCentre(_("You can return a ticket only to a counter of its centre."))
    with transaction.atomic():
        busy = (
            Ticket.objects.filter(counter=counter, status__in=(S.CALLED, S.SERVING))
            .exclude(pk=ticket.pk)
            .first()
        )
        if busy is not None:
            raise IllegalTransition(
                _("Finish ticket %(number)s first.") % {"number": busy.number},
                extra={"current_ticket": busy.number},
            )
        return ticket_transition(
            ticket=ticket,
            to_status=S.CALLED,
            kind=K.RETURNED,
            actor=actor,
            at=at,
            counter=counter,
            counter_id=counter.pk,
            called_at=at,
        )


def ticket_end(
    *, actor: Actor, ticket: Ticket, outcomes: Mapping[int, str] | None = None, at: datetime | None = None
) -> Ticket:
    """End the service of a visit, with an outcome per service (service id → ``TicketService.Outcome``);
    services left without one are recorded as not handled."""
    at = at or timezone.now()
    _operator_at(actor, ticket)
    outcomes = dict(outcomes or {})
    valid = set(TicketService.Outcome.values) - {TicketService.Outcome.PENDING}
    bad = {sid: value for sid, value in outcomes.items() if value not in valid}
    if bad:
        raise ValidationError(
            {"outcomes": _("Unknown outcome: %(values)s.") % {"values": ", ".join(map(str, bad.values()))}}
        )
    table, column = _lines_table(connection.vendor)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column['service_id']} FROM {table} WHERE {column['ticket_id']} = %s", [ticket.pk]
        )
        strangers = set(outcomes) - {service_id for (service_id,) in cursor.fetchall()}
        if strangers:
            raise ValidationError(
                {
                    "outcomes": _("These services are not part of the visit: %(ids)s.")
                    % {"ids": ", ".join(map(str, sorted(strangers)))}
                }
            )
        ticket = ticket_transition(
            ticket=ticket,
            to_status=S.DONE,
            kind=K.ENDED,
            actor=actor,
            at=at,
            counter=ticket.counter_id,
            data={"outcomes": {str(k): v for k, v in outcomes.items()}},
            ended_at=at,
        )
        # Every line still pending ends now, with its outcome (not handled when none was given); a
        # line keeps the start, counter and operator it had, else takes the visit's.
        pending = TicketService.Outcome.PENDING
        params: list[Any] = []
        outcome_sql = "%s"
        if outcomes:
            outcome_sql = f"CASE {column['service_id']} " + "WHEN %s THEN %s " * len(outcomes) + "ELSE %s END"
            params.extend(value for pair in outcomes.items() for value in pair)
        params.append(TicketService.Outcome.NOT_HANDLED)
        cursor.execute(
            f"UPDATE {table} SET {column['outcome']} = {outcome_sql}, {column['ended_at']} = %s, "
            f"{column['started_at']} = COALESCE({column['started_at']}, %s), "
            f"{column['counter_id']} = COALESCE({column['counter_id']}, %s), "
            f"{column['operator_id']} = COALESCE({column['operator_id']}, %s) "
            f"WHERE {column['ticket_id']} = %s AND {column['outcome']} = %s",
            [
                *params,
                _line_time(at),
                _line_time(ticket.started_at or at),
                ticket.counter_id,
                getattr(actor, "pk", None),
                ticket.pk,
                pending,
            ],
        )
    return ticket


def ticket_cancel(*, actor: Actor, ticket: Ticket, reason: str = "", at: datetime | None = None) -> Ticket:
    """Cancel a ticket that is not being served: by staff of its centre or by its own citizen."""
    at = at or timezone.now()
    own = (
        ticket.citizen is not None
        and ticket.citizen.user_id is not None
        and ticket.citizen.user_id == getattr(actor, "pk", None)
    )
    staff = has_role(actor, Role.OPERATOR, centre=ticket.centre_id) or has_role(
        actor, Role.CENTRE_MANAGER, centre=ticket.centre_id
    )
    if not (own or staff):
        raise WrongCentre()
    with transaction.atomic():
        return ticket_transition(
            ticket=ticket,
            to_status=S.CANCELLED,
            kind=K.CANCELLED,
            actor=actor,
            at=at,
            counter=ticket.counter_id,
            data={"reason": reason},
            ended_at=at,
        )


def ticket_identify_citizen(*, actor: Actor, ticket: Ticket, national_id: str) -> Citizen:
    """Attach the citizen with ``national_id`` (validated; the validator's message on failure) to the
    visit."""
    _operator_at(actor, ticket)
    normalised = validate_national_id(national_id)
    citizen = Citizen.objects.filter(national_id=normalised).first()
    if citizen is None:
        raise ValidationError({"national_id": _("No citizen with this national ID is registered.")})
    with transaction.atomic():
        before = ticket.citizen_id
        Ticket.objects.filter(pk=ticket.pk).update(citizen=citizen)
        ticket.citizen = citizen
        audit_record(
            actor=actor,
            action="ticket.identify_citizen",
            target=ticket,
            before={"citizen": before},
            after={"citizen": citizen.pk},
        )
    return citizen


def ticket_add_service(*, actor: Actor, ticket: Ticket, service: Service) -> TicketService:
    """Add one more service to an open visit (it must be offered by the centre)."""
    _operator_at(actor, ticket)
    if ticket.status not in (S.WAITING, S.CALLED, S.SERVING, S.PARKED):
        raise IllegalTransition(_("The visit is over; issue a new ticket."))
    if not ticket.centre.services.filter(pk=service.pk).exists():
        raise ServiceNotOffered(
            _("%(centre)s does not offer %(service)s.")
            % {"centre": ticket.centre.name, "service": service.name}
        )
    with transaction.atomic():
        line, created = TicketService.objects.get_or_create(ticket=ticket, service=service)
        if created and ticket.status == S.SERVING:
            TicketService.objects.filter(pk=line.pk).update(
                started_at=timezone.now(),
                counter_id=ticket.counter_id,
                operator_id=getattr(actor, "pk", None),
            )
            line.refresh_from_db()
        if created:
            audit_record(
                actor=actor, action="ticket.add_service", target=ticket, after={"service": service.pk}
            )
    return line


__all__ = [
    "appointment_grace",
    "no_show_after_recalls",
    "ticket_add_service",
    "ticket_call_next",
    "ticket_cancel",
    "ticket_end",
    "ticket_identify_citizen",
    "ticket_no_show",
    "ticket_park",
    "ticket_recall",
    "ticket_return",
    "ticket_start",
    "ticket_transfer",
]
