"""The staff and citizen administration: role scope rule, audit of saves, search by national ID."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onestop.core.models import AuditEvent
from onestop.people import scoping
from onestop.people.models import Role
from tests.factories.people import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db


def _user_form(user, memberships):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "preferred_language": "en",
        "is_active": "on",
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, membership in enumerate(memberships):
        for key, value in membership.items():
            data[f"memberships-{i}-{key}"] = value
        data[f"memberships-{i}-user"] = str(user.pk)
    return data


def test_admin_grants_a_role_through_the_scope_rule(client, administrator, centre_a):
    user = UserFactory()
    client.force_login(administrator)
    url = reverse("admin:people_user_change", args=[user.pk])

    response = client.post(url, _user_form(user, [{"role": Role.OPERATOR, "centre": str(centre_a.pk)}]))

    assert response.status_code == 302
    assert scoping.has_role(user, Role.OPERATOR, centre=centre_a)
    assert AuditEvent.objects.filter(action="role.grant", actor_id=str(administrator.pk)).exists()
    assert AuditEvent.objects.filter(action="staff.update", target_id=str(user.pk)).exists()


def test_admin_refuses_an_operator_without_centre_and_says_why(client, administrator, agency_a):
    user = UserFactory()
    client.force_login(administrator)
    url = reverse("admin:people_user_change", args=[user.pk])

    response = client.post(url, _user_form(user, [{"role": Role.OPERATOR, "agency": str(agency_a.pk)}]))

    assert response.status_code == 200
    assert "is held at a centre" in response.content.decode()
    assert not user.memberships.exists()


def test_admin_granting_administrator_opens_the_admin_site(client, administrator):
    user = UserFactory()
    client.force_login(administrator)
    client.post(
        reverse("admin:people_user_change", args=[user.pk]), _user_form(user, [{"role": Role.ADMINISTRATOR}])
    )
    user.refresh_from_db()
    assert user.is_staff and user.is_superuser


def test_staff_audit_event_holds_no_password_hash(client, administrator, operator_a):
    client.force_login(administrator)
    data = _user_form(operator_a, [])
    data["first_name"] = "Renamed"
    client.post(reverse("admin:people_user_change", args=[operator_a.pk]), data)

    event = AuditEvent.objects.get(action="staff.update", target_id=str(operator_a.pk))
    assert event.summary["after"]["first_name"] == "Renamed"
    assert "pbkdf2" not in str(event.summary)
    assert "password" not in event.summary["after"]


def test_citizen_search_by_national_id(client, administrator):
    wanted, other = CitizenFactory(family_name="Wanted"), CitizenFactory(family_name="Other")
    client.force_login(administrator)
    html = client.get(reverse("admin:people_citizen_changelist"), {"q": wanted.national_id}).content.decode()
    assert "Wanted" in html
    assert other.national_id not in html


def test_admin_rejects_an_invalid_national_id(client, administrator, citizen):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:people_citizen_add"),
        {
            "national_id": "123",
            "given_name": "A",
            "family_name": "B",
            "date_of_birth": "1990-01-01",
            "sex": "F",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 200
    assert "12 digits" in response.content.decode()


@pytest.mark.parametrize("persona", ["operator_a", "outsider", "coordinator"])
def test_only_administrators_reach_the_admin(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("admin:index")).status_code == 302
