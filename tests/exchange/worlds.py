"""Worlds for the exchange's reader-facing tests: a small directory with a log helper (the data
tracker), and a passport office whose services need the real civil and address registries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from onestop.catalog.models import Agency, EvidenceType, Service
from onestop.centres.models import Centre
from onestop.exchange import directory
from onestop.exchange.log import LogRecord, exchange_log_append
from onestop.exchange.models import ExchangeLogEntry
from onestop.people.models import Citizen, Role, User
from tests.factories.catalog import AgencyFactory
from tests.factories.exchange import DataServiceFactory, MemberFactory, PurposeFactory
from tests.factories.people import CitizenFactory


class Directory:
    def __init__(self) -> None:
        self.civil_agency = AgencyFactory(code="civil-registry", name="Civil Registry Office", name_ru="ЗАГС")
        self.migration = AgencyFactory(
            code="migration", name="Migration Service", name_ru="Миграционная служба"
        )
        self.tax = AgencyFactory(code="tax", name="Tax Authority")
        self.civil = MemberFactory(
            member_code="CIVREG",
            subsystem_code="civil-registry",
            agency=self.civil_agency,
            name="Civil registry",
        )
        self.migration_client = MemberFactory(
            member_code="MIGRATION",
            subsystem_code="back-office",
            agency=self.migration,
            name="Migration back office",
        )
        self.tax_client = MemberFactory(
            member_code="TAX", subsystem_code="back-office", agency=self.tax, name="Tax back office"
        )
        self.person = DataServiceFactory(
            provider=self.civil,
            service_code="person-v1",
            name="Personal data",
            name_ru="Персональные данные",
            owner=self.civil_agency,
        )
        self.purpose = PurposeFactory(name_ru="Оказание госуслуги")


SUBJECT = "900101300123"


def log(
    d: Directory,
    *,
    subject: str = SUBJECT,
    side: str = "provider",
    client: str | None = None,
    service: str | None = None,
    status: int = 200,
    error_type: str = "",
    at: datetime | None = None,
    x_road_id: str | None = None,
    issue: str = "OS-260101-AAAAAA",
    purpose: str = "service-delivery",
    user_id: str = "KZ-STAFF-17",
    link: bool = True,
) -> ExchangeLogEntry:
    client_member = d.migration_client if client is None else None
    data_service = d.person if service is None else None
    return exchange_log_append(
        LogRecord(
            side=side,
            logged_by=d.civil.identifier if side == "provider" else (client or d.migration_client.identifier),
            x_road_id=x_road_id or str(uuid.uuid4()),
            request_id=str(uuid.uuid4()),
            client=client or d.migration_client.identifier,
            service=service or d.person.identifier,
            method="GET",
            path="/r1/DEV/GOV/CIVREG/civil-registry/person-v1",
            status=status,
            request_hash="hash",
            latency_ms=3.2,
            started_at=at or timezone.now(),
            client_member_id=client_member.pk if (client_member and link) else None,
            data_service_id=data_service.pk if (data_service and link) else None,
            user_id=user_id,
            issue=issue,
            purpose=purpose,
            subject=subject,
            error_type=error_type,
        )
    )


@dataclass
class PassportOffice:
    """A migration service whose passport renewal needs the civil registry's person record and the
    address registry's registered address, both fetched through the exchange from the built-in
    registries (``civil-registry.person``, ``address-registry.registered-address``); an optional
    old passport is uploaded. One officer works the cases; one citizen has records in both."""

    agency: Agency
    passport: Service
    person_evidence: EvidenceType
    address_evidence: EvidenceType
    officer: User
    citizen: Citizen
    citizen_user: User


def build_passport_office(*, centre: Centre | None = None) -> PassportOffice:
    from onestop.catalog.models import ServiceFormField
    from tests.factories.cases import OfficerProfileFactory, ServiceFormFieldFactory
    from tests.factories.catalog import EvidenceTypeFactory, ServiceEvidenceFactory, ServiceFactory
    from tests.factories.exchange import AccessRightFactory, RegistryRecordFactory
    from tests.factories.people import RoleMembershipFactory, UserFactory

    migration = AgencyFactory(code="migration-service", name="Migration Service")
    civil_agency = AgencyFactory(code="civil-registry", name="Civil Registry Office")
    address_agency = AgencyFactory(code="address-registry", name="Address Registry Office")
    back_office = MemberFactory(
        member_code="MIGRATION", subsystem_code="back-office", agency=migration, name="Migration back office"
    )
    civil = MemberFactory(member_code="CIVREG", subsystem_code="civil-registry", agency=civil_agency)
    address = MemberFactory(member_code="ADDR", subsystem_code="address-registry", agency=address_agency)
    person_service = DataServiceFactory(
        provider=civil,
        service_code="person-v1",
        name="Personal data",
        owner=civil_agency,
        handler="civil-registry.person",
    )
    address_service = DataServiceFactory(
        provider=address,
        service_code="registered-address-v1",
        name="Registered address",
        owner=address_agency,
        handler="address-registry.registered-address",
    )
    delivery = PurposeFactory()
    AccessRightFactory(client=back_office, service=person_service, purposes=[delivery])
    AccessRightFactory(client=back_office, service=address_service, purposes=[delivery])

    person_evidence = EvidenceTypeFactory(
        code="person-record",
        name="Personal data from the civil registry",
        exchange_service="GOV/CIVREG/civil-registry/person-v1",
    )
    address_evidence = EvidenceTypeFactory(
        code="registered-address",
        name="Registered address",
        exchange_service="GOV/ADDR/address-registry/registered-address-v1",
    )
    old_document = EvidenceTypeFactory(code="old-document", name="Your current passport")
    passport = ServiceFactory(
        identifier="passport",
        name="Passport for travel abroad",
        agency=migration,
        channels=["counter", "online"],
        statutory_time="P15D",
        statutory_time_unit="calendar",
    )
    ServiceFormFieldFactory(
        service=passport,
        key="issue_reason",
        label="Why do you need a new passport?",
        kind=ServiceFormField.Kind.TEXT,
        position=0,
    )
    ServiceEvidenceFactory(service=passport, evidence_type=person_evidence, position=0)
    ServiceEvidenceFactory(service=passport, evidence_type=address_evidence, position=1)
    ServiceEvidenceFactory(service=passport, evidence_type=old_document, position=2, required=False)
    if centre is not None:
        centre.services.add(passport)

    officer = RoleMembershipFactory(
        user__username="officer_migration", role=Role.OFFICER, agency=migration
    ).user
    OfficerProfileFactory(officer=officer)
    citizen_user = UserFactory(username="aigerim")
    citizen = CitizenFactory(given_name="Aigerim", family_name="Seitkali", user=citizen_user)
    RegistryRecordFactory(
        registry="civil-registry",
        kind="person",
        subject=citizen.national_id,
        data={
            "national_id": citizen.national_id,
            "given_name": "Aigerim",
            "family_name": "Seitkali",
            "patronymic": "",
            "sex": "F",
            "date_of_birth": citizen.date_of_birth.isoformat(),
            "place_of_birth": "Almaty",
            "citizenship": "KZ",
            "marital_status": "married",
            "status": "living",
            "date_of_death": None,
        },
    )
    RegistryRecordFactory(
        registry="address-registry",
        kind="address",
        subject=citizen.national_id,
        valid_from=date(2015, 4, 1),
        data={
            "kind": "permanent",
            "region": "Almaty",
            "locality": "Almaty",
            "street": "Abay avenue",
            "house": "10",
            "flat": "42",
            "postcode": "050000",
        },
    )
    directory.reset()
    return PassportOffice(
        agency=migration,
        passport=passport,
        person_evidence=person_evidence,
        address_evidence=address_evidence,
        officer=officer,
        citizen=citizen,
        citizen_user=citizen_user,
    )
