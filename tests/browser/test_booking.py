"""A citizen books a visit in a real Chromium, reschedules it, and checks in at the centre's kiosk;
every booking page passes axe-core (no serious or critical violation), error pages included.

The live server runs on the real clock, so the test picks whatever days the calendar offers first and
checks in with the service at the booked time (``at=``), as the kiosk would on that day."""

from __future__ import annotations

import pytest

from onestop.queueing.models import Appointment, Ticket
from onestop.queueing.services.appointments import appointment_check_in
from tests.browser.conftest import assert_accessible
from tests.factories.people import CitizenFactory
from tests.queueing.booking import booking_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _continue(page) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def test_citizen_books_reschedules_and_checks_in(new_page):
    queue = booking_queue(counters=2, share=50)
    citizen = CitizenFactory()
    page = new_page()

    page.goto("/appointments/")
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()

    # An unanswered question shows the error summary, which is accessible too.
    _continue(page)
    assert page.get_by_text("There is a problem").is_visible()
    assert_accessible(page)
    page.get_by_label(queue.centre.name).check()
    _continue(page)

    page.get_by_label(queue.name).check()
    assert_accessible(page)
    _continue(page)

    page.locator("input[name=day]").first.check()
    assert_accessible(page)
    _continue(page)

    page.locator("input[name=starts_at]").first.check()
    assert_accessible(page)
    _continue(page)

    page.get_by_label("National ID number").fill("123")
    page.get_by_label("Mobile phone number").fill(citizen.phone)
    _continue(page)
    assert page.get_by_text("There is a problem").is_visible()
    assert page.get_by_label("Mobile phone number").input_value() == citizen.phone  # nothing lost
    assert_accessible(page)
    page.get_by_label("National ID number").fill(citizen.national_id)
    _continue(page)

    assert page.locator("h1").inner_text() == "Check your booking"
    assert_accessible(page)
    page.get_by_role("button", name="Book this visit").click()
    page.wait_for_url("**/appointments/confirmation")
    assert page.locator("h1").inner_text() == "Your visit is booked"
    assert page.get_by_role("img", name="QR code").is_visible()
    assert_accessible(page)
    appointment = Appointment.objects.get(citizen=citizen)
    assert page.locator("#booking-code").inner_text().replace("-", "") == appointment.code
    first_time = appointment.starts_at

    # Reschedule: find the booking with code + national ID, choose another day and time.
    page.get_by_role("link", name="Change or cancel your booking").click()
    page.get_by_label("Booking code").fill(page_code := f"{appointment.code[:4]}-{appointment.code[4:]}")
    page.get_by_label("National ID number").fill(citizen.national_id)
    assert_accessible(page)
    page.get_by_role("button", name="Find booking").click()
    page.wait_for_url("**/appointments/manage/booking")
    assert page_code in page.locator("#booking-code").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Change the day or time").click()
    page.locator("input[name=day]").nth(1).check()
    _continue(page)
    page.locator("input[name=starts_at]").nth(2).check()
    assert_accessible(page)
    _continue(page)
    page.wait_for_url("**/appointments/manage/booking")
    assert page.get_by_text("Your booking has been changed").is_visible()
    appointment.refresh_from_db()
    assert appointment.starts_at > first_time
    assert page.get_by_role("link", name="Cancel the booking").is_visible()
    page.get_by_role("link", name="Cancel the booking").click()
    assert_accessible(page)

    # On the day, the kiosk checks the booking in; twice gives the same ticket.
    ticket = appointment_check_in(actor=None, centre=queue.centre, code=page_code, at=appointment.starts_at)
    again = appointment_check_in(
        actor=None, centre=queue.centre, national_id=citizen.national_id, at=appointment.starts_at
    )
    assert ticket.pk == again.pk and ticket.channel == Ticket.Channel.APPOINTMENT
    assert page.console_errors == []
