"""Reads of the front office used by more than one screen: people ahead, waiting counts, a counter's
current ticket, a citizen's visits and a centre's figures for a day.

Figures come from ``TicketEvent`` rows, never from mutable counters: waiting time = first call −
issue (or check-in, for an appointment), service time = end − start.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from onestop.centres.models import Centre, Counter
from onestop.people.models import Citizen
from onestop.queueing.models import Queue, Ticket, TicketEvent

S = Ticket.Status
K = TicketEvent.Kind


def people_ahead(ticket: Ticket) -> int:
    """How many waiting tickets of the same queue will be called before ``ticket`` (higher priority,
    or same priority and earlier arrival); 0 once the ticket is no longer waiting."""
    if ticket.status != S.WAITING:
        return 0
    before = Q(priority__gt=ticket.priority) | Q(priority=ticket.priority, arrived_at__lt=ticket.arrived_at)
    return (
        Ticket.objects.filter(centre_id=ticket.centre_id, queue_id=ticket.queue_id, status=S.WAITING)
        .filter(before)
        .exclude(pk=ticket.pk)
        .count()
    )


def waiting_counts(centre: Centre) -> dict[int, int]:
    """Waiting tickets per queue id (every active queue of the centre, zeros included)."""
    counts = {q: 0 for q in Queue.objects.filter(centre=centre, is_active=True).values_list("pk", flat=True)}
    rows = (
        Ticket.objects.filter(centre=centre, status=S.WAITING)
        .values("queue_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["queue_id"]] = row["n"]
    return counts


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called to, or being served at, ``counter`` (the most recently called one)."""
    return (
        Ticket.objects.filter(counter=counter, status__in=(S.CALLED, S.SERVING))
        .select_related("queue", "citizen")
        .order_by("-called_at", "-id")
        .first()
    )


def visits_of(citizen: Citizen, limit: int = 10) -> QuerySet[Ticket]:
    """The citizen's latest visits (newest first) with their centre, queue and service lines."""
    return (
        Ticket.objects.filter(citizen=citizen)
        .select_related("centre", "queue")
        .prefetch_related("services__service")
        .order_by("-issued_at", "-id")[:limit]
    )


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]  # nearest-rank


def ticket_times(events: Sequence[tuple[str, datetime]]) -> tuple[float | None, float | None]:
    """(waiting seconds, service seconds) of one ticket from its events in time order."""
    first: dict[str, datetime] = {}
    for kind, at in events:
        first.setdefault(kind, at)
    arrived = first.get(K.CHECKED_IN) or first.get(K.ISSUED)
    called = first.get(K.CALLED)
    started = first.get(K.STARTED)
    ended = first.get(K.ENDED)
    wait = (called - arrived).total_seconds() if arrived and called else None
    service = (ended - started).total_seconds() if started and ended else None
    return wait, service


def centre_day_figures(centre: Centre, day: date, *, at: datetime | None = None) -> dict[str, Any]:
    """A centre's figures for ``day``: issued, served, no-shows, cancelled, closed unserved, waiting
    per queue (now), the longest current wait, mean and p90 waiting and service time (seconds), and
    the share of people called within their queue's waiting target (people closed unserved count as
    not within it). Computed from events."""
    at = at or timezone.now()
    queues = {q.pk: q for q in Queue.objects.filter(centre=centre)}
    tickets = dict(Ticket.objects.filter(centre=centre, service_day=day).values_list("pk", "queue_id"))
    per_ticket: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    kinds = (K.ISSUED, K.CHECKED_IN, K.CALLED, K.STARTED, K.ENDED, K.NO_SHOW, K.CANCELLED, K.CLOSED_UNSERVED)
    events = (
        TicketEvent.objects.filter(centre=centre, ticket__service_day=day, kind__in=kinds)
        .order_by("at", "id")
        .values_list("ticket_id", "kind", "at")
    )
    for ticket_id, kind, when in events:
        per_ticket[ticket_id].append((kind, when))
    waits: list[float] = []
    services: list[float] = []
    within = 0
    judged = 0
    outcome_counts: dict[str, int] = defaultdict(int)
    for ticket_id, history in per_ticket.items():
        seen = {kind for kind, _ in history}
        for kind in (K.ENDED, K.NO_SHOW, K.CANCELLED, K.CLOSED_UNSERVED):
            if kind in seen:
                outcome_counts[kind] += 1
        wait, service = ticket_times(history)
        queue = queues.get(tickets.get(ticket_id, -1))
        target = (queue.target_wait_minutes if queue else 15) * 60
        if wait is not None:
            waits.append(wait)
            judged += 1
            within += wait <= target
        elif K.CLOSED_UNSERVED in seen:
            judged += 1
        if service is not None:
            services.append(service)
    waiting_now = Ticket.objects.filter(centre=centre, service_day=day, status=S.WAITING)
    oldest = waiting_now.order_by("arrived_at").values_list("arrived_at", flat=True).first()
    per_queue = {
        queues[row["queue_id"]].prefix: row["n"]
        for row in waiting_now.values("queue_id").annotate(n=Count("id")).order_by()
        if row["queue_id"] in queues
    }
    return {
        "day": day,
        "issued": len(tickets),
        "served": outcome_counts[K.ENDED],
        "no_show": outcome_counts[K.NO_SHOW],
        "cancelled": outcome_counts[K.CANCELLED],
        "closed_unserved": outcome_counts[K.CLOSED_UNSERVED],
        "waiting": sum(per_queue.values()),
        "waiting_per_queue": {q.prefix: per_queue.get(q.prefix, 0) for q in queues.values() if q.is_active},
        "longest_current_wait": max(at - oldest, timedelta(0)) if oldest else timedelta(0),
        "mean_wait_seconds": _mean(waits),
        "p90_wait_seconds": _p90(waits),
        "mean_service_seconds": _mean(services),
        "p90_service_seconds": _p90(services),
        "within_target_share": within / judged if judged else None,
    }


__all__ = [
    "centre_day_figures",
    "current_ticket",
    "people_ahead",
    "ticket_times",
    "visits_of",
    "waiting_counts",
]
