"""A discrete-event simulation of one service-centre day, in pure Python (no database, no Django).

Used by the wait-estimate accuracy benchmark and tests, and by the demo to create realistic history.
The same ``seed``, profile and day always give the same visits.

- Arrivals are a non-homogeneous Poisson process (drawn by thinning) with a morning peak and an
  after-lunch peak; Mondays are busiest, Saturdays quiet, Sundays closed.
- Each queue has its own lognormal service time (median and shape).
- Counters have work profiles (queues in order) and shifts (staggered lunch breaks); an idle open
  counter calls the next visitor the way ``ticket_call_next`` does: priority first, then longest
  waiting across its queues, the work-profile position breaking ties.
- A small share of people do not come to the counter when called (no-show after two recalls).
- Arrivals stop at closing; counters whose shift ends at closing work on for ``overtime_minutes``
  to empty the queue; whoever is still waiting then is closed unserved.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SERVED = "served"
NO_SHOW = "no_show"
UNSERVED = "unserved"

# Call → start: the walk from the waiting area to the counter.
_WALK_UP_SECONDS = (20.0, 75.0)
# A no-show occupies the counter for the call and the recalls before it is given up.
_NO_SHOW_SECONDS = 150.0
_MIN_SERVICE_SECONDS = 60.0
_MAX_SERVICE_SECONDS = 90 * 60.0


@dataclass(frozen=True)
class QueueProfile:
    """A service group: its ticket prefix, its share of arrivals and its service-time distribution."""

    prefix: str
    weight: float
    service_median_minutes: float
    service_sigma: float = 0.5  # shape of the lognormal; 0.5 gives a mean ~13% above the median
    priority_share: float = 0.03  # visitors in a priority group (disability, elderly, pregnant)


@dataclass(frozen=True)
class CounterProfile:
    """A counter: the queues it serves in work-profile order and when an operator is signed in."""

    number: int
    queues: tuple[str, ...]
    shifts: tuple[tuple[time, time], ...]


@dataclass(frozen=True)
class CentreProfile:
    code: str
    queues: tuple[QueueProfile, ...]
    counters: tuple[CounterProfile, ...]
    opens: time = time(9)
    closes: time = time(18)
    visitors_per_day: float = 200.0  # expected arrivals on a mid-week day
    # Monday .. Sunday; Mondays are busiest, Sundays closed.
    weekday_factors: tuple[float, ...] = (1.3, 1.05, 1.0, 0.95, 0.9, 0.45, 0.0)
    no_show_share: float = 0.03
    overtime_minutes: int = 30
    timezone: str = "Asia/Almaty"

    def queue(self, prefix: str) -> QueueProfile:
        for queue in self.queues:
            if queue.prefix == prefix:
                return queue
        raise KeyError(prefix)


@dataclass
class SimulatedVisit:
    """One ticket of the simulated day. Times are aware datetimes in the centre's time zone;
    ``first_called_at`` is None for a visitor still waiting at the end of the day."""

    number: str  # "A-042"
    queue: str  # the prefix
    sequence: int
    priority: int
    priority_group: str
    arrived_at: datetime
    service_seconds: float  # the drawn service time (whether or not it happened)
    first_called_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    counter: int | None = None
    outcome: str = UNSERVED
    recalls: int = 0

    @property
    def wait(self) -> timedelta | None:
        return None if self.first_called_at is None else self.first_called_at - self.arrived_at

    @property
    def released_at(self) -> datetime | None:
        """When the counter was free again (end of service, or the no-show given up)."""
        if self.ended_at is not None:
            return self.ended_at
        if self.first_called_at is not None:
            return self.first_called_at + timedelta(seconds=_NO_SHOW_SECONDS)
        return None


def default_centre_profile(code: str = "SIM-1", *, visitors_per_day: float = 180.0) -> CentreProfile:
    """A mid-sized centre: three service groups, six counters with mixed profiles, staggered lunch."""
    early, late = ((time(9), time(13)), (time(14), time(18))), ((time(9), time(14)), (time(15), time(18)))
    return CentreProfile(
        code=code,
        visitors_per_day=visitors_per_day,
        queues=(
            QueueProfile("A", weight=0.5, service_median_minutes=7.0, service_sigma=0.5),
            QueueProfile("B", weight=0.3, service_median_minutes=10.0, service_sigma=0.5),
            QueueProfile("C", weight=0.2, service_median_minutes=14.0, service_sigma=0.6),
        ),
        counters=(
            CounterProfile(1, ("A", "B"), early),
            CounterProfile(2, ("A", "B"), late),
            CounterProfile(3, ("B", "A"), early),
            CounterProfile(4, ("B", "A"), late),
            CounterProfile(5, ("C", "A"), early),
            CounterProfile(6, ("C", "B", "A"), late),
        ),
    )


def arrival_shape(hour: float) -> float:
    """Relative arrival intensity at a local hour of the day: a baseline, a morning peak around
    10:15 and a smaller after-lunch peak around 14:30."""
    morning = math.exp(-0.5 * ((hour - 10.25) / 0.9) ** 2)
    afternoon = 0.8 * math.exp(-0.5 * ((hour - 14.5) / 0.8) ** 2)
    return 0.35 + morning + afternoon


def counter_open(counter: CounterProfile, profile: CentreProfile, at: datetime) -> bool:
    """Whether an operator is signed in at ``counter`` at ``at`` (local time of the centre). A shift
    that ends at closing runs on for the overtime, so the queue can empty."""
    local = at.astimezone(ZoneInfo(profile.timezone))
    minute = local.hour * 60 + local.minute + local.second / 60
    for start, end in counter.shifts:
        end_minute = end.hour * 60 + end.minute
        if end == profile.closes:
            end_minute += profile.overtime_minutes
        if start.hour * 60 + start.minute <= minute < end_minute:
            return True
    return False


def counters_open_at(profile: CentreProfile, at: datetime) -> list[CounterProfile]:
    return [c for c in profile.counters if counter_open(c, profile, at)]


def _rng(seed: int, profile: CentreProfile, day: date) -> random.Random:
    # A str seed is hashed with SHA-512 by random.Random: stable across runs and PYTHONHASHSEED.
    return random.Random(f"{seed}:{profile.code}:{day.isoformat()}")


def _arrival_minutes(rng: random.Random, profile: CentreProfile, day: date) -> list[float]:
    """Minutes after opening at which people arrive: thinning of a homogeneous process at the peak
    rate (Lewis and Shedler), so the count is Poisson with the day's expected total."""
    factor = profile.weekday_factors[day.weekday()]
    opens = profile.opens.hour * 60 + profile.opens.minute
    length = profile.closes.hour * 60 + profile.closes.minute - opens
    if factor <= 0 or length <= 0:
        return []
    shape = [arrival_shape((opens + m + 0.5) / 60) for m in range(length)]
    scale = profile.visitors_per_day * factor / sum(shape)
    peak = max(shape) * scale * 1.01
    minutes: list[float] = []
    t = 0.0
    while True:
        t += rng.expovariate(peak)
        if t >= length:
            return minutes
        if rng.random() * peak <= arrival_shape((opens + t) / 60) * scale:
            minutes.append(t)


def simulate_day(*, centre_profile: CentreProfile, day: date, seed: int) -> list[SimulatedVisit]:
    """Simulate one day of ``centre_profile``; visits in order of arrival."""
    profile = centre_profile
    rng = _rng(seed, profile, day)
    tz = ZoneInfo(profile.timezone)
    opening = datetime.combine(day, profile.opens, tzinfo=tz)
    closing = datetime.combine(day, profile.closes, tzinfo=tz)
    stop = closing + timedelta(minutes=profile.overtime_minutes)

    prefixes = [q.prefix for q in profile.queues]
    weights = [q.weight for q in profile.queues]
    sequences = dict.fromkeys(prefixes, 0)
    visits: list[SimulatedVisit] = []
    for minute in _arrival_minutes(rng, profile, day):
        prefix = rng.choices(prefixes, weights)[0]
        queue = profile.queue(prefix)
        sequences[prefix] += 1
        priority = 1 if rng.random() < queue.priority_share else 0
        service = rng.lognormvariate(math.log(queue.service_median_minutes * 60), queue.service_sigma)
        visits.append(
            SimulatedVisit(
                number=f"{prefix}-{sequences[prefix]:03d}",
                queue=prefix,
                sequence=sequences[prefix],
                priority=priority,
                priority_group=rng.choice(("disability", "elderly", "pregnant")) if priority else "",
                arrived_at=opening + timedelta(seconds=round(minute * 60, 3)),
                service_seconds=min(_MAX_SERVICE_SECONDS, max(_MIN_SERVICE_SECONDS, service)),
            )
        )

    # Per queue, priority visitors and the rest, each in order of arrival.
    waiting: dict[str, tuple[deque[SimulatedVisit], deque[SimulatedVisit]]] = {
        p: (deque(), deque()) for p in prefixes
    }
    busy_until: dict[int, datetime] = {c.number: opening for c in profile.counters}
    events: list[tuple[datetime, int, int]] = []  # (when, order, index of the arrival or -1)
    order = 0
    for index, visit in enumerate(visits):
        events.append((visit.arrived_at, order, index))
        order += 1
    for counter in profile.counters:
        for start, _end in counter.shifts:
            events.append((datetime.combine(day, start, tzinfo=tz), order, -1))
            order += 1
    heapq.heapify(events)

    def pick(counter: CounterProfile) -> SimulatedVisit | None:
        for lane in (0, 1):  # priority visitors first, across the whole profile
            heads = [
                (waiting[prefix][lane][0].arrived_at, position, prefix)
                for position, prefix in enumerate(counter.queues)
                if waiting[prefix][lane]
            ]
            if heads:
                return waiting[min(heads)[2]][lane].popleft()
        return None

    def dispatch(now: datetime) -> None:
        nonlocal order
        for counter in profile.counters:
            if busy_until[counter.number] > now or not counter_open(counter, profile, now):
                continue
            visit = pick(counter)
            if visit is None:
                continue
            visit.first_called_at = now
            visit.counter = counter.number
            if rng.random() < profile.no_show_share:
                visit.outcome, visit.recalls = NO_SHOW, 2
                free = now + timedelta(seconds=_NO_SHOW_SECONDS)
            else:
                visit.outcome = SERVED
                visit.started_at = now + timedelta(seconds=round(rng.uniform(*_WALK_UP_SECONDS), 3))
                visit.ended_at = visit.started_at + timedelta(seconds=round(visit.service_seconds, 3))
                free = visit.ended_at
            busy_until[counter.number] = free
            heapq.heappush(events, (free, order, -1))
            order += 1

    while events:
        now, _, index = heapq.heappop(events)
        if now >= stop:
            break
        if index >= 0:
            visit = visits[index]
            waiting[visit.queue][0 if visit.priority else 1].append(visit)
        dispatch(now)
    return visits


def simulate_days(
    *, centre_profile: CentreProfile, days: Sequence[date], seed: int
) -> dict[date, list[SimulatedVisit]]:
    return {day: simulate_day(centre_profile=centre_profile, day=day, seed=seed) for day in days}


@dataclass
class DaySummary:
    """Figures of a simulated day, for a quick look at whether a profile is realistic."""

    visits: int = 0
    served: int = 0
    no_shows: int = 0
    unserved: int = 0
    mean_wait_minutes: float = 0.0
    max_wait_minutes: float = 0.0
    waits: list[float] = field(default_factory=list, repr=False)


def summarise(visits: Sequence[SimulatedVisit]) -> DaySummary:
    waits = [v.wait.total_seconds() / 60 for v in visits if v.wait is not None]
    return DaySummary(
        visits=len(visits),
        served=sum(v.outcome == SERVED for v in visits),
        no_shows=sum(v.outcome == NO_SHOW for v in visits),
        unserved=sum(v.outcome == UNSERVED for v in visits),
        mean_wait_minutes=sum(waits) / len(waits) if waits else 0.0,
        max_wait_minutes=max(waits, default=0.0),
        waits=waits,
    )
