"""Appointment slots: when a queue of a centre can be booked, and how many places each slot has.

A slot exists on a business day (``core.calendar``) within one of the centre's opening periods that
day, every ``queue.slot_minutes``, and ends before the period closes (a lunch break splits the day).
Its capacity is the share of the queue's counters that may be booked in advance: counters whose work
profile includes the queue × ``queue.appointment_share`` %. A fractional capacity per slot (one
counter at 50 %) is spread over the day's slots so that the day as a whole offers exactly its share
(0, 1, 0, 1, …) instead of rounding every slot down to nothing.

Nothing here writes; the booking services take the locks and call these functions inside their
transaction so that the counts they check are the counts they commit against.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from onestop.centres.models import Counter, OpeningHours
from onestop.core.calendar import is_business_day
from onestop.queueing.models import Appointment, Queue

# Bookings that hold a place in their slot.
HOLDING_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)
NEXT_SLOTS_LIMIT = 3


@dataclass(frozen=True)
class Slot:
    """One bookable time of a queue. ``booked`` may exceed ``capacity`` after counters were removed
    from the queue's work profiles; such a slot simply has no free place."""

    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def is_free(self) -> bool:
        return self.free > 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, used in problem+json ``next_slots`` and the API."""
        return {
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "capacity": self.capacity,
            "booked": self.booked,
            "free": self.free,
        }


def local_day(moment: datetime) -> date:
    """The centre's local date of ``moment`` (centres use the deployment's time zone)."""
    return timezone.localdate(moment, timezone.get_default_timezone())


def booking_horizon(*, at: datetime | None = None) -> tuple[date, date]:
    """First and last day one may book on ``at``: today up to ONESTOP_BOOKING_HORIZON_DAYS ahead."""
    today = local_day(at or timezone.now())
    return today, today + timedelta(days=settings.ONESTOP_BOOKING_HORIZON_DAYS)


def profile_counters(queue: Queue) -> int:
    """Active counters of the queue's centre whose work profile includes the queue."""
    return (
        Counter.objects.filter(centre_id=queue.centre_id, is_active=True, profile_entries__queue=queue)
        .distinct()
        .count()
    )


def _capacities(count: int, *, counters: int, share: int) -> list[int]:
    # Integer cumulative rounding: after slot i the day has offered floor((i+1)·counters·share/100).
    per_hundred = counters * share
    return [(i + 1) * per_hundred // 100 - i * per_hundred // 100 for i in range(count)]


@dataclass
class _Plan:
    """Everything needed to lay out the slots of a queue on any day, fetched once."""

    queue: Queue
    periods: dict[int, list[tuple[time, time]]]  # weekday → opening periods in order
    counters: int

    @classmethod
    def of(cls, queue: Queue) -> _Plan:
        periods: dict[int, list[tuple[time, time]]] = {}
        for weekday, opens, closes in OpeningHours.objects.filter(centre_id=queue.centre_id).values_list(
            "weekday", "opens", "closes"
        ):
            periods.setdefault(weekday, []).append((opens, closes))
        for day_periods in periods.values():
            day_periods.sort()
        return cls(queue=queue, periods=periods, counters=profile_counters(queue))

    @property
    def bookable(self) -> bool:
        return (
            self.queue.is_active
            and self.queue.centre.is_active
            and self.counters > 0
            and self.queue.appointment_share > 0
        )

    def times(self, day: date) -> list[tuple[datetime, datetime]]:
        """Start and end of every slot on ``day`` (capacity not yet applied)."""
        if not self.bookable or not self.periods.get(day.weekday()) or not is_business_day(day):
            return []
        zone = timezone.get_default_timezone()
        length = timedelta(minutes=self.queue.slot_minutes)
        out: list[tuple[datetime, datetime]] = []
        for opens, closes in self.periods[day.weekday()]:
            start = timezone.make_aware(datetime.combine(day, opens), zone)
            end_of_period = timezone.make_aware(datetime.combine(day, closes), zone)
            while start + length <= end_of_period:
                out.append((start, start + length))
                start += length
        return out

    def slots(self, days: list[date], booked: Tally[datetime]) -> Iterator[Slot]:
        for day in days:
            times = self.times(day)
            capacities = _capacities(len(times), counters=self.counters, share=self.queue.appointment_share)
            for (starts_at, ends_at), capacity in zip(times, capacities, strict=True):
                if capacity > 0:
                    yield Slot(starts_at, ends_at, capacity, booked[starts_at])


def _booked(queue: Queue, first: date, last: date, *, exclude: Appointment | None = None) -> Tally[datetime]:
    """Places held per slot start between two local days (inclusive), in one query."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), zone)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone)
    rows = Appointment.objects.filter(
        queue=queue, status__in=HOLDING_STATUSES, starts_at__gte=start, starts_at__lt=end
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return Tally(
        {row["starts_at"]: row["n"] for row in rows.values("starts_at").annotate(n=Count("id")).order_by()}
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def slots_between(
    *, queue: Queue, first: date, last: date, at: datetime | None = None, exclude: Appointment | None = None
) -> list[Slot]:
    """Every bookable slot from ``first`` to ``last`` (local days, inclusive), clipped to the booking
    horizon and to slots that start after ``at``. Full slots are included (``free == 0``) so a page
    can show them as taken. ``exclude``: a booking not to count (the one being rescheduled)."""
    at = at or timezone.now()
    today, horizon_end = booking_horizon(at=at)
    first, last = max(first, today), min(last, horizon_end)
    if first > last:
        return []
    plan = _Plan.of(queue)
    if not plan.bookable:
        return []
    booked = _booked(queue, first, last, exclude=exclude)
    return [slot for slot in plan.slots(_days(first, last), booked) if slot.starts_at > at]


def available_slots(*, queue: Queue, day: date, at: datetime | None = None) -> list[Slot]:
    """The bookable slots of ``queue`` on ``day``, full ones included (see :func:`slots_between`)."""
    return slots_between(queue=queue, first=day, last=day, at=at)


def slot_at(
    *, queue: Queue, starts_at: datetime, at: datetime | None = None, exclude: Appointment | None = None
) -> Slot | None:
    """The slot that starts exactly at ``starts_at``, or None when no bookable slot starts then."""
    day = local_day(starts_at)
    for slot in slots_between(queue=queue, first=day, last=day, at=at, exclude=exclude):
        if slot.starts_at == starts_at:
            return slot
    return None


def bookable_days(*, queue: Queue, at: datetime | None = None) -> list[date]:
    """Days within the horizon that still have a free slot, for the "choose a date" page."""
    first, last = booking_horizon(at=at)
    seen: list[date] = []
    for slot in slots_between(queue=queue, first=first, last=last, at=at):
        day = local_day(slot.starts_at)
        if slot.is_free and (not seen or seen[-1] != day):
            seen.append(day)
    return seen


def next_free_slots(
    *,
    queue: Queue,
    after: datetime,
    at: datetime | None = None,
    limit: int = NEXT_SLOTS_LIMIT,
    accept: Callable[[Slot], bool] | None = None,
    exclude: Appointment | None = None,
) -> list[Slot]:
    """The first ``limit`` free slots starting at or after ``after`` (and after ``at``) within the
    horizon; ``accept`` filters further (the quota: slots far enough from the citizen's bookings)."""
    first, last = booking_horizon(at=at)
    first = max(first, local_day(after))
    found: list[Slot] = []
    for slot in slots_between(queue=queue, first=first, last=last, at=at, exclude=exclude):
        if slot.starts_at >= after and slot.is_free and (accept is None or accept(slot)):
            found.append(slot)
            if len(found) >= limit:
                break
    return found


def centre_open_at(queue: Queue, moment: datetime) -> bool:
    """Whether the queue's centre is open to the public at ``moment`` (business day, opening period)."""
    if not queue.centre.is_active:
        return False
    local = timezone.localtime(moment, timezone.get_default_timezone())
    if not is_business_day(local.date()):
        return False
    now = local.time()
    return OpeningHours.objects.filter(
        centre_id=queue.centre_id, weekday=local.weekday(), opens__lte=now, closes__gt=now
    ).exists()
