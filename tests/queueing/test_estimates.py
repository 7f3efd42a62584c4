"""Waiting-time estimates on the ticket and the status page."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from onestop.queueing.estimates import (
    CentreSnapshot,
    CounterState,
    WaitingEntry,
    estimate_wait,
    estimate_wait_for_new,
    forecast_wait,
    measure_accuracy,
    naive_estimate,
)
from onestop.queueing.simulation import default_centre_profile
from tests.factories.queueing import CounterSessionFactory, TicketFactory

AT = datetime(2025, 3, 4, 11, 0, tzinfo=ZoneInfo("Asia/Almaty"))


def _waiting(queue, minutes_ago: float, **kwargs):
    issued = AT - timedelta(minutes=minutes_ago)
    return TicketFactory(queue=queue, issued_at=issued, **kwargs)


def _served(queue, counter, *, handling_minutes: float, ended_minutes_ago: float):
    ended = AT - timedelta(minutes=ended_minutes_ago)
    called = ended - timedelta(minutes=handling_minutes)
    return TicketFactory(
        queue=queue,
        issued_at=called - timedelta(minutes=5),
        done=True,
        counter=counter,
        called_at=called,
        first_called_at=called,
        started_at=called + timedelta(seconds=30),
        ended_at=ended,
    )


@pytest.mark.django_db
def test_people_of_another_queue_the_counter_serves_count_when_they_waited_longer(front_office):
    # Only counter 1 (A, then B) is open; three people have waited longer in queue B.
    for minutes in (30, 25, 20):
        _waiting(front_office.queue_b, minutes)
    ticket = _waiting(front_office.queue_a, 5)

    assert naive_estimate(ticket, at=AT) == timedelta(0)
    assert estimate_wait(ticket, at=AT) == timedelta(minutes=30)  # three visits of the default 10 minutes


@pytest.mark.django_db
def test_recent_service_times_of_the_queue_set_the_pace(front_office):
    for n in range(6):
        _served(front_office.queue_a, front_office.counter1, handling_minutes=4, ended_minutes_ago=60 + 5 * n)
    _waiting(front_office.queue_a, 10)
    _waiting(front_office.queue_a, 8)
    ticket = _waiting(front_office.queue_a, 2)

    assert estimate_wait(ticket, at=AT) == timedelta(minutes=8)


@pytest.mark.django_db
def test_a_second_open_counter_shortens_the_wait(front_office, other_operator):
    for minutes in (30, 25, 20, 15):
        _waiting(front_office.queue_a, minutes)
    ticket = _waiting(front_office.queue_a, 5)
    one_counter = estimate_wait(ticket, at=AT)

    CounterSessionFactory(counter=front_office.counter2, operator=other_operator, started_at=AT)
    two_counters = estimate_wait(ticket, at=AT + timedelta(minutes=1))

    assert one_counter == timedelta(minutes=40)
    assert two_counters == timedelta(minutes=20)


@pytest.mark.django_db
def test_a_counter_busy_with_a_visit_is_free_after_its_expected_remainder(front_office):
    TicketFactory(
        queue=front_office.queue_a,
        issued_at=AT - timedelta(minutes=20),
        serving=True,
        counter=front_office.counter1,
        called_at=AT - timedelta(minutes=3),
        first_called_at=AT - timedelta(minutes=3),
        started_at=AT - timedelta(minutes=2),
    )

    assert estimate_wait_for_new(front_office.queue_a, at=AT) == timedelta(minutes=7)


@pytest.mark.django_db
def test_no_wait_when_an_open_counter_is_idle(front_office):
    assert estimate_wait_for_new(front_office.queue_b, at=AT) == timedelta(0)


@pytest.mark.django_db
def test_a_ticket_already_called_has_nothing_left_to_wait(front_office):
    ticket = TicketFactory(queue=front_office.queue_a, issued_at=AT - timedelta(minutes=9), called=True)

    assert estimate_wait(ticket, at=AT) == timedelta(0)


@pytest.mark.django_db
def test_a_transferred_ticket_waits_only_for_its_counter(front_office, other_operator):
    CounterSessionFactory(counter=front_office.counter2, operator=other_operator, started_at=AT)
    for minutes in (40, 35, 30):
        _waiting(front_office.queue_a, minutes)
    transferred = _waiting(front_office.queue_b, 50, target_counter=front_office.counter2)

    assert estimate_wait(transferred, at=AT) == timedelta(0)


@pytest.mark.django_db
def test_the_estimate_costs_a_fixed_number_of_queries(front_office, django_assert_max_num_queries):
    for minutes in range(40):
        _waiting(front_office.queue_a if minutes % 2 else front_office.queue_b, 60 - minutes)
    ticket = _waiting(front_office.queue_a, 1)

    with django_assert_max_num_queries(4):
        estimate_wait(ticket, at=AT)
    with django_assert_max_num_queries(3):  # the service-time statistics are cached briefly
        estimate_wait_for_new(front_office.queue_b, at=AT)


def test_a_later_arrival_never_waits_less_than_the_one_before_it_in_the_same_queue():
    counter = CounterState(key=1, queues=("A", "B"))
    earlier = WaitingEntry(key="A-1", queue="A", arrived_at=AT - timedelta(minutes=3))
    later = WaitingEntry(key="A-2", queue="A", arrived_at=AT - timedelta(minutes=1))
    snapshot = CentreSnapshot(
        at=AT, waiting=[earlier, later], counters=[counter], handling_seconds={"A": 300}
    )

    assert forecast_wait(snapshot, earlier) == timedelta(0)
    assert forecast_wait(snapshot, later) == timedelta(minutes=5)


def test_priority_goes_before_people_who_waited_longer():
    counter = CounterState(key=1, queues=("A",))
    waiting = [WaitingEntry(key=n, queue="A", arrived_at=AT - timedelta(minutes=10 - n)) for n in range(3)]
    priority = WaitingEntry(key="P", queue="A", arrived_at=AT, priority=1)
    snapshot = CentreSnapshot(at=AT, waiting=waiting, counters=[counter], handling_seconds={"A": 600})

    assert forecast_wait(snapshot, priority) == timedelta(0)


def test_our_estimate_is_not_worse_than_the_naive_one_on_simulated_mornings():
    days = [date(2025, 3, 3), date(2025, 3, 4)]  # a Monday (busiest) and a Tuesday
    report = measure_accuracy(centre_profile=default_centre_profile(), days=days, seed=3, hours=3)

    assert report.ours.count > 100
    assert report.ours.mae_minutes <= report.naive.mae_minutes
    assert report.ours.within_5_minutes >= report.naive.within_5_minutes
