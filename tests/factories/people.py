"""Factories for staff users, role memberships and citizens.

Every staff user's password is :data:`STAFF_PASSWORD`, so tests can sign in as any of them.
``RoleMembershipFactory`` picks the scope its role needs (a centre, an agency or none); traits:
``expired=True`` (ended yesterday), ``future=True`` (starts tomorrow). ``CitizenFactory`` produces
valid national IDs through the deployment's validator, deterministically from the sequence.
"""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from onestop.people.models import AGENCY_ROLES, CENTRE_ROLES, Citizen, Role, RoleMembership, User
from tests.factories.catalog import AgencyFactory
from tests.factories.centres import CentreFactory

STAFF_PASSWORD = "Correct-Horse-Battery-42"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Sequence(lambda n: f"Aigerim{n}")
    last_name = "Nurlanova"
    email = factory.LazyAttribute(lambda o: f"{o.username}@onestop.example")
    password = factory.django.Password(STAFF_PASSWORD)
    is_active = True
    preferred_language = "en"

    class Params:
        inactive = factory.Trait(is_active=False)
        superuser = factory.Trait(is_staff=True, is_superuser=True)


def _today() -> date:
    return timezone.localdate()


class RoleMembershipFactory(DjangoModelFactory):
    class Meta:
        model = RoleMembership

    user = factory.SubFactory(UserFactory)
    role = Role.OPERATOR
    centre = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role in CENTRE_ROLES),
        yes_declaration=factory.SubFactory(CentreFactory),
        no_declaration=None,
    )
    agency = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role in AGENCY_ROLES),
        yes_declaration=factory.SubFactory(AgencyFactory),
        no_declaration=None,
    )
    valid_from = None
    valid_until = None

    class Params:
        expired = factory.Trait(
            valid_from=factory.LazyFunction(lambda: _today() - timedelta(days=365)),
            valid_until=factory.LazyFunction(lambda: _today() - timedelta(days=1)),
        )
        future = factory.Trait(valid_from=factory.LazyFunction(lambda: _today() + timedelta(days=1)))


def valid_national_id(n: int) -> tuple[str, date, str]:
    """A valid national ID for sequence number ``n``: (id, date of birth, sex). Deterministic; each
    ``n`` gets its own birth date, so ids never collide."""
    birth_date = date(1960, 1, 1) + timedelta(days=n % 20000)
    sex = Citizen.Sex.FEMALE if n % 2 else Citizen.Sex.MALE
    # Imported here so that this module (and every persona) loads even where no citizen is needed.
    from onestop.core.national_ids import get_validator

    validator = get_validator()
    # Not every serial has a valid check digit; the validator says so and we take the next one. The
    # serial also depends on n, for countries whose numbers do not encode the birth date.
    base = (n * 10) % 9990
    for serial in range(base, base + 10):
        try:
            return (
                validator.generate(birth_date=birth_date, sex=str(sex), serial=serial),
                birth_date,
                str(sex),
            )
        except ValueError:
            continue
    raise RuntimeError(f"no valid national ID for {birth_date}")


class CitizenFactory(DjangoModelFactory):
    class Meta:
        model = Citizen
        exclude = ("_identity",)

    _identity = factory.Sequence(valid_national_id)
    national_id = factory.LazyAttribute(lambda o: o._identity[0])
    date_of_birth = factory.LazyAttribute(lambda o: o._identity[1])
    sex = factory.LazyAttribute(lambda o: o._identity[2])
    given_name = factory.Sequence(lambda n: f"Dana{n}")
    family_name = "Abenova"
    patronymic = ""
    phone = factory.Sequence(lambda n: f"+7701{n:07d}")
    email = factory.LazyAttribute(lambda o: f"{o.given_name.lower()}@mail.example")
    preferred_language = "en"
