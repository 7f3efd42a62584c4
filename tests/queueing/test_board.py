"""The display board: last calls and waiting counts, cached per centre (one query per update)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from onestop.queueing.board import board_snapshot
from onestop.queueing.models import Device
from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import ticket_call_next, ticket_recall
from tests.factories.queueing import DeviceFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _issue(front_office, queue, at):
    return ticket_issue(actor=None, centre=front_office.centre, queue=queue, channel="kiosk", at=at)


def test_snapshot_has_last_calls_newest_first_and_waiting_per_queue(front_office, django_assert_num_queries):
    now = timezone.localtime().replace(hour=12)  # all of it today, whatever the time of the run
    _issue(front_office, front_office.queue_a, now - timedelta(minutes=10))
    _issue(front_office, front_office.queue_a, now - timedelta(minutes=9))
    _issue(front_office, front_office.queue_b, now - timedelta(minutes=8))
    a1 = ticket_call_next(
        actor=front_office.operator, counter=front_office.counter1, at=now - timedelta(minutes=5)
    )
    assert a1 is not None
    ticket_recall(actor=front_office.operator, ticket=a1, at=now - timedelta(minutes=4))

    with django_assert_num_queries(1):
        snapshot = board_snapshot(front_office.centre, at=now)

    assert [(c["number"], c["counter"], c["recall"]) for c in snapshot["calls"]] == [
        ("A-001", 1, True),
        ("A-001", 1, False),
    ]
    assert [(q["prefix"], q["waiting"]) for q in snapshot["queues"]] == [("A", 1), ("B", 1)]
    assert snapshot["queues"][0]["names"]["en"] == "Civil registration"
    assert snapshot["queues"][0]["names"]["ru"] == "Civil registration"  # falls back to English


def test_snapshot_leaves_out_other_centres_and_earlier_days(front_office, centre_b):
    now = timezone.now()
    TicketFactory(queue__centre=centre_b, called=True)
    TicketFactory(queue=front_office.queue_a, called=True, issued_at=now - timedelta(days=1, hours=1))

    snapshot = board_snapshot(front_office.centre, at=now)

    assert snapshot["calls"] == []


def _board(client, device, name="queueing:board-live"):
    return client.get(
        reverse(name, args=[device.centre.code]), HTTP_AUTHORIZATION=f"Device {device.raw_token}"
    )


def test_board_shows_a_new_call_within_two_seconds(client, front_office):
    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert "No one has been called yet today." in _board(client, board).content.decode()
        _issue(front_office, front_office.queue_a, timezone.now())
        ticket_call_next(actor=front_office.operator, counter=front_office.counter1)

        clock.shift(timedelta(seconds=1.1))  # the cached snapshot has expired; the next poll sees it
        page = _board(client, board).content.decode()

    assert 'class="board-now-call"' in page
    now_section = page.split('class="board-now-call"', 1)[1].split("</p>", 1)[0]
    assert "A-001" in now_section
    assert '<span class="board-counter">1</span>' in now_section
    assert 'data-announce="A-001, counter 1"' in page  # what the aria-live region will say


def test_all_boards_of_a_centre_cost_one_query_per_update(client, front_office, django_assert_num_queries):
    boards = [DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD) for _ in range(3)]
    _issue(front_office, front_office.queue_a, timezone.now())
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for board in boards:  # each device's first request authenticates it (then cached)
            assert _board(client, board).status_code == 200
        clock.shift(timedelta(seconds=1.5))  # the next update

        with django_assert_num_queries(1):
            for board in boards * 2:
                response = _board(client, board)
                assert response.status_code == 200
                assert '<td class="board-numeric">1</td>' in response.content.decode()


def test_board_page_polls_every_second_and_carries_every_language(client, front_office):
    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)

    page = _board(client, board, "queueing:board").content.decode()

    assert 'hx-trigger="every 1s"' in page
    assert reverse("queueing:board-live", args=[front_office.centre.code]) in page
    for language in ("en", "ru", "kk", "ka"):
        assert f'data-lang="{language}"' in page
    assert 'aria-live="assertive"' in page
    assert "<script>" not in page and "style=" not in page  # the CSP forbids inline script and style


def test_api_board_data_matches_the_board(front_office):
    from rest_framework.test import APIClient

    board = DeviceFactory(centre=front_office.centre, kind=Device.Kind.BOARD)
    _issue(front_office, front_office.queue_b, timezone.now())
    ticket_call_next(actor=front_office.operator, counter=front_office.counter1)

    body = (
        APIClient()
        .get(
            f"/api/v1/centres/{front_office.centre.code}/board",
            HTTP_AUTHORIZATION=f"Device {board.raw_token}",
        )
        .json()
    )

    assert body["calls"][0]["number"] == "B-001"
    assert body["calls"][0]["counter"] == 1
    assert {q["prefix"]: q["waiting"] for q in body["queues"]} == {"A": 0, "B": 0}
