"""Booking, quota, full slots, rescheduling, cancelling, check-in and remote joining."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from onestop.core.models import AuditEvent
from onestop.queueing.errors import (
    IllegalTransition,
    QuotaExceeded,
    ServiceNotOffered,
    SlotFull,
    UnknownBooking,
    WrongCentre,
)
from onestop.queueing.models import Appointment, Ticket, TicketEvent
from onestop.queueing.services.appointments import (
    AppointmentNotDue,
    CitizenNotMatched,
    RemoteJoinNotAllowed,
    SlotNotBookable,
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_reschedule,
    citizen_for_booking,
    find_booking,
    queue_join_remote,
)
from onestop.queueing.slots import available_slots, slot_at
from tests.factories.catalog import ServiceFactory
from tests.factories.centres import CentreFactory
from tests.factories.people import CitizenFactory
from tests.queueing.booking import FRIDAY, MONDAY, MONDAY_AFTER, booking_queue, local

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + timedelta(days=1)
BEFORE = local(MONDAY, 8)  # the moment every booking below is made


@pytest.fixture
def queue():
    return booking_queue(counters=2, share=50)  # one place per 30-minute slot


def book(queue, citizen=None, when=None, **kwargs):
    return appointment_book(
        actor=None,
        queue=queue,
        citizen=citizen or CitizenFactory(),
        starts_at=when or local(TUESDAY, 10),
        at=BEFORE,
        **kwargs,
    )


def test_booking_takes_a_place_in_the_slot_and_is_audited(queue):
    citizen = CitizenFactory()
    appointment = book(queue, citizen, services=list(queue.services.all()))
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.centre == queue.centre and appointment.citizen == citizen
    assert appointment.ends_at == local(TUESDAY, 10, 30)
    assert len(appointment.code) == 8
    assert slot_at(queue=queue, starts_at=local(TUESDAY, 10), at=BEFORE).free == 0
    assert AuditEvent.objects.filter(action="appointment.book", target_id=str(appointment.pk)).exists()


def test_a_full_slot_is_refused_with_the_next_free_slots(queue):
    book(queue)
    with pytest.raises(SlotFull) as caught:
        book(queue)
    assert caught.value.status == 409
    assert [s["starts_at"] for s in caught.value.extra["next_slots"]] == [
        local(TUESDAY, 10, 30).isoformat(),
        local(TUESDAY, 11).isoformat(),
        local(TUESDAY, 11, 30).isoformat(),
    ]


def test_a_time_that_is_not_a_slot_is_refused(queue):
    for when in (local(TUESDAY, 10, 10), local(TUESDAY, 13), local(MONDAY_AFTER, 10), local(MONDAY, 7)):
        with pytest.raises(SlotNotBookable) as caught:
            book(queue, when=when)
        assert caught.value.extra["next_slots"]


def test_quota_allows_one_booking_per_ten_days_by_default(queue):
    citizen = CitizenFactory()
    book(queue, citizen, when=local(TUESDAY, 10))
    with pytest.raises(QuotaExceeded) as caught:
        book(queue, citizen, when=local(FRIDAY, 10))
    # The next slots offered are those the quota allows: ten days after the booking held, not before.
    first = caught.value.extra["next_slots"][0]["starts_at"]
    assert first == local(TUESDAY + timedelta(days=10), 10).isoformat()
    assert Appointment.objects.filter(citizen=citizen).count() == 1


def test_quota_is_configurable(queue, settings):
    settings.ONESTOP_BOOKING_QUOTA = 2
    settings.ONESTOP_BOOKING_QUOTA_DAYS = 3
    citizen = CitizenFactory()
    book(queue, citizen, when=local(TUESDAY, 10))
    book(queue, citizen, when=local(TUESDAY, 11))
    with pytest.raises(QuotaExceeded):
        book(queue, citizen, when=local(TUESDAY, 12))
    assert book(queue, citizen, when=local(FRIDAY, 10)).starts_at == local(FRIDAY, 10)


def test_cancelling_frees_the_place_and_the_quota(queue):
    citizen = CitizenFactory()
    appointment = book(queue, citizen)
    cancelled = appointment_cancel(actor=None, appointment=appointment, at=BEFORE)
    assert cancelled.status == Appointment.Status.CANCELLED
    assert slot_at(queue=queue, starts_at=local(TUESDAY, 10), at=BEFORE).free == 1
    assert book(queue, citizen).status == Appointment.Status.BOOKED
    # Cancelling twice changes nothing.
    assert (
        appointment_cancel(actor=None, appointment=appointment, at=BEFORE).status
        == Appointment.Status.CANCELLED
    )


def test_rescheduling_moves_the_booking_and_frees_the_old_slot(queue):
    citizen = CitizenFactory()
    appointment = book(queue, citizen, when=local(TUESDAY, 10))
    moved = appointment_reschedule(
        actor=None, appointment=appointment, starts_at=local(FRIDAY, 15), at=BEFORE
    )
    assert (moved.pk, moved.starts_at, moved.ends_at) == (
        appointment.pk,
        local(FRIDAY, 15),
        local(FRIDAY, 15, 30),
    )
    assert moved.code == appointment.code
    assert slot_at(queue=queue, starts_at=local(TUESDAY, 10), at=BEFORE).free == 1
    assert slot_at(queue=queue, starts_at=local(FRIDAY, 15), at=BEFORE).free == 0
    event = AuditEvent.objects.get(action="appointment.reschedule")
    assert datetime.fromisoformat(event.summary["before"]["starts_at"]) == local(TUESDAY, 10)


def test_rescheduling_does_not_count_the_booking_against_its_own_quota(queue):
    appointment = book(queue, when=local(TUESDAY, 10))
    # Within ten days of itself: only the booking being moved is held, so the quota is not reached.
    assert appointment_reschedule(
        actor=None, appointment=appointment, starts_at=local(TUESDAY, 11), at=BEFORE
    ).starts_at == local(TUESDAY, 11)


def test_rescheduling_into_a_full_slot_keeps_the_booking(queue):
    book(queue, when=local(FRIDAY, 9))
    appointment = book(queue, when=local(TUESDAY, 10))
    with pytest.raises(SlotFull):
        appointment_reschedule(actor=None, appointment=appointment, starts_at=local(FRIDAY, 9), at=BEFORE)
    appointment.refresh_from_db()
    assert appointment.starts_at == local(TUESDAY, 10)


def test_a_cancelled_or_past_booking_cannot_be_rescheduled(queue):
    appointment = book(queue)
    with pytest.raises(IllegalTransition):
        appointment_reschedule(
            actor=None, appointment=appointment, starts_at=local(FRIDAY, 9), at=local(TUESDAY, 10, 5)
        )
    appointment_cancel(actor=None, appointment=appointment, at=BEFORE)
    with pytest.raises(IllegalTransition):
        appointment_reschedule(actor=None, appointment=appointment, starts_at=local(FRIDAY, 9), at=BEFORE)


def test_a_service_the_queue_does_not_take_is_refused(queue):
    with pytest.raises(ServiceNotOffered):
        book(queue, services=[ServiceFactory()])


def test_check_in_by_code_issues_an_appointment_ticket(queue):
    appointment = book(queue, services=list(queue.services.all()))
    ticket = appointment_check_in(
        actor=None, centre=queue.centre, code=appointment.code.lower(), at=local(TUESDAY, 9, 50)
    )
    assert ticket.channel == Ticket.Channel.APPOINTMENT
    assert ticket.appointment == appointment and ticket.citizen == appointment.citizen
    assert ticket.number == "A-001"
    assert list(ticket.services.values_list("service", flat=True)) == list(
        queue.services.values_list("pk", flat=True)
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.CHECKED_IN).count() == 1


def test_double_check_in_returns_the_same_ticket(queue):
    appointment = book(queue)
    first = appointment_check_in(
        actor=None, centre=queue.centre, code=appointment.code, at=local(TUESDAY, 9, 50)
    )
    again = appointment_check_in(
        actor=None, centre=queue.centre, national_id=appointment.citizen.national_id, at=local(TUESDAY, 9, 55)
    )
    assert again.pk == first.pk
    assert Ticket.objects.filter(appointment=appointment).count() == 1


def test_check_in_by_national_id_finds_todays_booking(queue):
    appointment = book(queue)
    ticket = appointment_check_in(
        actor=None,
        centre=queue.centre,
        national_id=appointment.citizen.national_id,
        at=local(TUESDAY, 10, 20),
    )
    assert ticket.appointment == appointment


def test_check_in_refuses_unknown_bookings_and_bad_ids(queue):
    appointment = book(queue)
    with pytest.raises(UnknownBooking):
        appointment_check_in(actor=None, centre=queue.centre, code="ZZZZZZZZ", at=local(TUESDAY, 9, 50))
    with pytest.raises(UnknownBooking):  # a valid ID with no booking today
        appointment_check_in(
            actor=None,
            centre=queue.centre,
            national_id=CitizenFactory().national_id,
            at=local(TUESDAY, 9, 50),
        )
    with pytest.raises(ValidationError):
        appointment_check_in(actor=None, centre=queue.centre, national_id="12345", at=local(TUESDAY, 9, 50))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_check_in_at_another_centre_is_refused(queue):
    appointment = book(queue)
    with pytest.raises(WrongCentre):
        appointment_check_in(
            actor=None, centre=CentreFactory(), code=appointment.code, at=local(TUESDAY, 9, 50)
        )


def test_check_in_on_another_day_or_too_late_is_refused(queue, settings):
    settings.ONESTOP_QUEUE_APPOINTMENT_GRACE_MINUTES = 10
    appointment = book(queue)
    with pytest.raises(AppointmentNotDue):
        appointment_check_in(actor=None, centre=queue.centre, code=appointment.code, at=local(MONDAY, 10))
    with pytest.raises(AppointmentNotDue):
        appointment_check_in(
            actor=None, centre=queue.centre, code=appointment.code, at=local(TUESDAY, 10, 41)
        )
    assert (
        appointment_check_in(
            actor=None, centre=queue.centre, code=appointment.code, at=local(TUESDAY, 10, 39)
        ).appointment
        == appointment
    )


def test_a_cancelled_booking_cannot_be_checked_in(queue):
    appointment = book(queue)
    appointment_cancel(actor=None, appointment=appointment, at=BEFORE)
    with pytest.raises(IllegalTransition):
        appointment_check_in(actor=None, centre=queue.centre, code=appointment.code, at=local(TUESDAY, 9, 50))


def test_a_booking_is_managed_with_its_code_and_the_national_id_together(queue):
    appointment = book(queue)
    found = find_booking(
        code=f"{appointment.code[:4]}-{appointment.code[4:]}".lower(),
        national_id=appointment.citizen.national_id,
    )
    assert found == appointment
    for code, nid in [
        (appointment.code, CitizenFactory().national_id),
        ("ABCDEFGH", appointment.citizen.national_id),
        (appointment.code, "not an id"),
    ]:
        with pytest.raises(UnknownBooking):
            find_booking(code=code, national_id=nid)


def test_citizen_for_booking_needs_the_registered_phone(db):
    citizen = CitizenFactory(phone="+7 701 123 45 67")
    assert citizen_for_booking(national_id=citizen.national_id, phone="8 (701) 123-45-67") == citizen
    with pytest.raises(CitizenNotMatched):
        citizen_for_booking(national_id=citizen.national_id, phone="+7 701 000 00 00")
    with pytest.raises(CitizenNotMatched):
        citizen_for_booking(national_id=CitizenFactory.build().national_id, phone="+7 701 123 45 67")
    with pytest.raises(ValidationError):
        citizen_for_booking(national_id="123", phone="+7 701 123 45 67")


def test_remote_join_issues_a_remote_ticket_only_when_allowed_and_open():
    queue = booking_queue(allows_remote=True)
    citizen = CitizenFactory()
    with pytest.raises(RemoteJoinNotAllowed):
        queue_join_remote(actor=None, queue=queue, citizen=citizen, at=local(MONDAY, 13, 30))  # lunch
    ticket = queue_join_remote(actor=None, queue=queue, citizen=citizen, at=local(MONDAY, 10))
    assert ticket.channel == Ticket.Channel.REMOTE and ticket.citizen == citizen
    # Joining again while waiting gives the same place, not a second one.
    assert (
        queue_join_remote(actor=None, queue=queue, citizen=citizen, at=local(MONDAY, 10, 5)).pk == ticket.pk
    )

    closed_to_remote = booking_queue(centre=CentreFactory(open_weekdays=True))
    with pytest.raises(RemoteJoinNotAllowed):
        queue_join_remote(actor=None, queue=closed_to_remote, citizen=citizen, at=local(MONDAY, 10))


def test_slots_show_bookings_as_taken(queue):
    book(queue, when=local(TUESDAY, 9))
    slots = available_slots(queue=queue, day=TUESDAY, at=BEFORE)
    assert (slots[0].booked, slots[0].free, slots[1].free) == (1, 0, 1)
