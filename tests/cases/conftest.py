"""Back-office personas: one agency with two officers and its head, a service with a form and two
pieces of evidence (one the state fetches, one the citizen uploads), and a citizen who signs in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onestop.catalog.models import Agency, EvidenceType, Service, ServiceFormField
from onestop.people.models import Citizen, Role, User
from tests.factories.cases import OfficerProfileFactory, ServiceFormFieldFactory
from tests.factories.catalog import AgencyFactory, EvidenceTypeFactory, ServiceEvidenceFactory, ServiceFactory
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
