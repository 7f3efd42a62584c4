"""Persona fixtures shared by the whole suite (loaded by tests/conftest.py).

Two agencies (A, B) and two centres (A, B); one staff member per role, scoped to the "A" side unless
the name says otherwise; a citizen; and an outsider: a staff account that holds no role at all.
Every staff persona signs in with :data:`tests.factories.people.STAFF_PASSWORD`.
"""

from __future__ import annotations

import pytest

from onestop.catalog.models import Agency
from onestop.centres.models import Centre
from onestop.people.models import Citizen, Role, User
from tests.factories.catalog import AgencyFactory
from tests.factories.centres import CentreFactory
from tests.factories.people import CitizenFactory, RoleMembershipFactory, UserFactory


@pytest.fixture
def agency_a(db) -> Agency:
    return AgencyFactory(code="agency-a", name="Agency A")


@pytest.fixture
def agency_b(db) -> Agency:
    return AgencyFactory(code="agency-b", name="Agency B")


@pytest.fixture
def centre_a(db) -> Centre:
    return CentreFactory(code="CENTRE-A", name="Centre A", open_weekdays=True)


@pytest.fixture
def centre_b(db) -> Centre:
    return CentreFactory(code="CENTRE-B", name="Centre B", open_weekdays=True)


def _staff(username: str, role: Role, **scope: object) -> User:
    membership = RoleMembershipFactory(user__username=username, role=role, **scope)
    return membership.user


@pytest.fixture
def operator_a(centre_a) -> User:
    return _staff("operator_a", Role.OPERATOR, centre=centre_a)


@pytest.fixture
def manager_a(centre_a) -> User:
    return _staff("manager_a", Role.CENTRE_MANAGER, centre=centre_a)


@pytest.fixture
def officer_a(agency_a) -> User:
    return _staff("officer_a", Role.OFFICER, agency=agency_a)


@pytest.fixture
def officer_b(agency_b) -> User:
    return _staff("officer_b", Role.OFFICER, agency=agency_b)


@pytest.fixture
def head_a(agency_a) -> User:
    return _staff("head_a", Role.AGENCY_HEAD, agency=agency_a)


@pytest.fixture
def coordinator(db) -> User:
    return _staff("coordinator", Role.COORDINATOR)


@pytest.fixture
def administrator(db) -> User:
    # Django's admin site checks is_staff and permissions; the role is what OneStop checks.
    return _staff("administrator", Role.ADMINISTRATOR, user__is_staff=True, user__is_superuser=True)


@pytest.fixture
def auditor(db) -> User:
    return _staff("auditor", Role.AUDITOR)


@pytest.fixture
def outsider(db) -> User:
    return UserFactory(username="outsider")


@pytest.fixture
def citizen(db) -> Citizen:
    return CitizenFactory(given_name="Dana", family_name="Abenova")
