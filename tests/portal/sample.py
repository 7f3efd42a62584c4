"""A small catalogue a citizen can browse: a life event, agencies at every level, a fully described
service (fees, exemptions, fetched and supplied evidence, outputs, legal basis, centres) and a draft
that must stay invisible."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from onestop.catalog.models import Agency, LifeEvent, Service
from onestop.centres.models import Centre
from tests.factories.catalog import (
    AgencyFactory,
    EvidenceTypeFactory,
    FeeExemptionFactory,
    FeeFactory,
    LegalResourceFactory,
    LifeEventFactory,
    OutputFactory,
    RegionFactory,
    ServiceEvidenceFactory,
    ServiceFactory,
)
from tests.factories.centres import CentreFactory


@dataclass
class Catalogue:
    birth: LifeEvent
    moving: LifeEvent
    ministry: Agency
    akimat: Agency
    district: Agency
    registration: Service
    address: Service
    draft: Service
    centre: Centre
    other_centre: Centre
    closed_centre: Centre


def build_catalogue() -> Catalogue:
    almaty = RegionFactory(code="almaty", name="Almaty", name_kk="Алматы")
    astana = RegionFactory(code="astana", name="Astana", name_kk="Астана")
    birth = LifeEventFactory(
        code="birth",
        name="Having a child",
        name_kk="Баланың дүниеге келуі",
        description="Register the birth and claim benefits.",
        position=1,
    )
    moving = LifeEventFactory(code="moving", name="Moving home", position=2)
    LifeEventFactory(code="retiring", name="Retiring", position=3)  # no service yet
    ministry = AgencyFactory(
        code="justice",
        name="Ministry of Justice",
        name_kk="Әділет министрлігі",
        level=Agency.Level.NATIONAL,
        website="https://justice.example",
        email="info@justice.example",
        phone="+7 7172 00 00 00",
    )
    akimat = AgencyFactory(
        code="almaty-akimat", name="Almaty City Akimat", level=Agency.Level.REGIONAL, region=almaty
    )
    district = AgencyFactory(
        code="medeu", name="Medeu District Akimat", level=Agency.Level.LOCAL, region=almaty, parent=akimat
    )
    registration = ServiceFactory(
        identifier="birth-registration",
        name="Register a birth",
        name_kk="Баланың тууын тіркеу",
        description="Register your child's birth and get a birth certificate.",
        agency=ministry,
        statutory_time="P10D",
        statutory_time_unit="business",
        target_time="P1D",
        target_time_unit="calendar",
        popularity=900,
        life_events=[birth],
        channels=["counter", "online"],
        outputs=[OutputFactory(code="birth-certificate", name="Birth certificate", validity="")],
        legal_resources=[LegalResourceFactory(code="marriage-code", title="Code on Marriage and Family")],
    )
    ServiceEvidenceFactory(
        service=registration,
        position=0,
        evidence_type=EvidenceTypeFactory(
            code="medical-birth-record", name="Medical record of the birth", fetched=True
        ),
    )
    ServiceEvidenceFactory(
        service=registration,
        position=1,
        evidence_type=EvidenceTypeFactory(code="parent-id", name="Identity document of a parent"),
    )
    ServiceEvidenceFactory(
        service=registration,
        position=2,
        required=False,
        evidence_type=EvidenceTypeFactory(code="paternity-statement", name="Joint statement of paternity"),
    )
    fee = FeeFactory(service=registration, label="State duty", amount=Decimal("1476.00"), currency="KZT")
    FeeExemptionFactory(
        fee=fee, group="disability", description="People with disabilities", discount_percent=100
    )
    FeeExemptionFactory(fee=fee, group="large-family", description="Large families", discount_percent=50)
    address = ServiceFactory(
        identifier="address-registration",
        name="Register your address",
        keywords="residence propiska",
        agency=district,
        popularity=500,
        life_events=[moving],
        channels=["online"],
    )
    ServiceFactory(
        identifier="building-permit",
        name="Get a building permit",
        agency=akimat,
        popularity=10,
        channels=["counter"],
    )
    draft = ServiceFactory(
        identifier="secret-draft", name="Unpublished draft service", agency=ministry, draft=True
    )
    centre = CentreFactory(code="ALA-1", name="Almaty Centre No. 1", region=almaty, services=[registration])
    other_centre = CentreFactory(code="AST-1", name="Astana Centre No. 1", region=astana, services=[address])
    closed_centre = CentreFactory(
        code="ALA-9", name="Closed Centre", region=almaty, services=[registration], closed=True
    )
    return Catalogue(
        birth=birth,
        moving=moving,
        ministry=ministry,
        akimat=akimat,
        district=district,
        registration=registration,
        address=address,
        draft=draft,
        centre=centre,
        other_centre=other_centre,
        closed_centre=closed_centre,
    )
