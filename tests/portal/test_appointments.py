"""The citizen booking pages: one question per page, nothing lost on bad input, manage by code + ID."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from onestop.queueing.models import Appointment
from tests.factories.people import CitizenFactory
from tests.queueing.booking import MONDAY, booking_queue, local

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(local(MONDAY, 8), tick=False) as traveller:
        yield traveller


@pytest.fixture
def queue():
    return booking_queue(counters=2, share=50)


def _walk_to_details(client, queue):
    assert (
        client.post("/appointments/centre", {"centre": queue.centre.code}).url
        == "/appointments/service-group"
    )
    assert client.post("/appointments/service-group", {"queue": queue.prefix}).url == "/appointments/day"
    assert client.post("/appointments/day", {"day": TUESDAY.isoformat()}).url == "/appointments/time"
    response = client.post("/appointments/time", {"starts_at": local(TUESDAY, 10).isoformat()})
    assert response.url == "/appointments/your-details"


def test_start_page_links_to_the_first_question(client):
    response = client.get("/appointments/")
    assert response.status_code == 200
    assert b'href="/appointments/centre"' in response.content


def test_a_citizen_books_a_visit_page_by_page(client, queue):
    citizen = CitizenFactory()
    page = client.get("/appointments/centre")
    assert queue.centre.name in page.content.decode()
    _walk_to_details(client, queue)
    response = client.post(
        "/appointments/your-details", {"national_id": citizen.national_id, "phone": citizen.phone}
    )
    assert response.url == "/appointments/check"
    check = client.get("/appointments/check").content.decode()
    assert citizen.national_id in check and "10:00" in check
    response = client.post("/appointments/check")
    assert response.url == "/appointments/confirmation"
    appointment = Appointment.objects.get(citizen=citizen)
    assert appointment.starts_at == local(TUESDAY, 10)
    confirmation = client.get("/appointments/confirmation").content.decode()
    assert f"{appointment.code[:4]}-{appointment.code[4:]}" in confirmation
    assert 'src="data:image/svg+xml' in confirmation  # the QR code, inline


def test_missing_answers_show_an_error_summary(client, queue):
    response = client.post("/appointments/centre", {})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and "Choose the centre you want to visit." in body
    assert 'href="#id_centre_0"' in body


def test_bad_details_keep_what_was_typed_and_say_what_is_wrong(client, queue):
    _walk_to_details(client, queue)
    response = client.post(
        "/appointments/your-details", {"national_id": "12345", "phone": "+7 701 555 66 77"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert 'value="12345"' in body and 'value="+7 701 555 66 77"' in body


def test_details_not_matching_the_register_are_refused(client, queue):
    citizen = CitizenFactory(phone="+7 701 111 22 33")
    _walk_to_details(client, queue)
    response = client.post(
        "/appointments/your-details", {"national_id": citizen.national_id, "phone": "+7 701 999 99 99"}
    )
    assert response.status_code == 200
    assert "We could not match this national ID and phone number" in response.content.decode()


def test_a_time_taken_meanwhile_is_explained_with_the_next_free_times(client, queue):
    citizen = CitizenFactory()
    _walk_to_details(client, queue)
    client.post("/appointments/your-details", {"national_id": citizen.national_id, "phone": citizen.phone})
    # Someone else takes the last place while this citizen checks their answers.
    from onestop.queueing.services.appointments import appointment_book

    appointment_book(actor=None, queue=queue, citizen=CitizenFactory(), starts_at=local(TUESDAY, 10))
    response = client.post("/appointments/check")
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert "has just been fully booked" in body and "10:30" in body
    assert not Appointment.objects.filter(citizen=citizen).exists()


def test_a_stale_time_choice_is_a_field_error(client, queue):
    _walk_to_details(client, queue)
    response = client.post("/appointments/time", {"starts_at": local(TUESDAY, 13).isoformat()})
    assert response.status_code == 200 and "Choose another time" in response.content.decode()


def test_a_booking_is_rescheduled_and_cancelled_with_code_and_national_id(client, queue):
    from onestop.queueing.services.appointments import appointment_book

    citizen = CitizenFactory()
    appointment = appointment_book(actor=None, queue=queue, citizen=citizen, starts_at=local(TUESDAY, 10))
    wrong = client.post(
        "/appointments/manage", {"code": appointment.code, "national_id": CitizenFactory().national_id}
    )
    assert "No booking matches" in wrong.content.decode()
    found = client.post(
        "/appointments/manage", {"code": appointment.code.lower(), "national_id": citizen.national_id}
    )
    assert found.url == "/appointments/manage/booking"
    assert (
        client.post("/appointments/manage/day", {"day": TUESDAY.isoformat()}).url
        == "/appointments/manage/time"
    )
    moved = client.post("/appointments/manage/time", {"starts_at": local(TUESDAY, 15).isoformat()})
    assert moved.url == "/appointments/manage/booking"
    appointment.refresh_from_db()
    assert appointment.starts_at == local(TUESDAY, 15)
    assert "Your booking has been changed" in client.get("/appointments/manage/booking").content.decode()
    assert client.post("/appointments/manage/cancel").url == "/appointments/manage/booking"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_steps_out_of_order_send_the_citizen_back(client):
    assert client.get("/appointments/check").url == "/appointments/time"
    assert client.get("/appointments/service-group").url == "/appointments/centre"
    assert client.get("/appointments/manage/booking").url == "/appointments/manage"
