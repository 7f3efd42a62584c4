"""Helpers for the appointment tests: a centre open on weekdays (09:00–13:00 and 14:00–18:00) with
one bookable queue whose counters are set through the real services, and fixed instants on known
days of the Kazakh calendar (times are local, Asia/Almaty)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from onestop.centres.models import Centre
from onestop.queueing.models import Queue
from onestop.queueing.services.counters import queue_create, work_profile_set
from tests.factories.catalog import ServiceFactory
from tests.factories.centres import CentreFactory, CounterFactory

ALMATY = ZoneInfo("Asia/Almaty")
MONDAY = date(2025, 3, 3)  # an ordinary working Monday
FRIDAY = date(2025, 3, 7)
SATURDAY = date(2025, 3, 8)  # weekend (and International Women's Day)
MONDAY_AFTER = date(2025, 3, 10)  # the day off moved from 8 March
NAURYZ = date(2025, 3, 21)  # public holiday (Friday)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY)


def booking_queue(
    *,
    counters: int = 2,
    share: int = 50,
    slot_minutes: int = 30,
    allows_remote: bool = False,
    centre: Centre | None = None,
    prefix: str = "A",
) -> Queue:
    """A queue with ``counters`` counters serving it: capacity per slot = counters × share %."""
    service = ServiceFactory()
    if centre is None:
        centre = CentreFactory(open_weekdays=True)
    centre.services.add(service)
    queue = queue_create(
        actor=None,
        centre=centre,
        prefix=prefix,
        name=f"Queue {prefix}",
        services=[service],
        slot_minutes=slot_minutes,
        appointment_share=share,
        allows_remote=allows_remote,
    )
    for _ in range(counters):
        work_profile_set(actor=None, counter=CounterFactory(centre=centre), queues=[queue])
    return queue
