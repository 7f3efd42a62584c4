"""Factories for the catalogue: regions, agencies, life events, evidence types, outputs, legal
resources and services.

``ServiceFactory()`` is an active service offered at the counter; traits: ``online=True`` (adds the
online channel), ``with_fees=True`` (a fee with a 100 % exemption for people with disabilities),
``with_evidence=True`` (one document the citizen brings and one the state fetches), ``draft=True``.
``ServiceFactory(life_events=[...], channels=["online"], outputs=[...], legal_resources=[...])``
sets those relations; ``channels=[]`` gives a service with no channel at all.

Translated fields follow the centres factories: pass ``name="…"`` and it lands in ``name_en``; pass
``name_ru=…``/``name_kk=…`` for other languages.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from onestop.catalog.models import (
    Agency,
    EvidenceType,
    Fee,
    FeeExemption,
    LegalResource,
    LifeEvent,
    Output,
    Service,
    ServiceChannel,
    ServiceEvidence,
)
from onestop.core.models import Region


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")
    name_en = factory.SelfAttribute("name")


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Agency {n}")
    name_en = factory.SelfAttribute("name")
    description = ""
    level = Agency.Level.NATIONAL


class LifeEventFactory(DjangoModelFactory):
    class Meta:
        model = LifeEvent
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"life-event-{n}")
    name = factory.Sequence(lambda n: f"Life event {n}")
    name_en = factory.SelfAttribute("name")
    audience = LifeEvent.Audience.PERSON
    position = factory.Sequence(lambda n: n)


class EvidenceTypeFactory(DjangoModelFactory):
    class Meta:
        model = EvidenceType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"evidence-{n}")
    name = factory.Sequence(lambda n: f"Evidence {n}")
    name_en = factory.SelfAttribute("name")
    exchange_service = ""

    class Params:
        # Held by a registry: the state fetches it through the exchange; the citizen brings nothing.
        fetched = factory.Trait(
            exchange_service=factory.LazyAttribute(lambda o: f"GOV/70000001/registry/{o.code}"),
        )


class OutputFactory(DjangoModelFactory):
    class Meta:
        model = Output
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"output-{n}")
    name = factory.Sequence(lambda n: f"Certificate {n}")
    name_en = factory.SelfAttribute("name")
    kind = Output.Kind.CERTIFICATE
    validity = ""


class LegalResourceFactory(DjangoModelFactory):
    class Meta:
        model = LegalResource
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"law-{n}")
    title = factory.Sequence(lambda n: f"Law No. {n}")
    title_en = factory.SelfAttribute("title")
    url = factory.Sequence(lambda n: f"https://laws.example/{n}")


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    identifier = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    name_en = factory.SelfAttribute("name")
    description = ""
    keywords = ""
    agency = factory.SubFactory(AgencyFactory)
    statutory_time = "P10D"
    statutory_time_unit = "business"
    target_time = "P5D"
    target_time_unit = "business"
    status = Service.Status.ACTIVE
    popularity = 0

    class Params:
        draft = factory.Trait(status=Service.Status.DRAFT)
        online = factory.Trait(
            online_channel=factory.RelatedFactory(
                "tests.factories.catalog.ServiceChannelFactory", factory_related_name="service", kind="online"
            )
        )
        with_fees = factory.Trait(
            fee=factory.RelatedFactory(
                "tests.factories.catalog.FeeFactory", factory_related_name="service", exempt=True
            )
        )
        with_evidence = factory.Trait(
            supplied_evidence=factory.RelatedFactory(
                "tests.factories.catalog.ServiceEvidenceFactory", factory_related_name="service", position=0
            ),
            fetched_evidence=factory.RelatedFactory(
                "tests.factories.catalog.ServiceEvidenceFactory",
                factory_related_name="service",
                position=1,
                evidence_type__fetched=True,
            ),
        )

    @factory.post_generation
    def channels(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create:
            return
        kinds = ["counter"] if extracted is None else list(extracted)
        for kind in kinds:
            ServiceChannel.objects.get_or_create(service=self, kind=kind)

    @factory.post_generation
    def life_events(self, create: bool, extracted: list[LifeEvent] | None, **kwargs: object) -> None:
        if create and extracted:
            self.life_events.set(extracted)

    @factory.post_generation
    def outputs(self, create: bool, extracted: list[Output] | None, **kwargs: object) -> None:
        if create and extracted:
            self.outputs.set(extracted)

    @factory.post_generation
    def legal_resources(self, create: bool, extracted: list[LegalResource] | None, **kwargs: object) -> None:
        if create and extracted:
            self.legal_resources.set(extracted)


class ServiceChannelFactory(DjangoModelFactory):
    class Meta:
        model = ServiceChannel
        django_get_or_create = ("service", "kind")

    service = factory.SubFactory(ServiceFactory)
    kind = ServiceChannel.Kind.COUNTER


class ServiceEvidenceFactory(DjangoModelFactory):
    class Meta:
        model = ServiceEvidence

    service = factory.SubFactory(ServiceFactory)
    evidence_type = factory.SubFactory(EvidenceTypeFactory)
    required = True
    note = ""
    position = 0


class FeeFactory(DjangoModelFactory):
    class Meta:
        model = Fee
        skip_postgeneration_save = True

    service = factory.SubFactory(ServiceFactory)
    label = "State duty"
    label_en = factory.SelfAttribute("label")
    amount = Decimal("1476.00")
    currency = "KZT"

    class Params:
        exempt = factory.Trait(
            exemption=factory.RelatedFactory(
                "tests.factories.catalog.FeeExemptionFactory", factory_related_name="fee"
            )
        )


class FeeExemptionFactory(DjangoModelFactory):
    class Meta:
        model = FeeExemption

    fee = factory.SubFactory(FeeFactory)
    group = "disability"
    description = "People with disabilities"
    description_en = factory.SelfAttribute("description")
    discount_percent = 100
