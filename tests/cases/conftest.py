"""Back-office personas: one agency with two officers and its head, a service with a form and two
pieces of evidence (one the state fetches, one the citizen uploads), and a citizen who signs in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onestop.catalog.models import Agency, EvidenceType, Service, ServiceFormField
from onestop.exchange import directory, registries
from onestop.exchange.models import DataService, Member, RegistryRecord
from onestop.people.models import Citizen, Role, User
from tests.factories.cases import OfficerProfileFactory, ServiceFormFieldFactory
from tests.factories.catalog import AgencyFactory, EvidenceTypeFactory, ServiceEvidenceFactory, ServiceFactory
from tests.factories.exchange import (
    AccessRightFactory,
    DataServiceFactory,
    MemberFactory,
    PurposeFactory,
    RegistryRecordFactory,
)
from tests.factories.people import CitizenFactory, RoleMembershipFactory, UserFactory


@dataclass
class BackOffice:
    agency: Agency
    officer_1: User
    officer_2: User
    head: User
    service: Service
    fields: list[ServiceFormField]
    fetched_evidence: EvidenceType
    uploaded_evidence: EvidenceType
    citizen: Citizen
    citizen_user: User

    @property
    def officers(self) -> list[User]:
        return [self.officer_1, self.officer_2]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Staff factories hash a password each; the real hasher costs seconds per persona."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def back_office(db) -> BackOffice:
    agency = AgencyFactory(code="justice", name="Ministry of Justice")

    def staff(username: str, role: Role) -> User:
        return RoleMembershipFactory(user__username=username, role=role, agency=agency).user

    officer_1 = staff("officer_1", Role.OFFICER)
    officer_2 = staff("officer_2", Role.OFFICER)
    head = staff("head", Role.AGENCY_HEAD)
    for officer in (officer_1, officer_2):
        OfficerProfileFactory(officer=officer)
    service = ServiceFactory(
        identifier="birth-certificate-copy",
        name="Copy of a birth certificate",
        agency=agency,
        statutory_time="P5D",
        statutory_time_unit="business",
        target_time="P3D",
        target_time_unit="business",
    )
    fields = [
        ServiceFormFieldFactory(service=service, key="child_name", label="Child's full name", position=0),
        ServiceFormFieldFactory(
            service=service,
            key="reason",
            label="Why you need it",
            kind=ServiceFormField.Kind.LONG_TEXT,
            required=False,
            position=1,
        ),
    ]
    fetched = EvidenceTypeFactory(code="birth-record", name="Birth record", fetched=True)
    uploaded = EvidenceTypeFactory(code="identity-document", name="Identity document")
    ServiceEvidenceFactory(service=service, evidence_type=uploaded, position=0)
    ServiceEvidenceFactory(service=service, evidence_type=fetched, position=1)
    citizen_user = UserFactory(username="dana")
    citizen = CitizenFactory(given_name="Dana", family_name="Abenova", user=citizen_user)
    return BackOffice(
        agency=agency,
        officer_1=officer_1,
        officer_2=officer_2,
        head=head,
        service=service,
        fields=fields,
        fetched_evidence=fetched,
        uploaded_evidence=uploaded,
        citizen=citizen,
        citizen_user=citizen_user,
    )


# --- Once-only evidence through the data exchange ---------------------------------------------------

ONCE_CIVIL = "test.once-only.civil-person"
ONCE_ADDRESS = "test.once-only.registered-address"
#: Set a handler's name in here to make that registry fail (a registry that is down).
ONCE_DOWN: set[str] = set()


def _once_record(registry: str, request: registries.RegistryRequest) -> registries.RegistryResponse:
    if registry in ONCE_DOWN:
        raise ConnectionError(f"{registry} database unreachable")
    record = RegistryRecord.objects.filter(registry=registry, subject=request.subject).first()
    if record is None:
        return registries.RegistryResponse(404, {"detail": "no record of this person"})
    return registries.RegistryResponse(200, record.data)


@pytest.fixture
def once_only_handlers():
    """Two test registry functions answering from ``RegistryRecord`` rows (registries
    ``test-civil`` and ``test-address``); removed again afterwards."""
    handlers = {
        ONCE_CIVIL: lambda request: _once_record("test-civil", request),
        ONCE_ADDRESS: lambda request: _once_record("test-address", request),
    }
    before = {name: registries._handlers.get(name) for name in handlers}
    for name, fn in handlers.items():
        registries.register(name)(fn)
    ONCE_DOWN.clear()
    yield handlers
    ONCE_DOWN.clear()
    for name, old in before.items():
        if old is None:
            registries._handlers.pop(name, None)
        else:
            registries._handlers[name] = old


@dataclass
class OnceOnly:
    """A passport office whose two services need a civil record and a registered address, both
    held by registries of other agencies and reachable through the exchange."""

    agency: Agency  # the passport office (its back office fetches)
    civil_agency: Agency
    address_agency: Agency
    back_office_member: Member
    civil_member: Member
    address_member: Member
    civil_service: DataService
    address_service: DataService
    civil_evidence: EvidenceType
    address_evidence: EvidenceType
    passport: Service  # needs the civil record
    residence: Service  # needs the registered address
    citizen: Citizen
    citizen_user: User
    civil_data: dict
    address_data: dict

    def remove_record(self, registry: str) -> None:
        RegistryRecord.objects.filter(registry=registry, subject=self.citizen.national_id).delete()


def build_once_only(*, endpoint_url: str = "") -> OnceOnly:
    """The world of :class:`OnceOnly`; with ``endpoint_url`` the civil registry's service is
    reached over HTTP at that address (still served here by its handler)."""
    agency = AgencyFactory(code="passport-office", name="Passport Office")
    civil_agency = AgencyFactory(code="civil-registry-office", name="Civil Registry Office")
    address_agency = AgencyFactory(code="address-bureau", name="Address Bureau")
    back_office_member = MemberFactory(
        member_class="GOV", member_code="PASSPORT", subsystem_code="back-office", agency=agency
    )
    civil_member = MemberFactory(
        member_class="GOV", member_code="CIVIL", subsystem_code="civil-registry", agency=civil_agency
    )
    address_member = MemberFactory(
        member_class="GOV", member_code="ADDRESS", subsystem_code="address-registry", agency=address_agency
    )
    civil_service = DataServiceFactory(
        provider=civil_member,
        service_code="person-v1",
        name="Person record",
        handler=ONCE_CIVIL,
        endpoint_url=endpoint_url,
    )
    address_service = DataServiceFactory(
        provider=address_member,
        service_code="registered-address-v1",
        name="Registered address",
        handler=ONCE_ADDRESS,
    )
    delivery = PurposeFactory(code="service-delivery", needs_open_matter=True)
    AccessRightFactory(client=back_office_member, service=civil_service, purposes=[delivery])
    AccessRightFactory(client=back_office_member, service=address_service, purposes=[delivery])
    civil_evidence = EvidenceTypeFactory(
        code="civil-record", name="Civil record", exchange_service="GOV/CIVIL/civil-registry/person-v1"
    )
    address_evidence = EvidenceTypeFactory(
        code="registered-address",
        name="Registered address",
        exchange_service="GOV/ADDRESS/address-registry/registered-address-v1",
    )
    passport = ServiceFactory(identifier="passport-renewal", name="Passport renewal", agency=agency)
    residence = ServiceFactory(
        identifier="residence-certificate", name="Residence certificate", agency=agency
    )
    ServiceEvidenceFactory(service=passport, evidence_type=civil_evidence)
    ServiceEvidenceFactory(service=residence, evidence_type=address_evidence)
    citizen_user = UserFactory(username="aigerim")
    citizen = CitizenFactory(given_name="Aigerim", family_name="Seitkali", user=citizen_user)
    civil_data = {"national_id": citizen.national_id, "given_name": "Aigerim", "family_name": "Seitkali"}
    address_data = {"city": "Almaty", "street": "Abay avenue 10", "since": "2015-04-01"}
    RegistryRecordFactory(registry="test-civil", kind="person", subject=citizen.national_id, data=civil_data)
    RegistryRecordFactory(
        registry="test-address", kind="address", subject=citizen.national_id, data=address_data
    )
    directory.reset()
    return OnceOnly(
        agency=agency,
        civil_agency=civil_agency,
        address_agency=address_agency,
        back_office_member=back_office_member,
        civil_member=civil_member,
        address_member=address_member,
        civil_service=civil_service,
        address_service=address_service,
        civil_evidence=civil_evidence,
        address_evidence=address_evidence,
        passport=passport,
        residence=residence,
        citizen=citizen,
        citizen_user=citizen_user,
        civil_data=civil_data,
        address_data=address_data,
    )


@pytest.fixture
def once_only(db, settings, tmp_path, once_only_handlers) -> OnceOnly:
    """:class:`OnceOnly` with files stored under a temporary folder and no client-side retries
    (a failing registry fails at once)."""
    settings.MEDIA_ROOT = tmp_path
    settings.ONESTOP_EXCHANGE_RETRIES = 0
    return build_once_only()
