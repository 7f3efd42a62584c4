"""Who sees what: every role persona against every scope (agency A/B, centre A/B)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from onestop.catalog.models import Service
from onestop.centres.models import Counter
from onestop.people import scoping
from onestop.people.models import Role
from tests.factories.catalog import ServiceFactory
from tests.factories.centres import CounterFactory
from tests.factories.people import RoleMembershipFactory, UserFactory

# persona -> (agencies it sees, centres it sees)
EXPECTED = {
    "operator_a": (set(), {"centre_a"}),
    "manager_a": (set(), {"centre_a"}),
    "officer_a": ({"agency_a"}, set()),
    "officer_b": ({"agency_b"}, set()),
    "head_a": ({"agency_a"}, set()),
    "coordinator": ({"agency_a", "agency_b"}, {"centre_a", "centre_b"}),
    "administrator": ({"agency_a", "agency_b"}, {"centre_a", "centre_b"}),
    "auditor": ({"agency_a", "agency_b"}, {"centre_a", "centre_b"}),
    "outsider": (set(), set()),
}
SCOPES = ["agency_a", "agency_b", "centre_a", "centre_b"]


@pytest.fixture
def world(request, agency_a, agency_b, centre_a, centre_b):
    return {name: request.getfixturevalue(name) for name in SCOPES}


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_persona_sees_exactly_its_scope(request, world, persona, scope):
    user = request.getfixturevalue(persona)
    agencies, centres = EXPECTED[persona]
    obj = world[scope]
    if scope.startswith("agency"):
        seen = scoping.agencies_visible_to(user).filter(pk=obj.pk).exists()
        assert seen is (scope in agencies)
    else:
        seen = scoping.centres_visible_to(user).filter(pk=obj.pk).exists()
        assert seen is (scope in centres)


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_scoped_querysets_follow_the_same_rule(request, world, persona):
    user = request.getfixturevalue(persona)
    agencies, centres = EXPECTED[persona]
    services = {name: ServiceFactory(agency=world[name]) for name in ("agency_a", "agency_b")}
    counters = {name: CounterFactory(centre=world[name]) for name in ("centre_a", "centre_b")}

    visible_services = set(scoping.scope_to_agencies(Service.objects.all(), user))
    visible_counters = set(scoping.scope_to_centres(Counter.objects.all(), user))

    assert visible_services == {services[name] for name in agencies}
    assert visible_counters == {counters[name] for name in centres}


def test_scope_follows_a_related_path(world, officer_a):
    """Rows that reach the agency through a relation (here: a counter's centre) scope by path too."""
    counter_a = CounterFactory(centre=world["centre_a"])
    CounterFactory(centre=world["centre_b"])
    manager = RoleMembershipFactory(role=Role.CENTRE_MANAGER, centre=world["centre_a"]).user

    assert list(scoping.scope_to_centres(Counter.objects.all(), manager, field="centre__pk")) == [counter_a]
    assert list(scoping.scope_to_centres(Counter.objects.all(), officer_a)) == []


def test_officer_of_agency_a_sees_nothing_of_agency_b(world, officer_a):
    ServiceFactory(agency=world["agency_b"])
    assert not scoping.scope_to_agencies(Service.objects.all(), officer_a).exists()
    assert not scoping.has_role(officer_a, Role.OFFICER, agency=world["agency_b"])
    assert scoping.has_role(officer_a, Role.OFFICER, agency=world["agency_a"])


def test_operator_of_centre_a_sees_nothing_of_centre_b(world, operator_a):
    CounterFactory(centre=world["centre_b"])
    assert not scoping.scope_to_centres(Counter.objects.all(), operator_a).exists()
    assert not scoping.has_role(operator_a, Role.OPERATOR, centre=world["centre_b"])
    assert scoping.has_role(operator_a, Role.OPERATOR, centre=world["centre_a"])


def test_national_roles_cover_every_agency_and_centre(world, coordinator, auditor):
    assert scoping.has_role(coordinator, Role.COORDINATOR, agency=world["agency_b"])
    assert scoping.has_role(auditor, Role.AUDITOR, centre=world["centre_b"])
    assert not scoping.has_role(auditor, Role.COORDINATOR)


@pytest.mark.parametrize(
    ("persona", "roles"),
    [
        ("operator_a", {"operator"}),
        ("officer_b", {"officer"}),
        ("coordinator", {"coordinator"}),
        ("outsider", set()),
    ],
)
def test_roles_of_lists_roles_in_force(request, persona, roles):
    assert scoping.roles_of(request.getfixturevalue(persona)) == roles


@pytest.mark.parametrize("when", ["expired", "future"])
def test_membership_out_of_its_dates_gives_nothing(world, when):
    membership = RoleMembershipFactory(role=Role.OFFICER, agency=world["agency_a"], **{when: True})
    user = membership.user

    assert not scoping.agencies_visible_to(user).exists()
    assert not scoping.has_role(user, Role.OFFICER)
    assert scoping.roles_of(user) == set()


def test_expired_national_membership_does_not_see_everything(world):
    user = RoleMembershipFactory(role=Role.COORDINATOR, expired=True).user
    assert not scoping.agencies_visible_to(user).exists()
    assert not scoping.centres_visible_to(user).exists()


def test_membership_counts_on_its_first_and_last_day(world, time_machine):
    time_machine.move_to("2026-03-10 12:00:00+05:00")
    user = RoleMembershipFactory(
        role=Role.OPERATOR,
        centre=world["centre_a"],
        valid_from=date(2026, 3, 10),
        valid_until=date(2026, 3, 11),
    ).user
    assert scoping.has_role(user, Role.OPERATOR)
    time_machine.move_to("2026-03-11 23:00:00+05:00")
    assert scoping.has_role(user, Role.OPERATOR)
    time_machine.move_to("2026-03-12 00:30:00+05:00")
    assert not scoping.has_role(user, Role.OPERATOR)


def test_inactive_account_sees_nothing(world, officer_a):
    officer_a.is_active = False
    officer_a.save()
    assert not scoping.agencies_visible_to(officer_a).exists()


def test_anonymous_user_sees_nothing(world):
    assert not scoping.centres_visible_to(AnonymousUser()).exists()
    assert scoping.roles_of(AnonymousUser()) == set()


def test_user_with_several_memberships_sees_their_union(world):
    user = UserFactory()
    RoleMembershipFactory(user=user, role=Role.OFFICER, agency=world["agency_a"])
    RoleMembershipFactory(user=user, role=Role.OFFICER, agency=world["agency_b"])
    RoleMembershipFactory(user=user, role=Role.OPERATOR, centre=world["centre_b"])

    assert set(scoping.agencies_visible_to(user)) == {world["agency_a"], world["agency_b"]}
    assert set(scoping.centres_visible_to(user)) == {world["centre_b"]}
