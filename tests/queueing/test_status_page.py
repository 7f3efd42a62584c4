"""The public live status page of a ticket (reached from the QR code on the ticket)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import ticket_call_next, ticket_cancel

pytestmark = pytest.mark.django_db


def _issue(front_office, queue):
    return ticket_issue(
        actor=None, centre=front_office.centre, queue=queue, channel="kiosk", at=timezone.now()
    )


def test_waiting_ticket_shows_number_place_and_wait_and_refreshes_itself(client, front_office):
    _issue(front_office, front_office.queue_a)
    ticket = _issue(front_office, front_office.queue_a)

    response = client.get(reverse("queueing:ticket-status", args=[ticket.token]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ticket A-002" in page
    assert "You are in the queue." in page
    assert "<dt>People ahead of you</dt><dd>1</dd>" in page
    assert "Estimated wait" in page
    live = reverse("queueing:ticket-status-live", args=[ticket.token])
    assert f'hx-get="{live}"' in page and 'hx-trigger="every 10s"' in page
    assert "Refresh now" in page  # without JavaScript


def test_called_ticket_says_which_counter_to_go_to(client, front_office):
    ticket = _issue(front_office, front_office.queue_a)
    ticket_call_next(actor=front_office.operator, counter=front_office.counter1)

    page = client.get(reverse("queueing:ticket-status-live", args=[ticket.token])).content.decode()

    assert "please go to counter 1 now" in page
    assert "People ahead of you" not in page


def test_unknown_ticket_is_not_found(client, db):
    assert client.get(reverse("queueing:ticket-status", args=[uuid.uuid4()])).status_code == 404


def test_finished_ticket_stops_refreshing(client, front_office):
    ticket = _issue(front_office, front_office.queue_a)
    ticket_cancel(actor=front_office.operator, ticket=ticket)

    page = client.get(reverse("queueing:ticket-status", args=[ticket.token])).content.decode()

    assert "This ticket was cancelled." in page
    assert "hx-trigger" not in page
