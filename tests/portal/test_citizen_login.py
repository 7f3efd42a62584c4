"""Citizen sign-in: the demo eID outside production, the national eID (OpenID Connect) backend."""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse

from onestop.core.models import AuditEvent
from onestop.people.models import Citizen
from onestop.people.services import citizen_account_link
from onestop.portal.citizen_auth import NationalEidBackend, demo_enabled
from tests.factories.people import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "/account/sign-in/"


@pytest.fixture
def oidc(settings):
    settings.ONESTOP_OIDC_ENABLED = True
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://eid.example/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://eid.example/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://eid.example/jwks"
    settings.OIDC_RP_CLIENT_ID = "onestop"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.ONESTOP_OIDC_NATIONAL_ID_CLAIM = "national_id"
    return settings


def test_demo_eid_signs_citizen_in_and_creates_their_linked_account(client, settings):
    settings.ONESTOP_DEMO_CITIZEN_LOGIN = True
    citizen = CitizenFactory()

    page = client.get(SIGN_IN)
    assert "Demo eID (not a real identity provider)" in page.content.decode()

    response = client.post(SIGN_IN, {"national_id": citizen.national_id, "next": "/account/applications/"})

    assert response.status_code == 302
    assert response["Location"] == "/account/applications/"
    citizen.refresh_from_db()
    assert citizen.user is not None
    assert not citizen.user.has_usable_password()
    assert client.get("/account/applications/").status_code == 200
    assert AuditEvent.objects.filter(action="citizen.account_link", target_id=str(citizen.pk)).exists()


def test_demo_eid_refuses_unknown_national_id_with_error_summary(client, settings):
    settings.ONESTOP_DEMO_CITIZEN_LOGIN = True
    stranger = CitizenFactory.build()  # a valid ID nobody registered

    response = client.post(SIGN_IN, {"national_id": stranger.national_id})

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "No demo citizen has this national ID number" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_demo_eid_is_not_offered_nor_accepted_when_switched_off(client, settings):
    settings.ONESTOP_DEMO_CITIZEN_LOGIN = False
    citizen = CitizenFactory()

    page = client.get(SIGN_IN).content.decode()
    response = client.post(SIGN_IN, {"national_id": citizen.national_id})

    assert "Demo eID" not in page
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    citizen.refresh_from_db()
    assert citizen.user is None


def test_demo_eid_is_never_enabled_in_production(settings):
    settings.ONESTOP_DEMO_CITIZEN_LOGIN = True
    settings.PRODUCTION = True
    assert demo_enabled() is False


def test_sign_in_page_offers_national_eid_only_when_configured(client, settings):
    settings.ONESTOP_DEMO_CITIZEN_LOGIN = False
    settings.ONESTOP_OIDC_ENABLED = False
    assert "Sign in with eID" not in client.get(SIGN_IN).content.decode()


def test_national_eid_claim_maps_to_registered_citizen_and_links_account(oidc):
    citizen = CitizenFactory()
    backend = NationalEidBackend()
    claims = {"sub": "abc", "national_id": citizen.national_id}

    assert backend.verify_claims(claims)
    assert not backend.filter_users_by_claims(claims).exists()
    user = backend.create_user(claims)

    citizen.refresh_from_db()
    assert citizen.user == user
    assert list(backend.filter_users_by_claims(claims)) == [user]


def test_national_eid_claim_of_unregistered_person_is_refused(oidc):
    backend = NationalEidBackend()
    claims = {"sub": "abc", "national_id": CitizenFactory.build().national_id}

    assert not backend.verify_claims(claims)
    with pytest.raises(SuspiciousOperation):
        backend.create_user(claims)
    assert not backend.verify_claims({"sub": "abc"})


def test_account_link_keeps_existing_login(db):
    user = UserFactory(username="existing")
    citizen = CitizenFactory(user=user)

    assert citizen_account_link(actor=None, citizen=citizen) == user
    assert Citizen.objects.get(pk=citizen.pk).user == user


def test_staff_without_citizen_record_is_asked_to_sign_in_as_citizen(client):
    staff = UserFactory(username="clerk")
    client.force_login(staff)

    response = client.get(reverse("portal:my_applications"))

    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
