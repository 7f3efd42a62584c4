"""Simulated past days of a centre, for the demo's 60 days of front-office history.

The day itself (arrivals peaking mid-morning and after lunch, Mondays busiest, counters on shift
calling by their work profiles, service times per queue, no-shows, visitors closed unserved at the
end) comes from :func:`onestop.queueing.simulation.simulate_day`, the simulation the wait-estimate
benchmark uses. This module sets up a centre's profile from its real queues and counters and dresses
each simulated visit as the demo needs it: which services, which citizen, a booked appointment for
some. The output is :class:`onestop.queueing.services.history.HistoricVisit` rows for
``history_import``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from onestop.catalog.models import Service
from onestop.centres.models import Counter
from onestop.demo.frontoffice import GROUP_BY_PREFIX
from onestop.people.models import Citizen, User
from onestop.queueing.models import Queue, Ticket, TicketService
from onestop.queueing.services.history import HistoricVisit
from onestop.queueing.simulation import (
    NO_SHOW,
    SERVED,
    CentreProfile,
    CounterProfile,
    QueueProfile,
    SimulatedVisit,
    simulate_day,
)

APPOINTMENT_SHARE = 0.15
IDENTIFIED_SHARE = 0.45
REMOTE_SHARE = 0.08
NO_SHOW_SECONDS = 150  # the simulation gives up on a called visitor after this long
OUTCOMES = (
    (TicketService.Outcome.COMPLETED, 0.62),
    (TicketService.Outcome.APPLICATION_TAKEN, 0.25),
    (TicketService.Outcome.MISSING_DOCUMENTS, 0.07),
    (TicketService.Outcome.REFERRED, 0.04),
    (TicketService.Outcome.REFUSED, 0.02),
)
# The busiest weekday of the simulation, used to staff counters for the peak.
PEAK_DAY_FACTOR = 1.3


@dataclass(frozen=True)
class QueuePlan:
    queue: Queue
    services: Sequence[Service]
    weights: Sequence[float]  # popularity of each service, for picking what a visitor comes for


@dataclass(frozen=True)
class CounterPlan:
    counter: Counter
    prefixes: Sequence[str]  # the work profile, in order
    operator: User | None


def visitors_per_day(counters: int) -> float:
    """Expected visitors on a mid-week day at a centre with ``counters`` counters; kept to a few
    hundred so that 60 days of ten centres seed in well under a minute."""
    return float(min(260, max(60, 13 * counters)))


def _shifts(hours: Sequence[tuple[time, time]], index: int) -> tuple[tuple[time, time], ...]:
    """Operator shifts for the ``index``-th counter on a day with opening ``hours``."""
    if len(hours) > 1:
        return tuple(hours)  # the centre closes for lunch: everyone eats then
    opens, closes = hours[0]
    if closes.hour - opens.hour <= 6:
        return ((opens, closes),)
    # A long day: lunch breaks are staggered so that half the counters stay open.
    lunch = time(13) if index % 2 == 0 else time(14)
    back = time(lunch.hour + 1)
    return ((opens, lunch), (back, closes))


def centre_profile(
    *,
    code: str,
    hours: Sequence[tuple[time, time]],
    queues: Sequence[QueuePlan],
    counters: Sequence[CounterPlan],
    tz: str,
) -> CentreProfile:
    """The simulation profile of a centre on a day with opening ``hours``. Only as many counters are
    staffed as the peak hour needs at about full load, so queues form mid-morning and after lunch
    and melt away in between, as in a real centre."""
    queue_profiles = tuple(
        QueueProfile(
            plan.queue.prefix,
            weight=GROUP_BY_PREFIX[plan.queue.prefix].share,
            service_median_minutes=GROUP_BY_PREFIX[plan.queue.prefix].service_minutes * 0.9,
            service_sigma=0.45,
        )
        for plan in queues
    )
    total = sum(q.weight for q in queue_profiles)
    mean_minutes = sum(q.weight * q.service_median_minutes * 1.1 for q in queue_profiles) / total
    opens, closes = hours[0][0], hours[-1][1]
    open_minutes = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    expected = visitors_per_day(len(counters))
    peak_per_minute = expected * PEAK_DAY_FACTOR / open_minutes * 1.8
    needed = math.ceil(peak_per_minute * mean_minutes / 0.95)
    staffed = max(min(len(queues), len(counters)), min(len(counters), needed))
    prefixes = {plan.queue.prefix for plan in queues}
    return CentreProfile(
        code=code,
        queues=queue_profiles,
        counters=tuple(
            CounterProfile(
                plan.counter.number, tuple(p for p in plan.prefixes if p in prefixes), _shifts(hours, i)
            )
            for i, plan in enumerate(counters[:staffed])
        ),
        opens=opens,
        closes=closes,
        visitors_per_day=expected,
        # A short overtime leaves the last arrivals of a busy day closed unserved, as happens.
        overtime_minutes=10,
        timezone=tz,
    )


def _outcome(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for outcome, share in OUTCOMES:
        acc += share
        if roll < acc:
            return outcome
    return TicketService.Outcome.COMPLETED


def _services(rng: random.Random, plan: QueuePlan) -> list[Service]:
    picked = rng.choices(list(plan.services), weights=list(plan.weights))[0]
    chosen = [picked]
    if len(plan.services) > 1 and rng.random() < 0.15:  # some visits bundle a second service
        other = rng.choices(list(plan.services), weights=list(plan.weights))[0]
        if other.pk != picked.pk:
            chosen.append(other)
    return chosen


def _historic(
    rng: random.Random,
    visit: SimulatedVisit,
    *,
    plan: QueuePlan,
    counter: CounterPlan | None,
    citizens: Sequence[Citizen],
    closed_at: datetime,
) -> HistoricVisit:
    citizen = rng.choice(citizens) if citizens and rng.random() < IDENTIFIED_SHARE else None
    appointment_at = None
    if citizen is not None and rng.random() < APPOINTMENT_SHARE / IDENTIFIED_SHARE:
        # Booked visitors check in a few minutes before their slot (slots start on the quarter hour).
        slot = visit.arrived_at + timedelta(minutes=rng.randint(2, 12))
        appointment_at = max(
            visit.arrived_at, slot.replace(minute=slot.minute - slot.minute % 15, second=0, microsecond=0)
        )
    remote = GROUP_BY_PREFIX[plan.queue.prefix].allows_remote and rng.random() < REMOTE_SHARE
    common = HistoricVisit(
        queue=plan.queue,
        issued_at=visit.arrived_at,
        channel=Ticket.Channel.REMOTE if remote else Ticket.Channel.KIOSK,
        services=_services(rng, plan),
        citizen=citizen,
        priority_group=visit.priority_group,
        appointment_starts_at=appointment_at,
    )
    called = visit.first_called_at
    if visit.outcome == SERVED and called is not None and counter is not None:
        recalls = (
            [called + (visit.started_at - called) / 2] if rng.random() < 0.05 and visit.started_at else []
        )
        return replace(
            common,
            called_at=called,
            counter=counter.counter,
            operator=counter.operator,
            recalls=recalls,
            started_at=visit.started_at,
            ended_at=visit.ended_at,
            outcome=_outcome(rng),
        )
    if visit.outcome == NO_SHOW and called is not None and counter is not None:
        step = timedelta(seconds=NO_SHOW_SECONDS / (visit.recalls + 1))
        return replace(
            common,
            called_at=called,
            counter=counter.counter,
            operator=counter.operator,
            recalls=[called + step * (n + 1) for n in range(visit.recalls)],
            no_show=True,
            no_show_at=called + timedelta(seconds=NO_SHOW_SECONDS),
        )
    return replace(common, closed_at=closed_at)


def simulate_centre_day(
    *,
    day: date,
    seed: int,
    profile: CentreProfile,
    queues: Sequence[QueuePlan],
    counters: Sequence[CounterPlan],
    citizens: Sequence[Citizen],
) -> list[HistoricVisit]:
    """One centre's visits on ``day``, simulated with ``profile`` (see :func:`centre_profile`)."""
    simulated = simulate_day(centre_profile=profile, day=day, seed=seed)
    if not simulated:
        return []
    rng = random.Random(f"{seed}:{profile.code}:{day.isoformat()}:dress")
    by_prefix = {plan.queue.prefix: plan for plan in queues}
    by_number = {plan.counter.number: plan for plan in counters}
    tz = simulated[0].arrived_at.tzinfo
    # The day close runs after the overtime; whoever still waits then is closed unserved.
    closed_at = datetime.combine(day, profile.closes, tzinfo=tz) + timedelta(
        minutes=profile.overtime_minutes + 5
    )
    return [
        _historic(
            rng,
            visit,
            plan=by_prefix[visit.queue],
            counter=by_number.get(visit.counter) if visit.counter is not None else None,
            citizens=citizens,
            closed_at=closed_at,
        )
        for visit in simulated
    ]
