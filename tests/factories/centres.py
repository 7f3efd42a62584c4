"""Factories for centres, their counters and opening hours.

``CentreFactory(open_weekdays=True)`` gives a centre open Monday–Friday 09:00–18:00 with a lunch
break; ``CentreFactory(services=[s1, s2])`` sets the services it offers.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from onestop.centres.models import Centre, Counter, OpeningHours
from tests.factories.catalog import RegionFactory


class CentreFactory(DjangoModelFactory):
    class Meta:
        model = Centre
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"C-{n:03d}")
    name = factory.Sequence(lambda n: f"Service centre {n}")
    name_en = factory.SelfAttribute("name")
    kind = Centre.Kind.CENTRE
    region = factory.SubFactory(RegionFactory)
    address = factory.Sequence(lambda n: f"{n} Abai Avenue")
    address_en = factory.SelfAttribute("address")
    latitude = Decimal("43.238949")
    longitude = Decimal("76.889709")
    phone = "+7 727 000 00 00"
    is_active = True

    class Params:
        open_weekdays = factory.Trait(
            weekday_hours=factory.RelatedFactoryList(
                "tests.factories.centres.OpeningHoursFactory",
                factory_related_name="centre",
                size=10,
                weekday=factory.Iterator([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]),
                opens=factory.Iterator([time(9), time(14)]),
                closes=factory.Iterator([time(13), time(18)]),
            )
        )
        closed = factory.Trait(is_active=False)

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class OpeningHoursFactory(DjangoModelFactory):
    class Meta:
        model = OpeningHours

    centre = factory.SubFactory(CentreFactory)
    weekday = OpeningHours.Weekday.MONDAY
    opens = time(9)
    closes = time(18)


class CounterFactory(DjangoModelFactory):
    class Meta:
        model = Counter

    centre = factory.SubFactory(CentreFactory)
    number = factory.Sequence(lambda n: n + 1)
    label = factory.LazyAttribute(lambda o: f"Counter {o.number}")
    is_active = True
