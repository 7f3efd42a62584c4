"""Staff accounts, role grants and revocations, citizen registration and import."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from onestop.core.models import AuditEvent
from onestop.core.national_ids import get_validator
from onestop.people import scoping
from onestop.people.models import Citizen, Role, RoleMembership
from onestop.people.services import (
    CitizenRow,
    citizen_register,
    citizens_import,
    role_grant,
    role_revoke,
    staff_create,
)
from tests.factories.people import RoleMembershipFactory, UserFactory, valid_national_id

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action))


def test_staff_create_stores_a_hashed_password_and_audits(administrator):
    user = staff_create(
        actor=administrator,
        username="a.nurlanova",
        password="Steppe-Wind-2026",
        first_name="Aigerim",
        last_name="N",
    )
    assert user.check_password("Steppe-Wind-2026")
    assert user.password != "Steppe-Wind-2026"
    (event,) = _events("staff.create")
    assert event.actor_label == "administrator"
    assert event.target_id == str(user.pk)
    assert "password" not in event.summary["after"]


@pytest.mark.parametrize("password", ["short1", "password123", "1234567890123", "a.nurlanova1"])
def test_staff_create_rejects_weak_passwords(administrator, password):
    with pytest.raises(ValidationError) as exc:
        staff_create(
            actor=administrator, username="a.nurlanova", password=password, first_name="A", last_name="N"
        )
    assert "password" in exc.value.message_dict
    assert not _events("staff.create")


def test_staff_create_rejects_a_taken_username(administrator, operator_a):
    with pytest.raises(ValidationError) as exc:
        staff_create(
            actor=administrator,
            username="operator_a",
            password="Steppe-Wind-2026",
            first_name="A",
            last_name="N",
        )
    assert "username" in exc.value.message_dict


@pytest.mark.parametrize(
    ("role", "scope", "error_field"),
    [
        (Role.OPERATOR, {}, "centre"),
        (Role.CENTRE_MANAGER, {"agency": "agency_a"}, "centre"),
        (Role.OFFICER, {}, "agency"),
        (Role.AGENCY_HEAD, {"centre": "centre_a"}, "agency"),
        (Role.COORDINATOR, {"agency": "agency_a"}, "agency"),
        (Role.ADMINISTRATOR, {"centre": "centre_a"}, "centre"),
        (Role.AUDITOR, {"agency": "agency_a"}, "agency"),
    ],
)
def test_role_grant_enforces_the_scope_rule(request, administrator, role, scope, error_field):
    user = UserFactory()
    kwargs = {key: request.getfixturevalue(name) for key, name in scope.items()}
    with pytest.raises(ValidationError) as exc:
        role_grant(actor=administrator, user=user, role=role, **kwargs)
    assert error_field in exc.value.message_dict
    assert not user.memberships.exists()


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.OPERATOR, "centre_a"),
        (Role.CENTRE_MANAGER, "centre_a"),
        (Role.OFFICER, "agency_a"),
        (Role.AGENCY_HEAD, "agency_a"),
        (Role.COORDINATOR, None),
        (Role.AUDITOR, None),
    ],
)
def test_role_grant_in_the_right_scope_gives_the_role(request, administrator, role, scope):
    user = UserFactory()
    kwargs = {}
    if scope:
        kwargs[scope.split("_")[0]] = request.getfixturevalue(scope)
    membership = role_grant(actor=administrator, user=user, role=role, **kwargs)
    assert scoping.has_role(user, role)
    (event,) = _events("role.grant")
    assert event.target_id == str(membership.pk)
    assert event.summary["after"]["role"] == role


def test_role_grant_twice_is_an_error(administrator, officer_a, agency_a):
    with pytest.raises(ValidationError, match="already holds"):
        role_grant(actor=administrator, user=officer_a, role=Role.OFFICER, agency=agency_a)


def test_granting_administrator_opens_the_admin_site_and_revoking_closes_it(administrator):
    user = UserFactory()
    membership = role_grant(actor=administrator, user=user, role=Role.ADMINISTRATOR)
    user.refresh_from_db()
    assert user.is_staff and user.is_superuser

    role_revoke(actor=administrator, membership=membership, reason="Moved to another post")
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


def test_role_revoke_ends_the_membership_and_keeps_the_reason(administrator, officer_a, agency_a):
    membership = RoleMembership.objects.get(user=officer_a)
    membership.valid_from = timezone.localdate() - timedelta(days=30)
    membership.save()

    role_revoke(actor=administrator, membership=membership, reason="Left the agency")

    membership.refresh_from_db()
    assert membership.valid_until == timezone.localdate() - timedelta(days=1)
    assert not scoping.agencies_visible_to(officer_a).exists()
    (event,) = _events("role.revoke")
    assert event.summary["reason"] == "Left the agency"


def test_role_revoke_needs_a_reason(administrator, officer_a):
    with pytest.raises(ValidationError):
        role_revoke(actor=administrator, membership=officer_a.memberships.get(), reason="  ")
    assert scoping.roles_of(officer_a) == {"officer"}


def test_revoking_a_membership_not_yet_started_deletes_it(administrator, centre_a):
    membership = RoleMembershipFactory(role=Role.OPERATOR, centre=centre_a, future=True)
    role_revoke(actor=administrator, membership=membership, reason="Hired elsewhere")
    assert not RoleMembership.objects.filter(pk=membership.pk).exists()
    assert _events("role.revoke")[0].summary["before"]["role"] == "operator"


def test_a_revoked_role_can_be_granted_again(administrator, officer_a, agency_a):
    role_revoke(actor=administrator, membership=officer_a.memberships.get(), reason="Leave")
    assert not scoping.has_role(officer_a, Role.OFFICER)

    role_grant(actor=administrator, user=officer_a, role=Role.OFFICER, agency=agency_a)

    assert scoping.has_role(officer_a, Role.OFFICER, agency=agency_a)
    assert officer_a.memberships.count() == 1


def test_citizen_register_normalises_and_audits_without_personal_data(operator_a):
    national_id, born, sex = valid_national_id(4242)
    citizen = citizen_register(
        actor=operator_a,
        national_id=f" {national_id} ",
        given_name="Aruzhan",
        family_name="Sadykova",
        date_of_birth=born,
        sex=sex,
    )
    assert citizen.national_id == get_validator().validate(national_id)
    (event,) = _events("citizen.register")
    assert "Aruzhan" not in str(event.summary)


def test_citizen_register_rejects_a_bad_national_id_with_the_reason(operator_a):
    national_id, born, sex = valid_national_id(4243)
    wrong_checksum = national_id[:-1] + str((int(national_id[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        citizen_register(
            actor=operator_a,
            national_id=wrong_checksum,
            given_name="A",
            family_name="B",
            date_of_birth=born,
            sex=sex,
        )
    assert "national_id" in exc.value.message_dict
    assert not Citizen.objects.exists()


def test_citizen_register_refuses_a_second_record_for_the_same_id(operator_a, citizen):
    with pytest.raises(ValidationError) as exc:
        citizen_register(
            actor=operator_a,
            national_id=citizen.national_id,
            given_name="Other",
            family_name="Person",
            date_of_birth=citizen.date_of_birth,
            sex=citizen.sex,
        )
    assert "national_id" in exc.value.message_dict
    assert Citizen.objects.count() == 1


def _rows(start, count):
    rows = []
    for n in range(start, start + count):
        national_id, born, sex = valid_national_id(n)
        rows.append(
            CitizenRow(
                national_id=national_id, given_name=f"G{n}", family_name="F", date_of_birth=born, sex=sex
            )
        )
    return rows


def test_citizens_import_creates_everyone_with_one_audit_event_per_batch(administrator):
    created = citizens_import(actor=administrator, rows=iter(_rows(5000, 25)), batch_size=10)

    assert created == 25
    assert Citizen.objects.count() == 25
    events = _events("citizen.import")
    assert [e.summary["count"] for e in events] == [10, 10, 5]


def test_citizens_import_is_all_or_nothing_and_names_the_bad_rows(administrator, citizen):
    rows = _rows(6000, 12)
    rows[3] = CitizenRow(
        national_id="12345", given_name="X", family_name="Y", date_of_birth=date(1990, 1, 1), sex="F"
    )
    rows[11] = rows[0]
    with pytest.raises(ValidationError) as exc:
        citizens_import(actor=administrator, rows=rows, batch_size=5)

    messages = " ".join(exc.value.messages)
    assert "Row 4" in messages
    assert "Row 12" in messages
    assert Citizen.objects.count() == 1  # only the persona
    assert not _events("citizen.import")


def test_citizens_import_refuses_ids_already_registered(administrator, citizen):
    row = CitizenRow(
        national_id=citizen.national_id,
        given_name="X",
        family_name="Y",
        date_of_birth=citizen.date_of_birth,
        sex="M",
    )
    with pytest.raises(ValidationError, match="already registered"):
        citizens_import(actor=administrator, rows=[row])
