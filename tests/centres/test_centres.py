"""Centres: creation with services and hours, counters, services offered, opening times, admin audit."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from onestop.centres.models import Centre
from onestop.centres.selectors import centre_by_code, centres_offering, open_now
from onestop.centres.services import centre_create, centre_set_services, centre_update, counter_create
from onestop.core.models import AuditEvent
from tests.factories.catalog import RegionFactory, ServiceFactory
from tests.factories.centres import CentreFactory

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")


def _create(actor, **overrides):
    values = {
        "actor": actor,
        "code": "ALM-01",
        "name": {"en": "Almaty Central", "ru": "Алматы Центральный"},
        "kind": Centre.Kind.CENTRE,
        "region": RegionFactory(),
        "address": "1 Abai Avenue",
        "latitude": Decimal("43.2"),
        "longitude": Decimal("76.9"),
        "opening_hours": [(0, time(9), time(13)), (0, time(14), time(18))],
    }
    values.update(overrides)
    return centre_create(**values)


def test_centre_create_stores_translations_services_hours_and_audits(administrator):
    service = ServiceFactory()
    centre = _create(administrator, services=[service])

    assert centre.name_ru == "Алматы Центральный"
    assert list(centre.services.all()) == [service]
    assert centre.opening_hours.count() == 2
    event = AuditEvent.objects.get(action="centre.create")
    assert event.summary["after"]["services"] == [service.identifier]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "lower case"}, "code"),
        ({"latitude": Decimal("95")}, "latitude"),
        ({"name": {"ru": "Только русский"}}, "name"),
        ({"opening_hours": [(0, time(18), time(9))]}, "opening_hours"),
        ({"opening_hours": [(0, time(9), time(14)), (0, time(13), time(18))]}, "opening_hours"),
        ({"opening_hours": [(7, time(9), time(18))]}, "opening_hours"),
    ],
)
def test_centre_create_rejects_bad_input_naming_the_field(administrator, overrides, field):
    with pytest.raises(ValidationError) as exc:
        _create(administrator, **overrides)
    assert field in exc.value.message_dict
    assert not Centre.objects.exists()


def test_centre_update_audits_only_what_changed(administrator, centre_a):
    centre_update(
        actor=administrator, centre=centre_a, phone="+7 700 111 22 33", name={"en": "Centre A", "kk": "А"}
    )
    event = AuditEvent.objects.get(action="centre.update")
    assert set(event.summary["after"]) == {"phone", "name"}
    assert event.summary["after"]["name"]["kk"] == "А"


def test_counter_numbers_are_unique_within_a_centre(administrator, centre_a, centre_b):
    counter_create(actor=administrator, centre=centre_a, number=1)
    counter_create(actor=administrator, centre=centre_b, number=1)
    with pytest.raises(ValidationError):
        counter_create(actor=administrator, centre=centre_a, number=1)
    assert AuditEvent.objects.filter(action="counter.create").count() == 2


def test_centres_offering_lists_open_centres_that_offer_the_service(administrator, centre_a, centre_b):
    service = ServiceFactory()
    closed = CentreFactory(closed=True, services=[service])
    centre_set_services(actor=administrator, centre=centre_a, services=[service])

    assert list(centres_offering(service)) == [centre_a]
    assert closed.services.filter(pk=service.pk).exists()
    assert AuditEvent.objects.get(action="centre.set_services").summary["after"] == {
        "services": [service.identifier]
    }


def test_centre_by_code_forgives_lower_case(centre_a):
    assert centre_by_code("centre-a") == centre_a
    with pytest.raises(Centre.DoesNotExist):
        centre_by_code("NOPE")


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 3, 9, 9, 0, tzinfo=ALMATY), True),  # Monday, opening minute
        (datetime(2026, 3, 9, 13, 30, tzinfo=ALMATY), False),  # lunch break
        (datetime(2026, 3, 9, 18, 0, tzinfo=ALMATY), False),  # closing minute
        (datetime(2026, 3, 13, 17, 59, tzinfo=ALMATY), True),  # Friday
        (datetime(2026, 3, 14, 11, 0, tzinfo=ALMATY), False),  # Saturday
        (datetime(2026, 3, 9, 4, 30, tzinfo=ZoneInfo("UTC")), True),  # 09:30 in Almaty (UTC+5)
        (datetime(2026, 3, 9, 3, 30, tzinfo=ZoneInfo("UTC")), False),  # 08:30 in Almaty
    ],
)
def test_open_now_follows_the_opening_hours_in_local_time(centre_a, moment, is_open):
    assert open_now(centre_a, moment) is is_open


def test_closed_centre_is_never_open(db):
    centre = CentreFactory(open_weekdays=True, closed=True)
    assert not open_now(centre, datetime(2026, 3, 9, 10, 0, tzinfo=ALMATY))


def test_admin_change_of_a_centre_is_audited_with_its_services(client, administrator, centre_a):
    service = ServiceFactory()
    client.force_login(administrator)
    url = reverse("admin:centres_centre_change", args=[centre_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value) for name, value in form.initial.items() if name != "services"
    }
    data.update(
        {
            "region": centre_a.region_id,
            "services": [service.pk],
            "is_active": "on",
            "opening_hours-TOTAL_FORMS": "0",
            "opening_hours-INITIAL_FORMS": "0",
            "counters-TOTAL_FORMS": "1",
            "counters-INITIAL_FORMS": "0",
            "counters-0-number": "3",
            "counters-0-label": "Counter 3",
            "counters-0-is_active": "on",
        }
    )
    data = {k: v for k, v in data.items() if v is not False and not k.startswith("weekday")}
    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    event = AuditEvent.objects.get(action="centre.update", target_id=str(centre_a.pk))
    assert event.summary["after"]["services"] == [service.identifier]
    assert event.summary["after"]["counters"] == [[3, "Counter 3", True]]
    assert event.summary["before"]["counters"] == []
