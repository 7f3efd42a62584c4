"""Day close: tickets still open when a centre's day ends are closed as not served.

They are never deleted: each gets a ``closed_unserved`` event (through the workflow), so the day's
figures count them. Tickets being served are left to their operator, who ends them.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from onestop.centres.models import Centre
from onestop.core.audit import SystemActor, audit_record
from onestop.queueing.models import Ticket, TicketEvent
from onestop.queueing.workflow import ticket_transition

DAY_CLOSE = SystemActor("day-close")

#: The statuses day close ends: the person was never (or not finally) served.
CLOSABLE = (Ticket.Status.WAITING, Ticket.Status.CALLED, Ticket.Status.PARKED)


def day_close(*, centre: Centre, service_day: date, at: datetime | None = None) -> int:
    """Close ``centre``'s tickets of ``service_day`` that are still waiting, called or parked as
    ``closed_unserved``; returns how many. Idempotent: a second run finds nothing to close."""
    at = at or timezone.now()
    closed = 0
    with transaction.atomic():
        tickets = list(
            Ticket.objects.filter(centre=centre, service_day=service_day, status__in=CLOSABLE).order_by("id")
        )
        for ticket in tickets:
            ticket_transition(
                ticket=ticket,
                to_status=Ticket.Status.CLOSED_UNSERVED,
                kind=TicketEvent.Kind.CLOSED_UNSERVED,
                actor=DAY_CLOSE,
                at=at,
                counter=None,
                data={"service_day": service_day.isoformat()},
                ended_at=at,
            )
            closed += 1
        if closed:
            audit_record(
                actor=DAY_CLOSE,
                action="centre.day_close",
                target=centre,
                after={"service_day": service_day.isoformat(), "closed_unserved": closed},
            )
    return closed


def centre_closed_for_today(centre: Centre, *, at: datetime) -> bool:
    """Whether ``centre``'s last opening period of ``at``'s local day has ended."""
    local = timezone.localtime(at)
    closes = [h.closes for h in centre.opening_hours.all() if h.weekday == local.weekday()]
    return bool(closes) and local.time() >= max(closes)


def day_close_due(*, at: datetime | None = None) -> int:
    """Close every centre's past days (and today, once the centre has closed); returns the number
    of tickets closed."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    total = 0
    open_days = (
        Ticket.objects.filter(status__in=CLOSABLE, service_day__lte=today)
        .values_list("centre_id", "service_day")
        .distinct()
        .order_by("centre_id", "service_day")
    )
    centres = {c.pk: c for c in Centre.objects.prefetch_related("opening_hours")}
    for centre_id, service_day in open_days:
        centre = centres[centre_id]
        if service_day == today and not centre_closed_for_today(centre, at=at):
            continue
        total += day_close(centre=centre, service_day=service_day, at=at)
    return total


__all__ = ["CLOSABLE", "DAY_CLOSE", "centre_closed_for_today", "day_close", "day_close_due"]
