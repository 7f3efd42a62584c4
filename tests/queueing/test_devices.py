"""Device registration and token authentication of kiosks and boards."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from onestop.core.models import AuditEvent
from onestop.queueing.errors import DeviceNotAllowed
from onestop.queueing.models import Device
from onestop.queueing.services.devices import device_for_token, device_register, device_revoke
from tests.factories.queueing import DeviceFactory

pytestmark = pytest.mark.django_db


def test_register_stores_only_the_hash_of_the_token(administrator, centre_a):
    device, token = device_register(actor=administrator, centre=centre_a, kind="kiosk", name="Entrance kiosk")

    device.refresh_from_db()
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in device.token_hash
    assert len(token) >= 40
    assert AuditEvent.objects.filter(action="device.register").count() == 1


def test_token_of_own_centre_authenticates(centre_a):
    device = DeviceFactory(centre=centre_a, kind=Device.Kind.BOARD)

    assert device_for_token(device.raw_token, centre_a) == device


def test_token_of_another_centre_is_refused(centre_a, centre_b):
    device = DeviceFactory(centre=centre_b)

    with pytest.raises(DeviceNotAllowed) as caught:
        device_for_token(device.raw_token, centre_a)
    assert caught.value.status == 403
    assert "another centre" in caught.value.message


def test_revoked_token_is_refused_at_once_even_when_cached(administrator, centre_a):
    device, token = device_register(actor=administrator, centre=centre_a, kind="board", name="Hall board")
    device_for_token(token, centre_a)  # now cached

    device_revoke(actor=administrator, device=device, reason="stolen")

    with pytest.raises(DeviceNotAllowed):
        device_for_token(token, centre_a)
    event = AuditEvent.objects.get(action="device.revoke")
    assert event.summary["reason"] == "stolen"


def test_unknown_token_is_refused(centre_a):
    with pytest.raises(DeviceNotAllowed):
        device_for_token("not-a-token", centre_a)


def test_kiosk_token_does_not_open_the_board(client, centre_a):
    kiosk = DeviceFactory(centre=centre_a, kind=Device.Kind.KIOSK)

    response = client.get(
        reverse("queueing:board", args=[centre_a.code]), HTTP_AUTHORIZATION=f"Device {kiosk.raw_token}"
    )

    assert response.status_code == 403


def test_token_in_address_becomes_a_strict_httponly_cookie_scoped_to_the_device_path(client, centre_a):
    board = DeviceFactory(centre=centre_a, kind=Device.Kind.BOARD)
    url = reverse("queueing:board", args=[centre_a.code])

    response = client.get(url, {"token": board.raw_token})

    assert response.status_code == 302
    assert response["Location"] == url  # the token leaves the address bar
    cookie = response.cookies["onestop_board"]
    assert cookie.value == board.raw_token
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == url
    assert int(cookie["max-age"]) > 365 * 24 * 3600
    assert client.get(url).status_code == 200  # the cookie alone opens the board from now on


def test_other_centre_token_gets_a_friendly_403_page(client, centre_a, centre_b):
    board = DeviceFactory(centre=centre_b, kind=Device.Kind.BOARD)

    response = client.get(reverse("queueing:board", args=[centre_a.code]), {"token": board.raw_token})

    assert response.status_code == 403
    assert "registered for another centre" in response.content.decode()
    assert "onestop_board" not in response.cookies


def test_missing_token_page_tells_staff_how_to_register(client, centre_a):
    response = client.get(reverse("queueing:kiosk", args=[centre_a.code]))

    assert response.status_code == 403
    assert f"onestop device register {centre_a.code} kiosk" in response.content.decode()


def test_revoked_device_cookie_is_refused(client, administrator, centre_a):
    device, token = device_register(actor=administrator, centre=centre_a, kind="kiosk", name="Kiosk 1")
    url = reverse("queueing:kiosk", args=[centre_a.code])
    client.get(url, {"token": token})
    device_revoke(actor=administrator, device=device)

    assert client.get(url).status_code == 403


def test_register_command_prints_the_address_with_the_token_once(centre_a):
    out = StringIO()

    call_command(
        "device",
        "register",
        centre_a.code,
        "board",
        "Main hall",
        "--base-url",
        "https://os.example",
        stdout=out,
    )

    line = next(x for x in out.getvalue().splitlines() if "?token=" in x)
    assert line.startswith(f"https://os.example/centres/{centre_a.code}/board?token=")
    token = line.split("?token=", 1)[1]
    device = Device.objects.get(centre=centre_a, name="Main hall")
    assert device.kind == Device.Kind.BOARD
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_api_board_data_needs_a_device_of_that_centre(api_client_factory, centre_a, centre_b):
    own = DeviceFactory(centre=centre_a, kind=Device.Kind.BOARD)
    other = DeviceFactory(centre=centre_b, kind=Device.Kind.BOARD)
    url = f"/api/v1/centres/{centre_a.code}/board"
    client = api_client_factory()

    assert client.get(url).status_code == 401
    refused = client.get(url, HTTP_AUTHORIZATION=f"Device {other.raw_token}")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"].endswith("device-not-allowed")
    ok = client.get(url, HTTP_AUTHORIZATION=f"Device {own.raw_token}")
    assert ok.status_code == 200
    assert ok.json()["centre"] == centre_a.code


@pytest.fixture
def api_client_factory():
    from rest_framework.test import APIClient

    return APIClient
