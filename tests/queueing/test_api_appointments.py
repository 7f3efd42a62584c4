"""The appointments API: slots, book, reschedule, cancel, check-in, remote join; problem+json errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from onestop.core.problems import PROBLEM_CONTENT_TYPE
from onestop.queueing.models import Appointment, Ticket
from tests.factories.people import CitizenFactory, RoleMembershipFactory
from tests.factories.queueing import DeviceFactory
from tests.queueing.booking import MONDAY, MONDAY_AFTER, booking_queue, local

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def queue():
    return booking_queue(counters=2, share=50)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(local(MONDAY, 8), tick=False) as traveller:
        yield traveller


def _book(api, queue, citizen, when):
    return api.post(
        "/api/v1/appointments",
        {
            "centre": queue.centre.code,
            "queue": queue.prefix,
            "starts_at": when.isoformat(),
            "national_id": citizen.national_id,
            "phone": citizen.phone,
        },
        format="json",
    )


def _problem(response, status, slug):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == f"urn:onestop:problem:{slug}"
    return body


def test_slots_of_a_day_are_listed(api, queue):
    response = api.get(f"/api/v1/centres/{queue.centre.code}/queues/A/slots", {"date": TUESDAY.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == TUESDAY.isoformat() and len(body["slots"]) == 16
    assert body["slots"][0]["free"] == 1


def test_slots_on_a_day_off_are_empty_and_bad_dates_are_problems(api, queue):
    url = f"/api/v1/centres/{queue.centre.code}/queues/A/slots"
    assert api.get(url, {"date": MONDAY_AFTER.isoformat()}).json()["slots"] == []
    body = _problem(api.get(url, {"date": "tomorrow"}), 400, "validation-error")
    assert body["errors"][0]["name"] == "date"
    _problem(api.get(url), 400, "validation-error")
    _problem(
        api.get(f"/api/v1/centres/{queue.centre.code}/queues/Z/slots", {"date": "2025-03-04"}),
        404,
        "not-found",
    )


def test_booking_returns_the_code_and_a_full_slot_is_a_problem_with_next_slots(api, queue):
    first, second = CitizenFactory(), CitizenFactory()
    response = _book(api, queue, first, local(TUESDAY, 10))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "booked"
    assert Appointment.objects.get(code=response.json()["code"]).citizen == first

    body = _problem(_book(api, queue, second, local(TUESDAY, 10)), 409, "slot-full")
    assert body["next_slots"][0]["starts_at"] == local(TUESDAY, 10, 30).isoformat()


def test_booking_over_quota_is_a_problem(api, queue):
    citizen = CitizenFactory()
    assert _book(api, queue, citizen, local(TUESDAY, 10)).status_code == 201
    body = _problem(_book(api, queue, citizen, local(TUESDAY, 11)), 409, "quota-exceeded")
    assert body["next_slots"]


def test_booking_needs_a_valid_national_id_and_the_registered_phone(api, queue):
    citizen = CitizenFactory()
    response = api.post(
        "/api/v1/appointments",
        {
            "centre": queue.centre.code,
            "queue": "A",
            "starts_at": local(TUESDAY, 10).isoformat(),
            "national_id": "12345",
            "phone": citizen.phone,
        },
        format="json",
    )
    assert _problem(response, 400, "validation-error")["errors"][0]["name"] == "national_id"
    citizen.phone = "+7 700 000 0000"
    _problem(_book(api, queue, citizen, local(TUESDAY, 10)), 404, "citizen-not-matched")
    _problem(
        api.post("/api/v1/appointments", {"centre": queue.centre.code}, format="json"),
        400,
        "validation-error",
    )


def test_reschedule_and_cancel_need_the_code_and_the_national_id(api, queue):
    citizen = CitizenFactory()
    code = _book(api, queue, citizen, local(TUESDAY, 10)).json()["code"]
    stranger = CitizenFactory()
    _problem(
        api.post(f"/api/v1/appointments/{code}/cancel", {"national_id": stranger.national_id}, format="json"),
        404,
        "unknown-booking",
    )
    moved = api.post(
        f"/api/v1/appointments/{code}/reschedule",
        {"national_id": citizen.national_id, "starts_at": local(TUESDAY, 15).isoformat()},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["starts_at"] == local(TUESDAY, 15).isoformat()
    cancelled = api.post(
        f"/api/v1/appointments/{code}/cancel", {"national_id": citizen.national_id}, format="json"
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    # The freed slot can be booked by someone else.
    assert _book(api, queue, stranger, local(TUESDAY, 15)).status_code == 201


def test_a_kiosk_checks_a_booking_in_once(api, queue, monday_morning):
    citizen = CitizenFactory()
    code = _book(api, queue, citizen, local(TUESDAY, 10)).json()["code"]
    kiosk = DeviceFactory(centre=queue.centre)
    monday_morning.move_to(local(TUESDAY, 9, 50))
    url = f"/api/v1/centres/{queue.centre.code}/check-in"
    headers = {"HTTP_AUTHORIZATION": f"Device {kiosk.raw_token}"}
    first = api.post(url, {"code": code}, format="json", **headers)
    assert first.status_code == 200, first.content
    assert first.json()["channel"] == "appointment" and first.json()["number"] == "A-001"
    again = api.post(url, {"national_id": citizen.national_id}, format="json", **headers)
    assert again.json()["token"] == first.json()["token"]
    assert Ticket.objects.count() == 1


def test_check_in_needs_a_kiosk_or_staff_of_the_centre(api, queue, monday_morning):
    citizen = CitizenFactory()
    code = _book(api, queue, citizen, local(TUESDAY, 10)).json()["code"]
    monday_morning.move_to(local(TUESDAY, 9, 50))
    url = f"/api/v1/centres/{queue.centre.code}/check-in"
    _problem(api.post(url, {"code": code}, format="json"), 401, "not-authenticated")
    other_kiosk = DeviceFactory()
    _problem(
        api.post(url, {"code": code}, format="json", HTTP_AUTHORIZATION=f"Device {other_kiosk.raw_token}"),
        403,
        "device-not-allowed",
    )
    operator = RoleMembershipFactory(role="operator", centre=queue.centre).user
    api.force_authenticate(operator)
    assert api.post(url, {"code": code}, format="json").status_code == 200
    _problem(api.post(url, {}, format="json"), 400, "validation-error")
    _problem(api.post(url, {"code": "NOPE-NOPE"}, format="json"), 404, "unknown-booking")


def test_remote_join_gives_a_remote_ticket_where_allowed(api, monday_morning):
    queue = booking_queue(allows_remote=True)
    citizen = CitizenFactory()
    url = f"/api/v1/centres/{queue.centre.code}/queues/A/join"
    payload = {"national_id": citizen.national_id, "phone": citizen.phone}
    _problem(api.post(url, payload, format="json"), 409, "remote-join-not-allowed")  # 08:00, not open yet
    monday_morning.move_to(local(MONDAY, 10))
    response = api.post(url, payload, format="json")
    assert response.status_code == 201 and response.json()["channel"] == "remote"
    _problem(
        api.post(url, {**payload, "services": ["no-such-service"]}, format="json"), 400, "validation-error"
    )


def test_endpoints_are_in_the_openapi_schema(api):
    schema = api.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for expected in (
        "/api/v1/centres/{code}/queues/{prefix}/slots",
        "/api/v1/appointments",
        "/api/v1/appointments/{code}/reschedule",
        "/api/v1/appointments/{code}/cancel",
        "/api/v1/centres/{code}/check-in",
        "/api/v1/centres/{code}/queues/{prefix}/join",
    ):
        assert expected in paths, expected
    assert "409" in paths["/api/v1/appointments"]["post"]["responses"]
