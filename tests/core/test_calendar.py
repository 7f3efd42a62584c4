"""Business calendar: statutory holidays from the ``holidays`` package, overrides that win, the
cache that follows overrides (and forgets rolled-back ones), and the override/region services and
admin screens, which audit every change."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from onestop.core import calendar
from onestop.core.admin_calendar import CalendarOverrideAdmin, RegionAdmin
from onestop.core.audit import SystemActor
from onestop.core.calendar import add_business_days, business_days_between, is_business_day, next_business_day
from onestop.core.models import AuditEvent, CalendarOverride, Region
from onestop.core.services import (
    calendar_override_delete,
    calendar_override_set,
    region_create,
    region_update,
)

pytestmark = pytest.mark.django_db

ACTOR = SystemActor("test")
HOLIDAY = CalendarOverride.Kind.HOLIDAY
WORKING_DAY = CalendarOverride.Kind.WORKING_DAY


# --- the statutory calendar -------------------------------------------------------------------------


def test_ordinary_weekdays_are_business_days_and_weekends_are_not() -> None:
    assert is_business_day(date(2024, 6, 12), country="KZ")  # Wednesday
    assert not is_business_day(date(2024, 6, 15), country="KZ")  # Saturday
    assert not is_business_day(date(2024, 6, 16), country="KZ")  # Sunday


def test_kazakh_public_holidays_and_transferred_days_off_are_not_business_days() -> None:
    assert not is_business_day(date(2024, 3, 21), country="KZ")  # Nauryz
    assert not is_business_day(date(2024, 12, 16), country="KZ")  # Independence Day
    assert not is_business_day(date(2024, 5, 8), country="KZ")  # day off moved from Saturday 4 May


def test_saturday_declared_working_by_decree_is_a_business_day() -> None:
    assert is_business_day(date(2024, 5, 4), country="KZ")


def test_georgian_holidays_apply_when_the_country_is_georgia() -> None:
    assert not is_business_day(date(2025, 1, 7), country="GE")  # Orthodox Christmas, a Tuesday
    assert not is_business_day(date(2025, 1, 7), country="KZ")  # also Orthodox Christmas in KZ
    assert not is_business_day(date(2025, 5, 26), country="GE")  # Independence Day, a Monday
    assert is_business_day(date(2025, 5, 26), country="KZ")


def test_deployment_country_is_the_default(settings: Settings) -> None:
    settings.ONESTOP_COUNTRY = "GE"
    assert not is_business_day(date(2025, 5, 26))
    settings.ONESTOP_COUNTRY = "KZ"
    assert is_business_day(date(2025, 5, 26))


def test_country_unknown_to_the_holidays_package_has_a_saturday_sunday_weekend() -> None:
    assert is_business_day(date(2024, 12, 25), country="QQ")
    assert not is_business_day(date(2024, 12, 28), country="QQ")


# --- counting ---------------------------------------------------------------------------------------


def test_adding_business_days_skips_the_may_holidays() -> None:
    # Friday 3 May 2024 → Sat 4 (working), Mon 6, [Tue 7, Wed 8, Thu 9 off], Fri 10.
    assert add_business_days(date(2024, 5, 3), 1, country="KZ") == date(2024, 5, 4)
    assert add_business_days(date(2024, 5, 3), 3, country="KZ") == date(2024, 5, 10)


def test_start_day_is_not_counted_even_when_it_is_a_day_off() -> None:
    assert add_business_days(date(2024, 6, 15), 1, country="KZ") == date(2024, 6, 17)  # Sat → Mon
    assert add_business_days(date(2024, 6, 14), 1, country="KZ") == date(2024, 6, 17)  # Fri → Mon
    assert add_business_days(date(2024, 6, 15), 0, country="KZ") == date(2024, 6, 15)


def test_negative_days_count_backwards() -> None:
    assert add_business_days(date(2024, 5, 10), -3, country="KZ") == date(2024, 5, 3)


def test_counting_crosses_the_new_year() -> None:
    # Tue 31 Dec 2024; 1–2 Jan New Year; Fri 3 Jan off, moved from Sunday 5 Jan, which is worked.
    assert add_business_days(date(2024, 12, 31), 1, country="KZ") == date(2025, 1, 5)
    assert business_days_between(date(2024, 12, 30), date(2025, 1, 6), country="KZ") == 3


def test_business_days_between_counts_after_start_up_to_end() -> None:
    assert business_days_between(date(2024, 6, 10), date(2024, 6, 14), country="KZ") == 4
    # Backwards: the business days from ``end`` up to but not including ``start`` (10–13 June).
    assert business_days_between(date(2024, 6, 14), date(2024, 6, 10), country="KZ") == -4
    assert business_days_between(date(2024, 6, 10), date(2024, 6, 10), country="KZ") == 0


def test_next_business_day_is_strictly_after() -> None:
    assert next_business_day(date(2024, 6, 12), country="KZ") == date(2024, 6, 13)
    assert next_business_day(date(2024, 3, 20), country="KZ") == date(2024, 3, 26)  # Nauryz 21–25


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None)
@given(start=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)), days=st.integers(-40, 40))
def test_adding_then_counting_gives_back_the_number_of_days(start: date, days: int) -> None:
    end = add_business_days(start, days, country="KZ")
    assert business_days_between(start, end, country="KZ") == days
    if days:
        assert is_business_day(end, country="KZ")


# --- overrides --------------------------------------------------------------------------------------


def test_override_makes_an_ordinary_weekday_a_day_off() -> None:
    day = date(2024, 6, 12)
    assert is_business_day(day, country="KZ")  # cached now
    calendar_override_set(actor=ACTOR, country="KZ", date=day, kind=HOLIDAY, name="Decree 123")
    assert not is_business_day(day, country="KZ")
    assert add_business_days(date(2024, 6, 11), 1, country="KZ") == date(2024, 6, 13)


def test_override_wins_over_a_statutory_holiday_and_the_weekend() -> None:
    calendar_override_set(actor=ACTOR, country="KZ", date=date(2024, 12, 16), kind=WORKING_DAY)
    calendar_override_set(actor=ACTOR, country="KZ", date=date(2024, 6, 15), kind=WORKING_DAY)
    assert is_business_day(date(2024, 12, 16), country="KZ")
    assert is_business_day(date(2024, 6, 15), country="KZ")


def test_override_can_cancel_a_working_saturday_of_the_package() -> None:
    calendar_override_set(actor=ACTOR, country="KZ", date=date(2024, 5, 4), kind=HOLIDAY)
    assert not is_business_day(date(2024, 5, 4), country="KZ")


def test_override_applies_to_its_country_only() -> None:
    calendar_override_set(actor=ACTOR, country="GE", date=date(2024, 6, 12), kind=HOLIDAY)
    assert is_business_day(date(2024, 6, 12), country="KZ")
    assert not is_business_day(date(2024, 6, 12), country="GE")


def test_deleting_an_override_restores_the_statutory_day() -> None:
    override = calendar_override_set(actor=ACTOR, country="KZ", date=date(2024, 6, 12), kind=HOLIDAY)
    assert not is_business_day(date(2024, 6, 12), country="KZ")
    calendar_override_delete(actor=ACTOR, override=override, reason="decree withdrawn")
    assert is_business_day(date(2024, 6, 12), country="KZ")
    assert not CalendarOverride.objects.exists()


def test_setting_the_same_day_again_replaces_the_override() -> None:
    calendar_override_set(actor=ACTOR, country="kz", date=date(2024, 6, 15), kind=WORKING_DAY)
    calendar_override_set(actor=ACTOR, country="KZ", date=date(2024, 6, 15), kind=HOLIDAY, name="changed")
    assert CalendarOverride.objects.get().kind == HOLIDAY
    assert not is_business_day(date(2024, 6, 15), country="KZ")


def test_rolled_back_override_is_not_remembered_by_the_cache() -> None:
    day = date(2024, 6, 12)
    with pytest.raises(RuntimeError), transaction.atomic():
        calendar_override_set(actor=ACTOR, country="KZ", date=day, kind=HOLIDAY)
        assert not is_business_day(day, country="KZ")
        raise RuntimeError("the surrounding work failed")
    assert not CalendarOverride.objects.exists()
    assert is_business_day(day, country="KZ")


def test_committed_override_reaches_the_shared_cache(django_capture_on_commit_callbacks: Any) -> None:
    day = date(2024, 6, 12)
    assert is_business_day(day, country="KZ")
    with django_capture_on_commit_callbacks(execute=True):
        calendar_override_set(actor=ACTOR, country="KZ", date=day, kind=HOLIDAY)
    # Once committed, the year is cached again, with the override: what other processes read.
    assert not is_business_day(day, country="KZ")
    cached = cache.get("onestop:calendar:KZ:2024", version=1)
    assert isinstance(cached, calendar.YearCalendar)
    assert day in cached.days_off


def test_year_without_business_days_raises_instead_of_hanging() -> None:
    start = date(2030, 1, 1)
    for offset in range(400):
        CalendarOverride.objects.create(country="KZ", date=start + timedelta(days=offset), kind=HOLIDAY)
    calendar.invalidate("KZ", 2030)
    calendar.invalidate("KZ", 2031)
    with pytest.raises(ValueError, match="no business day"):
        add_business_days(start, 1, country="KZ")


# --- services: validation and audit ---------------------------------------------------------------


def test_override_set_and_delete_are_audited() -> None:
    override = calendar_override_set(
        actor=ACTOR, country="KZ", date=date(2024, 6, 12), kind=HOLIDAY, name="Decree"
    )
    calendar_override_delete(actor=ACTOR, override=override, reason="withdrawn")
    events = list(AuditEvent.objects.filter(target_type="core.calendaroverride").order_by("id"))
    assert [e.action for e in events] == ["calendar_override.set", "calendar_override.delete"]
    assert events[0].summary["after"] == {
        "country": "KZ",
        "date": "2024-06-12",
        "kind": "holiday",
        "name": "Decree",
    }
    assert events[1].summary["reason"] == "withdrawn"
    assert events[0].actor_label == "test"


def test_override_refuses_a_country_that_is_not_an_iso_code() -> None:
    with pytest.raises(ValidationError) as info:
        calendar_override_set(actor=ACTOR, country="KAZ", date=date(2024, 6, 12), kind=HOLIDAY)
    assert "country" in info.value.message_dict


def test_override_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValidationError) as info:
        calendar_override_set(actor=ACTOR, country="KZ", date=date(2024, 6, 12), kind="half_day")
    assert "kind" in info.value.message_dict


def test_region_create_stores_every_language_and_is_audited() -> None:
    region = region_create(actor=ACTOR, code="almaty", name={"en": "Almaty", "ru": "Алматы", "kk": "Алматы"})
    region.refresh_from_db()
    assert (region.name_en, region.name_ru, region.name_kk) == ("Almaty", "Алматы", "Алматы")
    event = AuditEvent.objects.get(action="region.create")
    assert event.summary["after"] == {
        "code": "almaty",
        "name": {"en": "Almaty", "ru": "Алматы", "kk": "Алматы"},
    }


def test_region_needs_an_english_name_and_a_slug_code() -> None:
    with pytest.raises(ValidationError) as info:
        region_create(actor=ACTOR, code="astana", name={"ru": "Астана"})
    assert "name" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        region_create(actor=ACTOR, code="not a slug", name="Astana")
    assert "code" in info.value.message_dict
    assert not Region.objects.exists()


def test_region_update_records_before_and_after() -> None:
    region = region_create(actor=ACTOR, code="astana", name="Astana")
    region_update(actor=ACTOR, region=region, name={"en": "Astana", "kk": "Астана"})
    event = AuditEvent.objects.get(action="region.update")
    assert event.summary["before"]["name"] == {"en": "Astana"}
    assert event.summary["after"]["name"] == {"en": "Astana", "kk": "Астана"}


# --- admin screens save through the services -----------------------------------------------------


@pytest.fixture
def admin_request(rf: RequestFactory) -> object:
    request = rf.post("/admin/")
    request.user = get_user_model().objects.create_superuser("root", "root@example.org", "a-long-password-1")
    return request


def test_admin_saving_an_override_goes_through_the_service(admin_request: object) -> None:
    model_admin = CalendarOverrideAdmin(CalendarOverride, admin.site)
    obj = CalendarOverride(country="kz", date=date(2024, 6, 12), kind=HOLIDAY, name="Decree")
    model_admin.save_model(admin_request, obj, form=None, change=False)
    assert obj.pk is not None
    assert not is_business_day(date(2024, 6, 12), country="KZ")
    event = AuditEvent.objects.get(action="calendar_override.set")
    assert event.actor_label == "root"


def test_admin_moving_an_override_frees_the_old_day(admin_request: object) -> None:
    model_admin = CalendarOverrideAdmin(CalendarOverride, admin.site)
    override = calendar_override_set(actor=ACTOR, country="KZ", date=date(2024, 6, 12), kind=HOLIDAY)
    override.date = date(2024, 6, 13)
    model_admin.save_model(admin_request, override, form=None, change=True)
    assert is_business_day(date(2024, 6, 12), country="KZ")
    assert not is_business_day(date(2024, 6, 13), country="KZ")
    assert list(CalendarOverride.objects.values_list("date", flat=True)) == [date(2024, 6, 13)]


def test_admin_bulk_delete_is_audited_per_override(admin_request: object) -> None:
    model_admin = CalendarOverrideAdmin(CalendarOverride, admin.site)
    for day in (12, 13):
        calendar_override_set(actor=ACTOR, country="KZ", date=date(2024, 6, day), kind=HOLIDAY)
    model_admin.delete_queryset(admin_request, CalendarOverride.objects.all())
    assert AuditEvent.objects.filter(action="calendar_override.delete").count() == 2
    assert is_business_day(date(2024, 6, 13), country="KZ")


def test_admin_saving_a_region_goes_through_the_service(admin_request: object) -> None:
    model_admin = RegionAdmin(Region, admin.site)
    region = Region(code="shymkent", name_en="Shymkent", name_kk="Шымкент")
    model_admin.save_model(admin_request, region, form=None, change=False)
    assert Region.objects.get(pk=region.pk).name_kk == "Шымкент"
    assert AuditEvent.objects.get(action="region.create").actor_label == "root"


def test_admin_add_form_creates_an_audited_override(client: Any, admin_request: Any) -> None:
    client.force_login(admin_request.user)
    response = client.post(
        "/admin/core/calendaroverride/add/",
        {"country": "KZ", "date": "2024-06-12", "kind": "holiday", "name": "Decree 7"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not is_business_day(date(2024, 6, 12), country="KZ")
    assert AuditEvent.objects.get(action="calendar_override.set").actor_label == "root"


def test_admin_region_pages_offer_every_language_and_save_through_the_service(
    client: Any, admin_request: Any
) -> None:
    client.force_login(admin_request.user)
    page = client.get("/admin/core/region/add/")
    assert page.status_code == 200
    for lang in ("en", "ru", "kk", "ka"):
        assert f'name="name_{lang}"' in page.content.decode()
    response = client.post(
        "/admin/core/region/add/",
        {"code": "abai", "name_en": "Abai", "name_ru": "Абай", "name_kk": "Абай", "name_ka": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Region.objects.get(code="abai").name_ru == "Абай"
    assert AuditEvent.objects.filter(action="region.create").count() == 1
