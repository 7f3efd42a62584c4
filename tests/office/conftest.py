"""Back-office view tests: the suite-wide personas (``officer_a``, ``officer_b``, ``head_a``) and the
back-office persona of tests/cases/conftest.py, plus a second officer of agency A and a service of
agency A counted in business days."""

from __future__ import annotations

import pytest

from onestop.catalog.models import Service
from onestop.people.models import Role, User
from tests.cases.conftest import *  # noqa: F403  (the back-office persona fixtures)
from tests.factories.catalog import ServiceFactory
from tests.factories.people import RoleMembershipFactory


@pytest.fixture
def other_officer_a(agency_a) -> User:
    membership = RoleMembershipFactory(user__username="officer_a2", role=Role.OFFICER, agency=agency_a)
    return membership.user


@pytest.fixture
def service_a(agency_a) -> Service:
    return ServiceFactory(agency=agency_a, name="Birth certificate", name_en="Birth certificate")


@pytest.fixture
def service_b(agency_b) -> Service:
    return ServiceFactory(agency=agency_b, name="Driving licence", name_en="Driving licence")
