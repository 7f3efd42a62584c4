"""Business days of the deployment's country.

A day is a business day unless it falls on the country's weekend or is a public holiday, as the
``holidays`` package knows them (including the country's transferred days off and the weekend days
it declares working). The :class:`~onestop.core.models.CalendarOverride` table has the last word:
an administrator adds a day off the package does not know (a decree published last week) or a
working Saturday, and the override wins over everything else.

Each (country, year) is computed once and kept in Django's cache (shared between processes when
the deployment configures a shared cache; otherwise per process, for ``CALENDAR_CACHE_SECONDS``).
The override services drop the entry when they change a day, both at once and after commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import holidays
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from onestop.core.models import CalendarOverride

# How long another process may keep using a year after an override changed it, when the cache is
# per process. A shared cache (Redis, database) sees the invalidation at once.
CALENDAR_CACHE_SECONDS = 300
# No real calendar has a year without a business day; overrides that made one must not hang a worker.
_MAX_DAYS_WITHOUT_BUSINESS_DAY = 366

_CACHE_VERSION = 1


@dataclass(frozen=True)
class YearCalendar:
    """Everything needed to classify any day of one year, without further queries."""

    country: str
    year: int
    weekend: frozenset[int]  # weekday numbers, Monday = 0
    days_off: frozenset[date]  # holidays and overridden days off that would otherwise be working days
    working_days: frozenset[date]  # weekend days and holidays made working

    def is_business_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        return day.weekday() not in self.weekend


def _country(country: str | None) -> str:
    return (country or settings.ONESTOP_COUNTRY).upper()


def _cache_key(country: str, year: int) -> str:
    return f"onestop:calendar:{country}:{year}"


# (country, year) pairs changed by an override in this thread's transaction, not committed yet.
# Reads of those years bypass the cache, so a rolled-back override can never be cached as if it
# were real (Django has no on-rollback hook to undo it). Thread-local because Django connections
# are: another thread's reads see only committed rows and may use the cache.
_local = threading.local()


def _dirty() -> set[tuple[str, int]]:
    marks: set[tuple[str, int]] | None = getattr(_local, "dirty", None)
    if marks is None:
        marks = _local.dirty = set()
    return marks


def _build(country: str, year: int) -> YearCalendar:
    try:
        statutory = holidays.country_holidays(country, years=year)
        weekend = frozenset(statutory.weekend)
        package_working = {d for d in statutory.weekend_workdays if d.year == year}
        package_off = set(statutory.keys())
    except NotImplementedError:
        # A country the package does not know: Saturday and Sunday off, overrides for the rest.
        weekend, package_working, package_off = frozenset({5, 6}), set(), set()
    days_off = package_off - package_working
    working = set(package_working)
    overrides = CalendarOverride.objects.filter(country=country, date__year=year).values_list("date", "kind")
    for day, kind in overrides:
        if kind == CalendarOverride.Kind.WORKING_DAY:
            working.add(day)
            days_off.discard(day)
        else:
            days_off.add(day)
            working.discard(day)
    return YearCalendar(
        country=country,
        year=year,
        weekend=weekend,
        days_off=frozenset(days_off),
        working_days=frozenset(working),
    )


def year_calendar(country: str | None, year: int) -> YearCalendar:
    """The (cached) calendar of one year."""
    code = _country(country)
    key = (code, year)
    dirty = key in _dirty()
    if dirty and not connection.in_atomic_block:
        # The transaction that changed this year is over and did not commit (a commit would have
        # cleared the mark): whatever was cached meanwhile is wrong.
        _dirty().discard(key)
        cache.delete(_cache_key(code, year), version=_CACHE_VERSION)
        dirty = False
    if dirty:
        return _build(code, year)
    cached = cache.get(_cache_key(code, year), version=_CACHE_VERSION)
    if isinstance(cached, YearCalendar):
        return cached
    built = _build(code, year)
    cache.set(_cache_key(code, year), built, CALENDAR_CACHE_SECONDS, version=_CACHE_VERSION)
    return built


def invalidate(country: str, year: int) -> None:
    """Forget a cached year now and again once the surrounding transaction commits.

    Called by the override services; anything else that changes CalendarOverride rows must call it.
    """
    code = country.upper()
    key = (code, year)
    cache.delete(_cache_key(code, year), version=_CACHE_VERSION)
    if connection.in_atomic_block:
        _dirty().add(key)

        def _after_commit() -> None:
            _dirty().discard(key)
            cache.delete(_cache_key(code, year), version=_CACHE_VERSION)

        transaction.on_commit(_after_commit)


class _Calendars:
    """Year calendars looked up once per call, however many days a loop visits."""

    def __init__(self, country: str | None) -> None:
        self.country = _country(country)
        self._years: dict[int, YearCalendar] = {}

    def is_business_day(self, day: date) -> bool:
        calendar = self._years.get(day.year)
        if calendar is None:
            calendar = self._years[day.year] = year_calendar(self.country, day.year)
        return calendar.is_business_day(day)

    def business_days(self, start: date, step: int) -> Iterator[date]:
        """Business days strictly after ``start`` (``step`` 1) or strictly before it (``step`` -1)."""
        day = start
        gap = 0
        while True:
            day += timedelta(days=step)
            if self.is_business_day(day):
                gap = 0
                yield day
            else:
                gap += 1
                if gap > _MAX_DAYS_WITHOUT_BUSINESS_DAY:
                    raise ValueError(f"no business day within a year of {day} in {self.country}")


def is_business_day(day: date, *, country: str | None = None) -> bool:
    """Whether public offices of ``country`` (default: the deployment's) work on ``day``."""
    return year_calendar(country, day.year).is_business_day(day)


def add_business_days(start: date, days: int, *, country: str | None = None) -> date:
    """The ``days``-th business day after ``start`` (before it when negative; ``start`` itself for 0).

    ``start`` is not counted, so 1 business day after a Friday is the next Monday (barring holidays),
    and 1 business day after a Saturday is also that Monday.
    """
    if days == 0:
        return start
    calendars = _Calendars(country)
    step = 1 if days > 0 else -1
    for count, day in enumerate(calendars.business_days(start, step), start=1):
        if count == abs(days):
            return day
    raise AssertionError("unreachable: business_days() is infinite or raises")


def business_days_between(start: date, end: date, *, country: str | None = None) -> int:
    """The business days after ``start`` up to and including ``end``. When ``end`` is before
    ``start``, minus the business days from ``end`` up to but excluding ``start``. Either way
    ``add_business_days(start, business_days_between(start, end)) == end`` for a business day ``end``."""
    calendars = _Calendars(country)
    if end < start:
        first, last, sign = end, start - timedelta(days=1), -1
    else:
        first, last, sign = start + timedelta(days=1), end, 1
    count = 0
    day = first
    while day <= last:
        if calendars.is_business_day(day):
            count += 1
        day += timedelta(days=1)
    return sign * count


def next_business_day(day: date, *, country: str | None = None) -> date:
    """The first business day strictly after ``day``."""
    return add_business_days(day, 1, country=country)


def business_day_on_or_after(day: date, *, country: str | None = None) -> date:
    """``day`` itself when it is a business day, otherwise the next one (where a deadline that
    falls on a day off moves to)."""
    return day if is_business_day(day, country=country) else next_business_day(day, country=country)
