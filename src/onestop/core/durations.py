"""Processing times as ISO 8601 durations in whole years, months, weeks and days (``P10D``, ``P2W``,
``P1M``, ``P1Y2M``), counted in calendar days or business days.

With the ``business`` unit only days are counted as business days (``P10D`` = ten business days on
the deployment's calendar). Years, months and weeks are calendar spans whichever the unit — "one
month" means the same date next month — and with the ``business`` unit a deadline that lands on a
day off moves to the next business day, as statutory deadlines do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from onestop.core import calendar

CALENDAR = "calendar"
BUSINESS = "business"
UNITS = (CALENDAR, BUSINESS)

_PATTERN = re.compile(r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?")

_D = TypeVar("_D", date, datetime)


@dataclass(frozen=True)
class IsoDuration:
    """A duration in whole calendar units; ``str()`` gives it back in ISO 8601 form."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    def __str__(self) -> str:
        parts = [(self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D")]
        text = "".join(f"{n}{letter}" for n, letter in parts if n)
        return f"P{text or '0D'}"

    @property
    def is_zero(self) -> bool:
        return not (self.years or self.months or self.weeks or self.days)


def parse_iso_duration(value: str) -> IsoDuration:
    """Parse ``P10D``, ``P2W``, ``P1M``, ``P1Y6M``…; raise ValueError naming what is accepted.

    Hours, minutes and fractions are refused: processing times are counted in whole days.
    """
    text = (value or "").strip().upper()
    match = _PATTERN.fullmatch(text)
    if match is None or text == "P":
        raise ValueError(
            f"{value!r} is not an ISO 8601 duration in whole years, months, weeks or days, such as P10D, P2W, P1M"
        )
    return IsoDuration(**{name: int(number) for name, number in match.groupdict().items() if number})


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")


def _add_to_date(start: date, duration: IsoDuration, unit: str) -> date:
    end = start + relativedelta(years=duration.years, months=duration.months, weeks=duration.weeks)
    if unit == CALENDAR:
        return end + timedelta(days=duration.days)
    if duration.days:
        return calendar.add_business_days(end, duration.days)
    if end != start:
        return calendar.business_day_on_or_after(end)
    return end


def add_duration(start: _D, value: str, *, unit: str) -> _D:
    """``start`` plus the duration ``value``, in ``unit`` ("calendar" or "business").

    A datetime must be timezone-aware; days are counted on the deployment's local calendar
    (``TIME_ZONE``: 23:00 UTC may already be tomorrow in Almaty), the local time of day is kept and
    the result is in local time. A date gives a date.
    """
    _check_unit(unit)
    duration = parse_iso_duration(value)
    if isinstance(start, datetime):
        if timezone.is_naive(start):
            raise ValueError("add_duration() needs a timezone-aware datetime")
        local = timezone.localtime(start)
        end_day = _add_to_date(local.date(), duration, unit)
        # replace() on the local wall time lets the zone pick the right offset on the new day (DST).
        moved = local.replace(year=end_day.year, month=end_day.month, day=end_day.day)
        return moved.astimezone(local.tzinfo)
    return _add_to_date(start, duration, unit)


def describe_duration(value: str, unit: str) -> str:
    """The duration in plain words in the active language: "10 business days", "1 month",
    "1 year and 2 months". Empty for an empty value."""
    if not (value or "").strip():
        return ""
    _check_unit(unit)
    duration = parse_iso_duration(value)
    parts: list[str] = []
    if duration.years:
        parts.append(
            ngettext("%(count)d year", "%(count)d years", duration.years) % {"count": duration.years}
        )
    if duration.months:
        parts.append(
            ngettext("%(count)d month", "%(count)d months", duration.months) % {"count": duration.months}
        )
    if duration.weeks:
        parts.append(
            ngettext("%(count)d week", "%(count)d weeks", duration.weeks) % {"count": duration.weeks}
        )
    if duration.days or duration.is_zero:
        if unit == BUSINESS:
            words = ngettext("%(count)d business day", "%(count)d business days", duration.days)
        else:
            words = ngettext("%(count)d calendar day", "%(count)d calendar days", duration.days)
        parts.append(words % {"count": duration.days})
    return str(get_text_list(parts, _("and")))
