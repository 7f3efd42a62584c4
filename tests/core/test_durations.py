"""ISO 8601 processing times: parsing, adding them in calendar or business days, describing them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from onestop.core.durations import IsoDuration, add_duration, describe_duration, parse_iso_duration

ALMATY = ZoneInfo("Asia/Almaty")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P10D", IsoDuration(days=10)),
        ("P2W", IsoDuration(weeks=2)),
        ("P1M", IsoDuration(months=1)),
        ("P1Y", IsoDuration(years=1)),
        ("p1y6m", IsoDuration(years=1, months=6)),
        (" P0D ", IsoDuration()),
    ],
)
def test_whole_unit_durations_parse(text: str, expected: IsoDuration) -> None:
    assert parse_iso_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "10D", "PT4H", "P1DT2H", "P1.5D", "-P1D", "P1D2M", "ten days"])
def test_anything_else_is_refused_with_the_accepted_forms_named(text: str) -> None:
    with pytest.raises(ValueError, match="such as P10D"):
        parse_iso_duration(text)


@given(years=st.integers(0, 5), months=st.integers(0, 24), weeks=st.integers(0, 10), days=st.integers(0, 400))
def test_duration_prints_back_to_the_same_value(years: int, months: int, weeks: int, days: int) -> None:
    duration = IsoDuration(years=years, months=months, weeks=weeks, days=days)
    assert parse_iso_duration(str(duration)) == duration


# --- adding ----------------------------------------------------------------------------------------


def test_calendar_days_and_months() -> None:
    assert add_duration(date(2024, 3, 20), "P10D", unit="calendar") == date(2024, 3, 30)
    assert add_duration(date(2024, 1, 31), "P1M", unit="calendar") == date(2024, 2, 29)
    assert add_duration(date(2024, 2, 29), "P1Y", unit="calendar") == date(2025, 2, 28)
    assert add_duration(date(2024, 6, 3), "P2W", unit="calendar") == date(2024, 6, 17)


@pytest.mark.django_db
def test_business_days_skip_weekends_and_holidays() -> None:
    # Wed 20 Mar 2024 + 3 business days: Nauryz 21–25 March is off, so Tue 26, Wed 27, Thu 28.
    assert add_duration(date(2024, 3, 20), "P3D", unit="business") == date(2024, 3, 28)


@pytest.mark.django_db
def test_business_month_landing_on_a_day_off_moves_to_the_next_business_day() -> None:
    # 16 Nov + 1 month = Mon 16 Dec 2024, Independence Day → Tue 17 Dec.
    assert add_duration(date(2024, 11, 16), "P1M", unit="business") == date(2024, 12, 17)
    assert add_duration(date(2024, 11, 16), "P1M", unit="calendar") == date(2024, 12, 16)


@pytest.mark.django_db
def test_datetime_keeps_its_local_time_and_counts_on_the_local_calendar(settings: Settings) -> None:
    settings.TIME_ZONE = "Asia/Almaty"
    # 20:00 UTC on Friday 14 June is already Saturday in Almaty: one business day is Monday.
    start = datetime(2024, 6, 14, 20, 0, tzinfo=UTC)
    end = add_duration(start, "P1D", unit="business")
    assert end == datetime(2024, 6, 17, 1, 0, tzinfo=ALMATY)
    assert end.tzinfo is not None


def test_wall_clock_time_survives_a_daylight_saving_change(settings: Settings) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    end = add_duration(datetime(2024, 3, 30, 9, 0, tzinfo=berlin), "P1D", unit="calendar")
    assert (end.hour, end.utcoffset()) == (9, datetime(2024, 3, 31, 12, tzinfo=berlin).utcoffset())


def test_naive_datetimes_and_unknown_units_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_duration(datetime(2024, 6, 14, 9, 0), "P1D", unit="calendar")  # noqa: DTZ001
    with pytest.raises(ValueError, match="unit must be one of"):
        add_duration(date(2024, 6, 14), "P1D", unit="working")


# --- describing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "words"),
    [
        ("P10D", "business", "10 business days"),
        ("P1D", "business", "1 business day"),
        ("P30D", "calendar", "30 calendar days"),
        ("P1M", "business", "1 month"),
        ("P2W", "calendar", "2 weeks"),
        ("P1Y2M", "calendar", "1 year and 2 months"),
        ("P1Y2M10D", "business", "1 year, 2 months and 10 business days"),
        ("P0D", "business", "0 business days"),
        ("", "business", ""),
    ],
)
def test_durations_are_described_in_plain_words(value: str, unit: str, words: str) -> None:
    assert describe_duration(value, unit) == words


def test_duration_filter_describes_and_never_raises() -> None:
    template = Template(
        "{% load onestop_format %}[{{ a|duration:'business' }}][{{ b|duration:'calendar' }}][{{ c|duration }}]"
    )
    with translation.override("en"):
        rendered = template.render(Context({"a": "P15D", "b": "nonsense", "c": None}))
    assert rendered == "[15 business days][nonsense][]"
