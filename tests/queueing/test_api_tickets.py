"""The ticket REST API: issue, public status, counter actions; errors as problem+json, never a 500."""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from onestop.queueing.api_tickets import TicketSerializer
from onestop.queueing.models import Ticket
from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import ticket_call_next, ticket_transfer
from tests.factories.catalog import ServiceFactory
from tests.factories.queueing import DeviceFactory

PROBLEM = "application/problem+json"


@pytest.fixture
def api(front_office):
    client = APIClient()
    client.force_login(front_office.operator)
    return client


def _issue(fo):
    return ticket_issue(actor=None, centre=fo.centre, queue=fo.queue_a, channel="kiosk")


def test_kiosk_issues_a_ticket_with_its_device_token(front_office):
    device = DeviceFactory(centre=front_office.centre, kind="kiosk")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {device.raw_token}")
    service = front_office.services_a[0]
    response = client.post(
        f"/api/v1/centres/{front_office.centre.code}/tickets",
        {"queue": "A", "services": [service.identifier]},
    )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == "A-001"
    assert response.json()["channel"] == "kiosk"


def test_kiosk_of_another_centre_gets_403(front_office, centre_b):
    device = DeviceFactory(centre=centre_b, kind="kiosk")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {device.raw_token}")
    response = client.post(f"/api/v1/centres/{front_office.centre.code}/tickets", {"queue": "A"})
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_service_not_offered_is_a_clear_400(api, front_office):
    response = api.post(
        f"/api/v1/centres/{front_office.centre.code}/tickets",
        {"queue": "A", "services": [ServiceFactory().identifier]},
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("service-not-offered")


def test_bad_input_is_problem_json(api, front_office):
    response = api.post(f"/api/v1/centres/{front_office.centre.code}/tickets", {"queue": "ZZ"})
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM


def test_anonymous_cannot_issue(front_office):
    response = APIClient().post(f"/api/v1/centres/{front_office.centre.code}/tickets", {"queue": "A"})
    assert response.status_code in (401, 403)


def test_status_page_is_public_by_token(front_office):
    first, second = _issue(front_office), _issue(front_office)
    response = APIClient().get(f"/api/v1/tickets/{second.token}")
    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["people_ahead"], body["status"]) == ("A-002", 1, "waiting")
    assert body["estimated_wait_minutes"] is not None
    assert first.number == "A-001"


def test_unknown_token_is_404_problem(db):
    response = APIClient().get("/api/v1/tickets/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM


def test_a_ticket_body_is_what_its_declared_fields_give(front_office):
    """TicketSerializer writes its body out by hand (speed); it must agree with its declarations,
    which are what the OpenAPI schema publishes: waiting, called to a counter, transferred."""

    def body_agrees(ticket: Ticket) -> dict:
        serializer = TicketSerializer(ticket)
        assert serializer.data == serializers.Serializer.to_representation(serializer, ticket)
        return serializer.data

    ticket = _issue(front_office)
    assert body_agrees(Ticket.objects.get(pk=ticket.pk))["counter"] is None
    called = ticket_call_next(actor=front_office.operator, counter=front_office.counter1)
    assert called is not None
    assert body_agrees(called)["counter"] == 1
    moved = ticket_transfer(actor=front_office.operator, ticket=called, to_queue=front_office.queue_b)
    assert body_agrees(moved)["queue"] == front_office.queue_b.prefix


def test_call_next_on_empty_queue_is_200_with_message(api, front_office):
    response = api.post(f"/api/v1/counters/{front_office.centre.code}/1/call-next")
    assert response.status_code == 200
    assert response.json()["ticket"] is None and response.json()["message"]


def test_counter_actions_through_the_api(api, front_office):
    _issue(front_office)
    base = f"/api/v1/counters/{front_office.centre.code}/1"
    called = api.post(f"{base}/call-next").json()["ticket"]
    assert called["number"] == "A-001" and called["counter"] == 1
    pk = called["id"]
    assert api.post(f"{base}/tickets/{pk}/recall").json()["recall_count"] == 1
    assert api.post(f"{base}/tickets/{pk}/start").json()["status"] == "serving"
    assert api.post(f"{base}/tickets/{pk}/park", {"reason": "copy"}).json()["status"] == "parked"
    assert api.post(f"{base}/tickets/{pk}/return", {"counter": 1}).json()["status"] == "called"
    assert api.post(f"{base}/tickets/{pk}/start").json()["status"] == "serving"
    assert api.post(f"{base}/tickets/{pk}/transfer", {"queue": "B"}).json()["queue"] == "B"
    assert Ticket.objects.get(pk=pk).status == "waiting"


def test_illegal_transition_is_409_problem(api, front_office):
    ticket = _issue(front_office)
    response = api.post(
        f"/api/v1/counters/{front_office.centre.code}/1/tickets/{ticket.pk}/end", {"outcomes": {}}
    )
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("illegal-transition")


def test_operator_of_another_centre_gets_403(front_office, operator_b):
    ticket = _issue(front_office)
    client = APIClient()
    client.force_login(operator_b)
    base = f"/api/v1/counters/{front_office.centre.code}/1"
    assert client.post(f"{base}/call-next").status_code == 403
    assert client.post(f"{base}/tickets/{ticket.pk}/recall").status_code == 403


def test_bad_outcome_and_bad_transfer_are_400_not_500(api, front_office):
    _issue(front_office)
    base = f"/api/v1/counters/{front_office.centre.code}/1"
    pk = api.post(f"{base}/call-next").json()["ticket"]["id"]
    api.post(f"{base}/tickets/{pk}/start")
    assert (
        api.post(f"{base}/tickets/{pk}/end", {"outcomes": {"x": "completed"}}, format="json").status_code
        == 400
    )
    assert (
        api.post(f"{base}/tickets/{pk}/end", {"outcomes": {"1": "bogus"}}, format="json").status_code == 400
    )
    assert api.post(f"{base}/tickets/{pk}/transfer", {}).status_code == 400
    assert api.post(f"{base}/tickets/{pk}/transfer", {"counter": 99}).status_code == 400


def test_endpoints_are_in_the_openapi_schema(client, db):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/centres/{code}/tickets", "/tickets/{token}", "/call-next", "/no-show"):
        assert path in schema
