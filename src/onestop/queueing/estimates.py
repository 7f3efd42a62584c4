"""Waiting-time estimates for the kiosk ticket, the status page and the API.

The estimate replays the centre's call-next rules forward in time with expected service times: the
open counters (open ``CounterSession``) each become free after their current visitor, then call the
next ticket in their work-profile order (tickets transferred to them first, appointments due, then
priority, then their queues in profile order, then longest waiting) — so people in other queues that
the same counters serve first count, and a counter that also serves other queues counts only for the
share of its attention that reaches this queue. People arriving later queue behind (call-next takes
the longest waiting across a counter's queues), so only the people already waiting count. A
visitor's turn comes when a counter calls them in that replay.

Expected handling time per queue (call → end, i.e. walk-up plus service) is the median of the
last ``HISTORY_SIZE`` ended visits of that queue, falling back to the centre's, then to
``DEFAULT_HANDLING``. ``naive_estimate`` (people ahead × mean service time ÷ open counters) is kept
for comparison; the accuracy of both is measured on simulated days by ``measure_accuracy``.

The forecasting core (``CentreSnapshot``, ``forecast_wait``, ``naive_wait``) is pure Python; the
database functions build a snapshot with a fixed number of queries (four; three while the recent
statistics of the centre are cached).
"""

from __future__ import annotations

import bisect
import heapq
import statistics
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from onestop.queueing.models import CounterQueue, Queue, Ticket
from onestop.queueing.simulation import CentreProfile, SimulatedVisit, counters_open_at, simulate_day

HISTORY_SIZE = 40  # recent ended visits per queue behind the expected handling time
MIN_SAMPLES = 5  # fewer than this in a queue: use the centre's visits instead
HISTORY_WINDOW = timedelta(days=14)
DEFAULT_HANDLING = timedelta(minutes=10)
HORIZON = timedelta(hours=12)  # a forecast never looks further ahead than this
STATS_CACHE_SECONDS = 30  # statistics move slowly; the kiosk asks on every ticket

_BUSY = (Ticket.Status.CALLED, Ticket.Status.SERVING)


# --- the forecasting core (pure Python) -----------------------------------------------------------


@dataclass(frozen=True)
class WaitingEntry:
    """A ticket waiting to be called. ``due_at``: when its appointment is due (then it goes first)."""

    key: Hashable
    queue: Hashable
    arrived_at: datetime
    priority: int = 0
    due_at: datetime | None = None
    target_counter: Hashable | None = None


@dataclass(frozen=True)
class CounterState:
    """An open counter: its work profile and the visit it is handling, if any."""

    key: Hashable
    queues: tuple[Hashable, ...]
    busy_since: datetime | None = None
    busy_queue: Hashable | None = None


@dataclass(frozen=True)
class CentreSnapshot:
    at: datetime
    waiting: Sequence[WaitingEntry]
    counters: Sequence[CounterState]
    handling_seconds: Mapping[Hashable, float] = field(default_factory=dict)
    default_handling_seconds: float = DEFAULT_HANDLING.total_seconds()

    def handling(self, queue: Hashable) -> float:
        return self.handling_seconds.get(queue, self.default_handling_seconds)


def _line_key(entry: WaitingEntry) -> tuple[int, datetime]:
    return (-entry.priority, entry.arrived_at)


def forecast_wait(snapshot: CentreSnapshot, target: WaitingEntry) -> timedelta:
    """When ``target`` will be called, replaying call-next with expected handling times. ``target``
    may be one of ``snapshot.waiting`` (same key) or a ticket about to be issued."""
    at = snapshot.at
    lines: dict[Hashable, deque[WaitingEntry]] = defaultdict(deque)
    booked: dict[Hashable, list[WaitingEntry]] = defaultdict(list)
    direct: dict[Hashable, deque[WaitingEntry]] = defaultdict(deque)
    entries = [e for e in snapshot.waiting if e.key != target.key] + [target]
    for entry in sorted(entries, key=_line_key):
        if entry.target_counter is not None:
            direct[entry.target_counter].append(entry)
        elif entry.due_at is not None:
            booked[entry.queue].append(entry)
        else:
            lines[entry.queue].append(entry)

    counters = list(snapshot.counters)
    if not any(
        target.queue in c.queues if target.target_counter is None else c.key == target.target_counter
        for c in counters
    ):
        return naive_wait(snapshot, target)  # nobody serves it now: the best we can say

    free: list[tuple[datetime, int]] = []
    for index, counter in enumerate(counters):
        start = at
        if counter.busy_since is not None:
            expected = snapshot.handling(counter.busy_queue)
            elapsed = (at - counter.busy_since).total_seconds()
            # A visit already past its expected length still has some way to go.
            start = at + timedelta(seconds=max(expected - elapsed, 0.25 * expected))
        free.append((start, index))
    heapq.heapify(free)
    horizon = at + HORIZON

    def choose(counter: CounterState, now: datetime) -> WaitingEntry | None:
        # The order of ticket_call_next: transferred here, appointment due, priority, longest
        # waiting across the profile, profile position.
        if direct[counter.key]:
            return direct[counter.key][0]
        best: tuple[Any, ...] | None = None
        chosen: WaitingEntry | None = None
        for position, queue in enumerate(counter.queues):
            candidates = [*booked[queue], *(lines[queue][0],)] if lines[queue] else booked[queue]
            for entry in candidates:
                due = 0 if entry.due_at is not None and entry.due_at <= now else 1
                key = (due, -entry.priority, entry.arrived_at, position)
                if best is None or key < best:
                    best, chosen = key, entry
        return chosen

    while free:
        now, index = heapq.heappop(free)
        if now > horizon:
            break
        chosen = choose(counters[index], now)
        if chosen is target:
            return _seconds(now - at)
        if chosen is None:
            # No one for this counter; people arriving later queue behind the target.
            continue
        _remove(chosen, lines, booked, direct)
        heapq.heappush(free, (now + timedelta(seconds=snapshot.handling(chosen.queue)), index))
    return HORIZON


def _remove(
    entry: WaitingEntry,
    lines: Mapping[Hashable, deque[WaitingEntry]],
    booked: Mapping[Hashable, list[WaitingEntry]],
    direct: Mapping[Hashable, deque[WaitingEntry]],
) -> None:
    if entry.target_counter is not None:
        direct[entry.target_counter].popleft()
    elif entry.due_at is not None:
        booked[entry.queue].remove(entry)
    else:
        lines[entry.queue].popleft()


def naive_wait(snapshot: CentreSnapshot, target: WaitingEntry) -> timedelta:
    """People ahead in the same queue × mean handling time ÷ open counters serving the queue."""
    ahead = sum(
        1
        for e in snapshot.waiting
        if e.queue == target.queue and e.key != target.key and _line_key(e) < _line_key(target)
    )
    counters = sum(1 for c in snapshot.counters if target.queue in c.queues)
    return _seconds(timedelta(seconds=ahead * snapshot.handling(target.queue) / max(1, counters)))


def _seconds(value: timedelta) -> timedelta:
    return timedelta(seconds=round(max(0.0, value.total_seconds())))


def handling_estimate(samples: Sequence[float]) -> float:
    """Median of the samples: one unusually long visit should not move every estimate of the day
    (on simulated days the median also beat the mean and a trimmed mean for accuracy)."""
    return float(statistics.median(samples))


def handling_by_queue(
    samples: Mapping[Hashable, Sequence[float]], *, default: float = DEFAULT_HANDLING.total_seconds()
) -> tuple[dict[Hashable, float], float]:
    """Expected handling seconds per queue with enough history, and the centre-wide fallback."""
    everything = [s for values in samples.values() for s in values]
    fallback = handling_estimate(everything) if len(everything) >= MIN_SAMPLES else default
    per_queue = {q: handling_estimate(v) for q, v in samples.items() if len(v) >= MIN_SAMPLES}
    return per_queue, fallback


# --- from the database -------------------------------------------------------------------------


def _grace() -> timedelta:
    return timedelta(minutes=getattr(settings, "ONESTOP_QUEUE_APPOINTMENT_GRACE_MINUTES", 10))


def _recent_statistics(centre_id: int, at: datetime) -> tuple[dict[Hashable, float], float]:
    """(handling seconds per queue, the centre's fallback), cached briefly."""
    cache_key = f"onestop:queueing:estimates:{centre_id}:{int(at.timestamp()) // STATS_CACHE_SECONDS}"
    cached = cache.get(cache_key)
    if cached is not None:
        per_queue, fallback = cached
        return per_queue, fallback
    recent = (
        Ticket.objects.filter(
            centre_id=centre_id,
            ended_at__isnull=False,
            called_at__isnull=False,
            ended_at__gte=at - HISTORY_WINDOW,
            ended_at__lte=at,
        )
        .annotate(rank=Window(RowNumber(), partition_by=[F("queue_id")], order_by=F("ended_at").desc()))
        .filter(rank__lte=HISTORY_SIZE)
        .values_list("queue_id", "called_at", "ended_at")
    )
    samples: dict[Hashable, list[float]] = defaultdict(list)
    for queue_id, called_at, ended_at in recent:
        if called_at is not None and ended_at is not None:  # filtered above; typed as optional
            samples[queue_id].append(max(0.0, (ended_at - called_at).total_seconds()))
    per_queue, fallback = handling_by_queue(samples)
    cache.set(cache_key, (per_queue, fallback), STATS_CACHE_SECONDS)
    return per_queue, fallback


def centre_snapshot(centre_id: int, *, service_day: date, at: datetime) -> CentreSnapshot:
    """The state of a centre's queues that the forecast needs, in four queries (three cached)."""
    grace = _grace()
    waiting = [
        WaitingEntry(
            key=pk,
            queue=queue_id,
            arrived_at=arrived_at,
            priority=priority,
            due_at=None if starts_at is None else starts_at - grace,
            target_counter=target_counter_id,
        )
        for pk, queue_id, arrived_at, priority, starts_at, target_counter_id in Ticket.objects.filter(
            centre_id=centre_id, service_day=service_day, status=Ticket.Status.WAITING
        ).values_list(
            "id", "queue_id", "arrived_at", "priority", "appointment__starts_at", "target_counter_id"
        )
    ]
    profiles: dict[int, list[Hashable]] = defaultdict(list)
    for counter_id, queue_id in (
        CounterQueue.objects.filter(
            counter__centre_id=centre_id,
            counter__is_active=True,
            # One filter() call: both conditions on the same (inner) join of open sessions.
            counter__sessions__isnull=False,
            counter__sessions__ended_at__isnull=True,
            queue__is_active=True,
        )
        .order_by("counter_id", "position", "id")
        .values_list("counter_id", "queue_id")
    ):
        profiles[counter_id].append(queue_id)
    busy = {
        counter_id: (queue_id, called_at)
        for counter_id, queue_id, called_at in Ticket.objects.filter(
            centre_id=centre_id, status__in=_BUSY, counter__isnull=False
        ).values_list("counter_id", "queue_id", "called_at")
    }
    counters = [
        CounterState(
            key=counter_id,
            queues=tuple(queues),
            busy_since=busy[counter_id][1] if counter_id in busy else None,
            busy_queue=busy[counter_id][0] if counter_id in busy else None,
        )
        for counter_id, queues in profiles.items()
    ]
    per_queue, fallback = _recent_statistics(centre_id, at)
    return CentreSnapshot(
        at=at,
        waiting=waiting,
        counters=counters,
        handling_seconds=per_queue,
        default_handling_seconds=fallback,
    )


def _entry_of(ticket: Ticket, snapshot: CentreSnapshot) -> WaitingEntry:
    for entry in snapshot.waiting:
        if entry.key == ticket.pk:
            return entry
    return WaitingEntry(
        key=ticket.pk,
        queue=ticket.queue_id,
        arrived_at=ticket.arrived_at,
        priority=ticket.priority,
        target_counter=ticket.target_counter_id,
    )


def estimate_wait(ticket: Ticket, *, at: datetime | None = None) -> timedelta:
    """Expected time from ``at`` until ``ticket`` is called; zero once it has been called (or is no
    longer waiting)."""
    if ticket.status != Ticket.Status.WAITING:
        return timedelta(0)
    at = at or timezone.now()
    snapshot = centre_snapshot(ticket.centre_id, service_day=ticket.service_day, at=at)
    return forecast_wait(snapshot, _entry_of(ticket, snapshot))


def estimate_wait_for_new(queue: Queue, *, at: datetime | None = None, priority: int = 0) -> timedelta:
    """Expected wait of a ticket issued now in ``queue`` (the kiosk shows it before issuing)."""
    at = at or timezone.now()
    snapshot = centre_snapshot(queue.centre_id, service_day=timezone.localdate(at), at=at)
    return forecast_wait(
        snapshot, WaitingEntry(key=object(), queue=queue.pk, arrived_at=at, priority=priority)
    )


def naive_estimate(ticket: Ticket, *, at: datetime | None = None) -> timedelta:
    """People ahead × mean service time ÷ open counters: the yardstick ``estimate_wait`` must beat."""
    if ticket.status != Ticket.Status.WAITING:
        return timedelta(0)
    at = at or timezone.now()
    snapshot = centre_snapshot(ticket.centre_id, service_day=ticket.service_day, at=at)
    return naive_wait(snapshot, _entry_of(ticket, snapshot))


# --- accuracy on simulated days ----------------------------------------------------------------


@dataclass
class Accuracy:
    """Errors of one estimator against the actual waits (minutes)."""

    errors: list[float] = field(default_factory=list, repr=False)

    @property
    def count(self) -> int:
        return len(self.errors)

    @property
    def mae_minutes(self) -> float:
        return sum(abs(e) for e in self.errors) / len(self.errors) if self.errors else 0.0

    @property
    def within_5_minutes(self) -> float:
        return sum(abs(e) <= 5 for e in self.errors) / len(self.errors) if self.errors else 0.0

    @property
    def bias_minutes(self) -> float:
        return sum(self.errors) / len(self.errors) if self.errors else 0.0


@dataclass
class AccuracyReport:
    ours: Accuracy = field(default_factory=Accuracy)
    naive: Accuracy = field(default_factory=Accuracy)


def snapshots_of_day(
    profile: CentreProfile,
    visits: Sequence[SimulatedVisit],
    *,
    history: Iterable[SimulatedVisit] = (),
    until: datetime | None = None,
) -> Iterable[tuple[SimulatedVisit, WaitingEntry, CentreSnapshot]]:
    """For each arrival of a simulated day (before ``until``), the ticket and the snapshot the
    database functions would have built at that moment: exactly what a kiosk would know."""
    handled = sorted(
        (v.released_at, v.queue, (v.released_at - v.first_called_at).total_seconds())
        for v in (*history, *visits)
        if v.released_at is not None and v.first_called_at is not None
    )
    released_times = [h[0] for h in handled]
    for visit in visits:
        t = visit.arrived_at
        if until is not None and t >= until:
            break
        waiting = [
            WaitingEntry(key=v.number, queue=v.queue, arrived_at=v.arrived_at, priority=v.priority)
            for v in visits
            if v.arrived_at < t and (v.first_called_at is None or v.first_called_at > t)
        ]
        counters = []
        for counter in counters_open_at(profile, t):
            current = next(
                (
                    v
                    for v in visits
                    if v.counter == counter.number
                    and v.first_called_at is not None
                    and v.released_at is not None
                    and v.first_called_at <= t < v.released_at
                ),
                None,
            )
            counters.append(
                CounterState(
                    key=counter.number,
                    queues=counter.queues,
                    busy_since=current.first_called_at if current else None,
                    busy_queue=current.queue if current else None,
                )
            )
        samples: dict[Hashable, list[float]] = defaultdict(list)
        for _released, queue, seconds in reversed(handled[: bisect.bisect_right(released_times, t)]):
            if len(samples[queue]) < HISTORY_SIZE:
                samples[queue].append(seconds)
        per_queue, fallback = handling_by_queue(samples)
        snapshot = CentreSnapshot(
            at=t,
            waiting=waiting,
            counters=counters,
            handling_seconds=per_queue,
            default_handling_seconds=fallback,
        )
        target = WaitingEntry(key=visit.number, queue=visit.queue, arrived_at=t, priority=visit.priority)
        yield visit, target, snapshot


def measure_accuracy(
    *,
    centre_profile: CentreProfile,
    days: Sequence[date],
    seed: int,
    hours: float | None = None,
) -> AccuracyReport:
    """Estimate every arrival's wait with both estimators on the same simulated days and compare
    with the wait that followed (visitors never called are left out). ``hours`` limits each day to
    its first hours after opening (for quick tests). The day before each day is simulated too,
    so the service-time statistics start from history as they would in a running centre."""
    report = AccuracyReport()
    for day in days:
        visits = simulate_day(centre_profile=centre_profile, day=day, seed=seed)
        if not visits:
            continue
        history = simulate_day(centre_profile=centre_profile, day=day - timedelta(days=1), seed=seed)
        until = (
            None
            if hours is None
            else visits[0].arrived_at.replace(
                hour=centre_profile.opens.hour, minute=centre_profile.opens.minute, second=0, microsecond=0
            )
            + timedelta(hours=hours)
        )
        for visit, target, snapshot in snapshots_of_day(centre_profile, visits, history=history, until=until):
            actual = visit.wait
            if actual is None:
                continue
            actual_minutes = actual.total_seconds() / 60
            report.ours.errors.append(forecast_wait(snapshot, target).total_seconds() / 60 - actual_minutes)
            report.naive.errors.append(naive_wait(snapshot, target).total_seconds() / 60 - actual_minutes)
    return report
