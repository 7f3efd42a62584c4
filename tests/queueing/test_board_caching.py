"""The display board's hot path: a poll served from the caches touches the database not at all, yet
a revoked or foreign device is still refused and a new call still shows within two seconds."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from onestop.queueing.board import board_forget, board_snapshot
from onestop.queueing.errors import DeviceNotAllowed
from onestop.queueing.models import Device
from onestop.queueing.services import devices
from onestop.queueing.services.devices import (
    device_auth_reset,
    device_for_token_at,
    device_register,
    device_revoke,
    token_hash,
)
from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import ticket_call_next
from tests.factories.queueing import DeviceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_device_checks():
    """The token checks live in this process's memory as well as in the (per-test) cache."""
    device_auth_reset()
    yield
    device_auth_reset()


def _poll(client, device, code=None, **headers):
    return client.get(
        reverse("queueing:board-live", args=[code or device.centre.code]),
        HTTP_AUTHORIZATION=f"Device {device.raw_token}",
        **headers,
    )


def _issue_and_call(front_office):
    ticket_issue(
        actor=None, centre=front_office.centre, queue=front_office.queue_a, channel="kiosk", at=timezone.now()
    )
    return ticket_call_next(actor=front_office.operator, counter=front_office.counter1)


# --- the device check ---------------------------------------------------------------------------


def test_a_checked_token_is_trusted_without_a_query(centre_a, django_assert_num_queries):
    board = DeviceFactory(centre=centre_a, kind=Device.Kind.BOARD)
    assert device_for_token_at(board.raw_token, centre_a.code, kind="board") == board

    with django_assert_num_queries(0):
        for _ in range(3):
            assert device_for_token_at(board.raw_token, centre_a.code, kind="board") == board


def test_the_cached_check_is_keyed_on_the_token_hash_never_the_token(centre_a):
    board = DeviceFactory(centre=centre_a, kind=Device.Kind.BOARD)
    device_for_token_at(board.raw_token, centre_a.code)

    hashed = token_hash(board.raw_token)
    assert hashed in devices._local
    assert cache.get(f"queueing:device:{hashed}") is not None
    assert not any(board.raw_token in key for key in devices._local)
    assert not any(board.raw_token in key for key in cache._cache)


def test_another_process_may_trust_a_revoked_device_only_until_its_check_expires(centre_a):
    board = DeviceFactory(centre=centre_a, kind=Device.Kind.BOARD)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        device_for_token_at(board.raw_token, centre_a.code)
        # Revoked by another process: this one is not told, its cached check still answers ...
        Device.objects.filter(pk=board.pk).update(is_active=False)
        clock.shift(timedelta(seconds=4))
        assert device_for_token_at(board.raw_token, centre_a.code) == board

        # ... until ONESTOP_DEVICE_AUTH_CACHE_SECONDS (5) after the database said yes.
        clock.shift(timedelta(seconds=1.5))
        with pytest.raises(DeviceNotAllowed):
            device_for_token_at(board.raw_token, centre_a.code)


def test_revoking_refuses_the_device_at_once_in_this_process(
    client, administrator, centre_a, django_capture_on_commit_callbacks
):
    device, token = device_register(actor=administrator, centre=centre_a, kind="board", name="Hall board")
    url = reverse("queueing:board-live", args=[centre_a.code])
    assert client.get(url, HTTP_AUTHORIZATION=f"Device {token}").status_code == 200  # now cached

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        device_revoke(actor=administrator, device=device, reason="stolen")

    assert len(callbacks) == 1  # the cached check is dropped again when the revocation commits
    assert token_hash(token) not in devices._local
    assert cache.get(f"queueing:device:{token_hash(token)}") is None
    refused = client.get(url, HTTP_AUTHORIZATION=f"Device {token}")
    assert refused.status_code == 403
    assert "registration was withdrawn" in refused.content.decode()


def test_a_check_that_read_the_database_before_the_revocation_is_not_kept(centre_a):
    board = DeviceFactory(centre=centre_a, kind=Device.Kind.BOARD)
    hashed = token_hash(board.raw_token)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        read_at = devices.time.time()
        clock.shift(timedelta(milliseconds=10))
        devices.device_auth_forget(hashed)  # the revocation commits while that check is under way

        assert devices._remember(hashed, read_at, board) is False
        assert hashed not in devices._local


def test_a_zero_cache_time_checks_every_request(settings, centre_a, django_assert_num_queries):
    settings.ONESTOP_DEVICE_AUTH_CACHE_SECONDS = 0
    board = DeviceFactory(centre=centre_a, kind=Device.Kind.BOARD)
    device_for_token_at(board.raw_token, centre_a.code)

    with django_assert_num_queries(1):
        device_for_token_at(board.raw_token, centre_a.code)


def test_a_cached_device_of_another_centre_gets_403(client, front_office, centre_b):
    other = DeviceFactory(centre=centre_b, kind=Device.Kind.BOARD)
    assert _poll(client, other).status_code == 200  # its own centre's board: checked and cached

    refused = _poll(client, other, code=front_office.centre.code)

    assert refused.status_code == 403
    assert "registered for another centre" in refused.content.decode()


def test_a_cached_kiosk_token_does_not_open_the_board(client, front_office):
    kiosk = DeviceFactory(centre=front_office.centre, kind=Device.Kind.KIOSK)
    device_for_token_at(kiosk.raw_token, front_office.centre.code)  # cached

    assert _poll(client, kiosk).status_code == 403


# --- the live panel -----------------------------------------------------------------------------


def test_a_warm_board_poll_touches_the_database_not_at_all(client, front_office, django_assert_num_queries):
    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    _issue_and_call(front_office)
    with time_machine.travel(timezone.now(), tick=False):
        first = _poll(client, board)

        with django_assert_num_queries(0):
            again = [_poll(client, board) for _ in range(3)]

    assert all(response.status_code == 200 for response in again)
    assert all(response.content == first.content for response in again)
    assert "A-001" in first.content.decode()


def test_the_panel_is_not_rebuilt_between_snapshots(client, front_office, monkeypatch):
    from onestop.queueing import views

    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    built = []
    real = views._board_context
    monkeypatch.setattr(views, "_board_context", lambda *args: built.append(args) or real(*args))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            assert _poll(client, board).status_code == 200
        assert len(built) == 1
        clock.shift(timedelta(seconds=1.1))  # the next snapshot
        assert _poll(client, board).status_code == 200
        assert len(built) == 2


def test_a_new_call_shows_once_the_snapshot_expires(client, front_office):
    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert "No one has been called yet today." in _poll(client, board).content.decode()
        _issue_and_call(front_office)

        clock.shift(timedelta(seconds=1.1))
        page = _poll(client, board).content.decode()

    now_section = page.split('class="board-now-call"', 1)[1].split("</p>", 1)[0]
    assert "A-001" in now_section


def test_a_panel_never_outlives_the_snapshot_it_was_drawn_from(client, front_office):
    """The API reads the snapshot first; a board drawing its panel from it late in that second must
    not keep the panel for another whole second."""
    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        board_snapshot(front_office.centre)  # e.g. the JSON API
        clock.shift(timedelta(seconds=0.5))
        _issue_and_call(front_office)
        clock.shift(timedelta(seconds=0.4))
        assert "No one has been called yet today." in _poll(client, board).content.decode()

        clock.shift(timedelta(seconds=0.2))  # 1.1 s after the snapshot, 0.6 s after the call
        assert "A-001" in _poll(client, board).content.decode()


def test_each_language_has_its_own_panel(client, front_office, django_assert_num_queries):
    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    _issue_and_call(front_office)
    with time_machine.travel(timezone.now(), tick=False):
        english = _poll(client, board, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        russian = _poll(client, board, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
        with django_assert_num_queries(0):
            assert _poll(client, board, HTTP_ACCEPT_LANGUAGE="ru").content.decode() == russian

    # Every language is in both (the board rotates through them); the shown one is the request's.
    for page in (english, russian):
        for language in ("en", "ru", "kk", "ka"):
            assert f'data-lang="{language}"' in page
    assert '<span lang="en" data-lang="en">Now calling</span>' in english
    assert '<span lang="ru" data-lang="ru">' in russian
    assert '<span lang="en" data-lang="en" hidden>Now calling</span>' in russian
    assert 'data-announce="A-001, counter 1"' in english
    assert 'data-announce="A-001, counter 1"' not in russian  # "counter" in Russian


def test_board_forget_shows_a_change_at_once(client, front_office):
    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    with time_machine.travel(timezone.now(), tick=False):
        assert "No one has been called yet today." in _poll(client, board).content.decode()
        _issue_and_call(front_office)
        board_forget(front_office.centre)

        assert "A-001" in _poll(client, board).content.decode()


def test_the_poll_is_never_cached_by_browsers_or_proxies(client, front_office):
    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    expected = never_cache(lambda request: HttpResponse())(RequestFactory().get("/"))

    response = _poll(client, board)

    assert response["Cache-Control"] == expected["Cache-Control"]
    assert "Expires" in response
    refused = _poll(client, DeviceFactory(centre=front_office.centre, kind=Device.Kind.KIOSK))
    assert refused["Cache-Control"] == expected["Cache-Control"]


def test_the_json_api_serves_the_same_snapshot_as_the_board(client, front_office, django_assert_num_queries):
    from rest_framework.test import APIClient

    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    _issue_and_call(front_office)
    with time_machine.travel(timezone.now(), tick=False):
        page = _poll(client, board).content.decode()
        with django_assert_num_queries(0):
            body = (
                APIClient()
                .get(
                    f"/api/v1/centres/{front_office.centre.code}/board",
                    HTTP_AUTHORIZATION=f"Device {board.raw_token}",
                )
                .json()
            )

    assert body["calls"][0]["number"] == "A-001"
    assert body["calls"][0]["number"] in page
    assert {q["prefix"]: q["waiting"] for q in body["queues"]} == {"A": 0, "B": 0}
