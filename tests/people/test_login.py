"""Staff sign-in: lockout after repeated failures, its cool-off, the audit of auth events, the home page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from onestop.core.models import AuditEvent
from onestop.people.models import Role
from tests.factories.people import STAFF_PASSWORD, RoleMembershipFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("people:login")


def _sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_right_password_signs_in_and_lands_on_home(client, operator_a):
    response = _sign_in(client, "operator_a", STAFF_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("people:home")
    assert client.get(reverse("people:home")).wsgi_request.user == operator_a


def test_wrong_password_shows_the_error_summary_and_keeps_the_username(client, operator_a):
    response = _sign_in(client, "operator_a", "wrong-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The username or password is not right" in html
    assert "locked for 15 minutes" in html
    assert 'value="operator_a"' in html


def test_five_bad_passwords_lock_the_account_even_with_the_right_password(client, operator_a):
    for _ in range(5):
        _sign_in(client, "operator_a", "wrong-password")

    response = _sign_in(client, "operator_a", STAFF_PASSWORD)

    assert response.status_code == 429
    assert "Your account is locked for now" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_bad_passwords_do_not_lock_the_account(client, operator_a):
    for _ in range(4):
        _sign_in(client, "operator_a", "wrong-password")
    assert _sign_in(client, "operator_a", STAFF_PASSWORD).status_code == 302


def test_lock_by_username_holds_from_another_address(client, operator_a):
    for _ in range(5):
        _sign_in(client, "operator_a", "wrong-password")
    response = client.post(
        LOGIN, {"username": "operator_a", "password": STAFF_PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 429


def test_lockout_ends_after_the_cool_off(client, operator_a, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(5):
        _sign_in(client, "operator_a", "wrong-password")

    time_machine.shift(timedelta(minutes=16))

    assert _sign_in(client, "operator_a", STAFF_PASSWORD).status_code == 302


def test_account_stays_locked_before_the_cool_off_ends(client, operator_a, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(5):
        _sign_in(client, "operator_a", "wrong-password")

    time_machine.shift(timedelta(minutes=14))

    assert _sign_in(client, "operator_a", STAFF_PASSWORD).status_code == 429


def test_sign_in_sign_out_and_failure_are_audited(client, operator_a):
    _sign_in(client, "operator_a", "wrong-password")
    _sign_in(client, "operator_a", STAFF_PASSWORD)
    client.post(reverse("people:logout"))

    events = list(AuditEvent.objects.filter(action__startswith="auth.").order_by("id"))
    assert [e.action for e in events] == ["auth.login_failed", "auth.login", "auth.logout"]
    failed, login, logout = events
    assert failed.actor_kind == "anonymous"
    assert failed.target_id == str(operator_a.pk)
    assert failed.summary == {"username": "operator_a"}
    assert login.actor_id == str(operator_a.pk)
    assert logout.actor_id == str(operator_a.pk)


def test_failed_sign_in_of_an_unknown_username_is_audited_without_target(client, db):
    _sign_in(client, "nobody", "whatever-123")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.target_id == ""
    assert event.summary["username"] == "nobody"
    assert "whatever-123" not in str(event.summary)


def test_home_needs_sign_in(client):
    response = client.get(reverse("people:home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_home_shows_roles_and_scopes(client, operator_a):
    client.force_login(operator_a)
    html = client.get(reverse("people:home")).content.decode()
    assert "Counter operator" in html
    assert "Centre A (CENTRE-A)" in html
    assert "not built yet" in html
    assert reverse("admin:index") not in html


def test_home_links_administrators_to_the_admin(client, administrator):
    client.force_login(administrator)
    html = client.get(reverse("people:home")).content.decode()
    assert f'href="{reverse("admin:index")}"' in html
    assert "Whole country" in html


def test_home_of_a_staff_member_without_role_says_so(client, outsider):
    client.force_login(outsider)
    html = client.get(reverse("people:home")).content.decode()
    assert "You have no role at the moment" in html
    assert "not built yet" not in html


def test_expired_role_is_not_shown_on_home(client, centre_a):
    user = RoleMembershipFactory(role=Role.OPERATOR, centre=centre_a, expired=True).user
    client.force_login(user)
    assert "You have no role at the moment" in client.get(reverse("people:home")).content.decode()
