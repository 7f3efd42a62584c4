"""Slots from opening hours, work profiles and the calendar, in frozen time."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine

from onestop.core.services import calendar_override_set
from onestop.queueing.services.counters import queue_update, work_profile_set
from onestop.queueing.slots import available_slots, bookable_days, centre_open_at, next_free_slots
from tests.factories.centres import CentreFactory, CounterFactory, OpeningHoursFactory
from tests.queueing.booking import (
    FRIDAY,
    MONDAY,
    MONDAY_AFTER,
    NAURYZ,
    SATURDAY,
    booking_queue,
    local,
)

pytestmark = pytest.mark.django_db


def test_slots_follow_opening_hours_and_skip_the_lunch_break():
    queue = booking_queue(slot_minutes=30)
    slots = available_slots(queue=queue, day=MONDAY, at=local(MONDAY - timedelta(days=1), 12))
    starts = [s.starts_at for s in slots]
    assert starts[0] == local(MONDAY, 9)
    assert starts[-1] == local(MONDAY, 17, 30)
    assert len(slots) == 16  # 8 before lunch, 8 after
    assert local(MONDAY, 13) not in starts and local(MONDAY, 13, 30) not in starts
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in slots)


def test_no_slot_runs_past_closing_time():
    centre = CentreFactory()
    OpeningHoursFactory(centre=centre, weekday=0, opens=time(9), closes=time(10, 50))
    queue = booking_queue(centre=centre, slot_minutes=20)
    slots = available_slots(queue=queue, day=MONDAY, at=local(MONDAY - timedelta(days=1), 12))
    # 10:40–11:00 would run past 10:50, so the day ends with 10:20–10:40.
    assert [s.starts_at for s in slots] == [
        local(MONDAY, 9, m) if m < 60 else local(MONDAY, 10, m - 60) for m in (0, 20, 40, 60, 80)
    ]
    assert slots[-1].ends_at == local(MONDAY, 10, 40)


@pytest.mark.parametrize("day", [SATURDAY, MONDAY_AFTER, NAURYZ], ids=["weekend", "moved-day-off", "holiday"])
def test_no_slots_on_days_off(day):
    queue = booking_queue()
    assert available_slots(queue=queue, day=day, at=local(MONDAY, 8)) == []


def test_a_calendar_override_closes_a_working_day():
    queue = booking_queue()
    calendar_override_set(actor=None, country="KZ", date=FRIDAY, kind="holiday", name="Decree")
    assert available_slots(queue=queue, day=FRIDAY, at=local(MONDAY, 8)) == []


def test_no_slots_on_a_weekday_the_centre_is_closed():
    centre = CentreFactory()
    OpeningHoursFactory(centre=centre, weekday=0, opens=time(9), closes=time(12))
    queue = booking_queue(centre=centre)
    assert available_slots(queue=queue, day=MONDAY + timedelta(days=1), at=local(MONDAY, 8)) == []


def test_capacity_is_the_bookable_share_of_the_counters_serving_the_queue():
    queue = booking_queue(counters=4, share=50)
    slots = available_slots(queue=queue, day=MONDAY, at=local(MONDAY, 8))
    assert {s.capacity for s in slots} == {2}
    # A counter that does not serve the queue adds nothing.
    CounterFactory(centre=queue.centre)
    assert {s.capacity for s in available_slots(queue=queue, day=MONDAY, at=local(MONDAY, 8))} == {2}


def test_a_fractional_capacity_is_spread_over_the_day():
    queue = booking_queue(counters=1, share=50)  # half a place per slot
    slots = available_slots(queue=queue, day=MONDAY, at=local(MONDAY, 8))
    assert len(slots) == 8  # every second of the 16 slots, one place each
    assert {s.capacity for s in slots} == {1}


def test_no_slots_when_no_counter_serves_the_queue_or_nothing_is_bookable():
    queue = booking_queue(counters=0)
    assert available_slots(queue=queue, day=MONDAY, at=local(MONDAY, 8)) == []
    queue = booking_queue(counters=2, share=50, centre=CentreFactory(open_weekdays=True), prefix="B")
    queue_update(actor=None, queue=queue, appointment_share=0)
    assert available_slots(queue=queue, day=MONDAY, at=local(MONDAY, 8)) == []


def test_removing_a_counter_from_the_profile_lowers_capacity():
    queue = booking_queue(counters=2, share=100)
    counter = queue.counter_entries.first().counter
    work_profile_set(actor=None, counter=counter, queues=[])
    assert {s.capacity for s in available_slots(queue=queue, day=MONDAY, at=local(MONDAY, 8))} == {1}


def test_slots_already_started_are_not_offered():
    queue = booking_queue()
    slots = available_slots(queue=queue, day=MONDAY, at=local(MONDAY, 15, 10))
    assert slots[0].starts_at == local(MONDAY, 15, 30)


def test_slots_use_the_clock_when_no_time_is_given():
    queue = booking_queue()
    with time_machine.travel(local(MONDAY, 17, 45), tick=False):
        assert available_slots(queue=queue, day=MONDAY) == []
        tomorrow = available_slots(queue=queue, day=MONDAY + timedelta(days=1))
    assert tomorrow[0].starts_at == local(MONDAY + timedelta(days=1), 9)


def test_booking_horizon_limits_how_far_ahead_one_can_book(settings):
    settings.ONESTOP_BOOKING_HORIZON_DAYS = 8
    queue = booking_queue()
    at = local(MONDAY, 8)
    assert available_slots(queue=queue, day=MONDAY + timedelta(days=8), at=at)
    assert available_slots(queue=queue, day=MONDAY + timedelta(days=9), at=at) == []
    assert available_slots(queue=queue, day=MONDAY - timedelta(days=1), at=at) == []


def test_bookable_days_skip_weekends_and_holidays(settings):
    settings.ONESTOP_BOOKING_HORIZON_DAYS = 10
    queue = booking_queue()
    days = bookable_days(queue=queue, at=local(MONDAY, 8))
    assert days == [
        MONDAY,
        MONDAY + timedelta(1),
        MONDAY + timedelta(2),
        MONDAY + timedelta(3),
        FRIDAY,
        MONDAY_AFTER + timedelta(1),
        MONDAY_AFTER + timedelta(2),
        MONDAY_AFTER + timedelta(3),
    ]


def test_next_free_slots_cross_closing_time_and_days_off():
    queue = booking_queue()
    found = next_free_slots(queue=queue, after=local(FRIDAY, 17, 31), at=local(FRIDAY, 12))
    # Friday has closed, the weekend and the moved day off (Monday 10 March) are skipped.
    assert [s.starts_at for s in found] == [
        local(MONDAY_AFTER + timedelta(1), 9),
        local(MONDAY_AFTER + timedelta(1), 9, 30),
        local(MONDAY_AFTER + timedelta(1), 10),
    ]


def test_centre_is_open_only_within_its_hours_on_business_days():
    queue = booking_queue()
    assert centre_open_at(queue, local(MONDAY, 9))
    assert not centre_open_at(queue, local(MONDAY, 13, 30))  # lunch
    assert not centre_open_at(queue, local(MONDAY, 18))  # closed
    assert not centre_open_at(queue, local(SATURDAY, 11))
