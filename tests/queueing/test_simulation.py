"""The simulated centre day behind the accuracy benchmark and the demo history."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, timedelta

from onestop.queueing.simulation import (
    NO_SHOW,
    SERVED,
    counter_open,
    default_centre_profile,
    simulate_day,
)

PROFILE = default_centre_profile()
MONDAY = date(2025, 3, 3)


def test_same_seed_gives_the_same_day_and_another_seed_another():
    first = simulate_day(centre_profile=PROFILE, day=MONDAY, seed=11)
    again = simulate_day(centre_profile=PROFILE, day=MONDAY, seed=11)
    other = simulate_day(centre_profile=PROFILE, day=MONDAY, seed=12)
    assert first == again
    assert [v.arrived_at for v in first] != [v.arrived_at for v in other]


def test_mondays_are_busiest_and_sundays_closed():
    weeks = [MONDAY + timedelta(weeks=w) for w in range(4)]
    per_weekday = Counter[int]()
    for monday in weeks:
        for offset in range(7):
            day = monday + timedelta(days=offset)
            per_weekday[offset] += len(simulate_day(centre_profile=PROFILE, day=day, seed=5))
    assert per_weekday[0] > max(per_weekday[d] for d in range(1, 7))
    assert per_weekday[6] == 0


def test_arrivals_peak_in_the_morning_and_after_lunch():
    hours = Counter[int]()
    for offset in range(10):
        for visit in simulate_day(
            centre_profile=PROFILE, day=MONDAY + timedelta(days=offset % 5), seed=offset
        ):
            hours[visit.arrived_at.hour] += 1
    assert hours[10] > hours[12] and hours[10] > hours[17]
    assert hours[14] > hours[12] and hours[14] > hours[17]


def test_arrivals_fall_within_opening_hours():
    visits = simulate_day(centre_profile=PROFILE, day=MONDAY, seed=2)
    assert visits
    assert all(PROFILE.opens <= v.arrived_at.time() < PROFILE.closes for v in visits)


def test_counters_serve_only_their_queues_one_visit_at_a_time_while_open():
    visits = simulate_day(centre_profile=PROFILE, day=MONDAY, seed=3)
    profiles = {c.number: c for c in PROFILE.counters}
    by_counter: dict[int, list] = {}
    for visit in visits:
        if visit.first_called_at is None:
            continue
        counter = profiles[visit.counter]
        assert visit.queue in counter.queues
        assert counter_open(counter, PROFILE, visit.first_called_at)
        assert visit.first_called_at >= visit.arrived_at
        by_counter.setdefault(visit.counter, []).append(visit)
    for served in by_counter.values():
        served.sort(key=lambda v: v.first_called_at)
        for earlier, later in zip(served, served[1:], strict=False):
            assert earlier.released_at <= later.first_called_at


def test_served_visits_have_a_start_after_the_call_and_an_end_after_the_start():
    visits = simulate_day(centre_profile=PROFILE, day=MONDAY, seed=4)
    outcomes = Counter(v.outcome for v in visits)
    assert outcomes[SERVED] > 0.9 * len(visits)
    for visit in visits:
        if visit.outcome == SERVED:
            assert visit.first_called_at < visit.started_at < visit.ended_at
        if visit.outcome == NO_SHOW:
            assert visit.started_at is None and visit.recalls == 2


def test_a_queue_is_called_in_order_of_arrival():
    visits = simulate_day(centre_profile=PROFILE, day=MONDAY, seed=6)
    for prefix in ("A", "B", "C"):
        calls = [
            v.first_called_at for v in visits if v.queue == prefix and not v.priority and v.first_called_at
        ]
        assert calls == sorted(calls)


def test_priority_visitors_wait_less_on_average():
    waits: dict[bool, list[float]] = {True: [], False: []}
    for offset in range(5):
        for v in simulate_day(centre_profile=PROFILE, day=MONDAY + timedelta(days=offset), seed=9):
            if v.wait is not None:
                waits[bool(v.priority)].append(v.wait.total_seconds())
    assert waits[True]
    assert statistics.mean(waits[True]) < statistics.mean(waits[False])


def test_service_times_follow_each_queues_median():
    samples: dict[str, list[float]] = {}
    for offset in range(5):
        for v in simulate_day(centre_profile=PROFILE, day=MONDAY + timedelta(days=offset), seed=1):
            samples.setdefault(v.queue, []).append(v.service_seconds)
    for queue in PROFILE.queues:
        median = statistics.median(samples[queue.prefix]) / 60
        assert abs(median - queue.service_median_minutes) < 0.2 * queue.service_median_minutes
