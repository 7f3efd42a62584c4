"""The counter console: sign-in to a counter, every ticket action through plain POST forms (and
htmx), the citizen's identification, and the scoping of operators to their own centre."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from onestop.core.audit import AuditEvent
from onestop.core.national_ids import validate_national_id
from onestop.queueing.models import CounterSession, Ticket, TicketEvent, TicketService
from tests.factories.centres import CounterFactory
from tests.factories.people import CitizenFactory
from tests.factories.queueing import AppointmentFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db

CONSOLE = reverse("desk:console")


def _url(name: str, ticket: Ticket) -> str:
    return reverse(f"desk:{name}", args=[ticket.pk])


@pytest.fixture
def desk(client, front_office):
    client.force_login(front_office.operator)
    return client


def _called(front_office, **kwargs) -> Ticket:
    """A ticket called to counter 1 through the real call-next, as the console would."""
    TicketFactory(queue=front_office.queue_a, **kwargs)
    from onestop.queueing.services.tickets import ticket_call_next

    ticket = ticket_call_next(actor=front_office.operator, counter=front_office.counter1)
    assert ticket is not None
    return ticket


def _serving(front_office, desk) -> Ticket:
    ticket = _called(front_office)
    desk.post(_url("start", ticket))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SERVING
    return ticket


# --- access and counter sign-in -----------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(CONSOLE)
    assert response.status_code == 302
    assert reverse("people:login") in response["Location"]


@pytest.mark.parametrize("persona", ["manager_a", "outsider", "coordinator"])
def test_staff_who_are_not_operators_cannot_use_the_desk(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(CONSOLE).status_code == 403


def test_operator_without_a_counter_chooses_one_of_their_centre(client, operator_a, centre_a, centre_b):
    CounterFactory(centre=centre_a, number=4, label="Window 4")
    CounterFactory(centre=centre_b, number=9, label="Elsewhere")
    client.force_login(operator_a)
    response = client.get(CONSOLE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sign in to a counter" in body
    assert "Window 4" in body
    assert "Elsewhere" not in body


def test_operator_signs_in_to_a_counter_and_sees_its_console(client, operator_a, centre_a):
    counter = CounterFactory(centre=centre_a, number=4)
    client.force_login(operator_a)
    response = client.post(reverse("desk:sign_in"), {"counter": counter.pk})
    assert response.status_code == 302
    assert CounterSession.objects.get(operator=operator_a, ended_at__isnull=True).counter == counter
    page = client.get(CONSOLE).content.decode()
    assert "Counter 4" in page
    assert "Call next" in page


def test_sign_in_without_choosing_a_counter_shows_the_error_summary(client, operator_a, centre_a):
    CounterFactory(centre=centre_a, number=4)
    client.force_login(operator_a)
    response = client.post(reverse("desk:sign_in"), {})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "Choose the counter you are sitting at." in response.content.decode()
    assert not CounterSession.objects.filter(operator=operator_a).exists()


def test_operator_of_centre_b_gets_403_at_centre_a_counter(client, operator_b, centre_a):
    counter = CounterFactory(centre=centre_a, number=4)
    client.force_login(operator_b)
    response = client.post(reverse("desk:sign_in"), {"counter": counter.pk})
    assert response.status_code == 403
    assert not CounterSession.objects.filter(operator=operator_b).exists()


def test_operator_signs_out_of_the_counter(desk, front_office):
    response = desk.post(reverse("desk:sign_out"))
    assert response.status_code == 302
    front_office.session.refresh_from_db()
    assert front_office.session.ended_at is not None
    assert "Sign in to a counter" in desk.get(CONSOLE).content.decode()


def test_actions_need_a_counter_session(client, operator_a, centre_a):
    client.force_login(operator_a)
    response = client.post(reverse("desk:call_next"), follow=True)
    assert "Sign in to a counter first." in response.content.decode()


# --- call next, recall, start -------------------------------------------------------------------


def test_call_next_on_an_empty_queue_says_no_one_is_waiting(desk, front_office):
    response = desk.post(reverse("desk:call_next"), follow=True)
    assert response.status_code == 200
    assert "No one is waiting." in response.content.decode()
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.CALLED).exists()


def test_call_next_calls_the_longest_waiting_ticket_and_shows_it(desk, front_office):
    now = timezone.now()
    older = TicketFactory(queue=front_office.queue_a, issued_at=now - timedelta(minutes=12))
    TicketFactory(queue=front_office.queue_a, issued_at=now - timedelta(minutes=2))
    response = desk.post(reverse("desk:call_next"))
    assert response.status_code == 302  # POST-redirect-GET
    older.refresh_from_db()
    assert older.status == Ticket.Status.CALLED
    assert older.counter == front_office.counter1
    page = desk.get(CONSOLE).content.decode()
    assert f"Ticket {older.number}" in page
    assert "Waited" in page and "12 min" in page


def test_htmx_call_next_answers_with_the_console_panel_only(desk, front_office):
    ticket = TicketFactory(queue=front_office.queue_a)
    response = desk.post(reverse("desk:call_next"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="console"')
    assert f"Called {ticket.number}." in body


def test_htmx_call_next_on_an_empty_queue_says_no_one_is_waiting(desk, front_office):
    response = desk.post(reverse("desk:call_next"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "No one is waiting." in response.content.decode()


def test_recall_counts_the_call_again(desk, front_office):
    ticket = _called(front_office)
    desk.post(_url("recall", ticket))
    ticket.refresh_from_db()
    assert ticket.recall_count == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.RECALLED).count() == 1


def test_start_service_shows_the_service_time_so_far(desk, front_office):
    ticket = _serving(front_office, desk)
    assert ticket.started_at is not None
    page = desk.get(CONSOLE).content.decode()
    assert "Service time so far" in page
    assert "End the visit" in page


# --- no-show ------------------------------------------------------------------------------------


def test_no_show_is_refused_before_enough_recalls_and_the_button_is_disabled(desk, front_office):
    ticket = _called(front_office)
    page = desk.get(CONSOLE).content.decode()
    assert "disabled" in page.split("Did not come</button>")[0].rsplit("<button", 1)[1]
    response = desk.post(_url("no_show", ticket), follow=True)
    assert "no-show is possible after 2 recalls" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED


def test_no_show_after_two_recalls_closes_the_ticket(desk, front_office):
    ticket = _called(front_office)
    desk.post(_url("recall", ticket))
    desk.post(_url("recall", ticket))
    response = desk.post(_url("no_show", ticket))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NO_SHOW


# --- transfer, park, return ---------------------------------------------------------------------


def test_transfer_to_another_queue_keeps_the_arrival_time(desk, front_office):
    ticket = _called(front_office, issued_at=timezone.now() - timedelta(minutes=20))
    arrived = ticket.arrived_at
    response = desk.post(
        _url("transfer", ticket),
        {"transfer-to_queue": front_office.queue_b.pk, "transfer-reason": "Property question"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.queue, ticket.arrived_at) == (
        Ticket.Status.WAITING,
        front_office.queue_b,
        arrived,
    )
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.TRANSFERRED)
    assert event.data["reason"] == "Property question"


def test_transfer_to_a_counter(desk, front_office):
    ticket = _called(front_office)
    desk.post(
        _url("transfer", ticket),
        {"transfer-to_counter": front_office.counter3.pk, "transfer-reason": "Specialist"},
    )
    ticket.refresh_from_db()
    assert ticket.target_counter == front_office.counter3


def test_transfer_without_reason_or_target_shows_the_errors_and_keeps_the_input(desk, front_office):
    ticket = _called(front_office)
    response = desk.post(_url("transfer", ticket), {"transfer-reason": "Kept reason"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Choose a queue or a counter to transfer to." in body
    assert 'value="Kept reason"' in body
    response = desk.post(_url("transfer", ticket), {"transfer-to_queue": front_office.queue_b.pk})
    assert "Give the reason for the transfer." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED


def test_park_and_return_a_ticket(desk, front_office):
    ticket = _serving(front_office, desk)
    desk.post(_url("park", ticket), {"park-reason": "Copying a document"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PARKED
    page = desk.get(CONSOLE).content.decode()
    assert f"Return {ticket.number} to my counter" in page
    desk.post(_url("return", ticket))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED
    assert ticket.counter == front_office.counter1


# --- identification, services, end -------------------------------------------------------------


def test_bad_national_id_shows_the_validators_message_and_keeps_the_input(desk, front_office):
    ticket = _serving(front_office, desk)
    bad = "12345678901"  # one digit short
    with pytest.raises(ValidationError) as expected:
        validate_national_id(bad)
    response = desk.post(_url("identify", ticket), {"identify-national_id": bad})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert expected.value.messages[0] in body
    assert f'value="{bad}"' in body
    ticket.refresh_from_db()
    assert ticket.citizen is None


def test_identified_citizen_shows_open_appointments_and_earlier_visits(desk, front_office):
    citizen = CitizenFactory()
    booked = AppointmentFactory(
        citizen=citizen,
        queue=front_office.queue_a,
        centre=front_office.centre,
        starts_at=timezone.now() + timedelta(days=3),
    )
    earlier = TicketFactory(
        queue=front_office.queue_b, citizen=citizen, done=True, issued_at=timezone.now() - timedelta(days=20)
    )
    ticket = _serving(front_office, desk)
    response = desk.post(_url("identify", ticket), {"identify-national_id": citizen.national_id}, follow=True)
    body = response.content.decode()
    ticket.refresh_from_db()
    assert ticket.citizen == citizen
    assert citizen.family_name in body
    assert booked.code in body
    assert earlier.number in body


def test_unknown_national_id_says_so(desk, front_office):
    ticket = _serving(front_office, desk)
    unknown = CitizenFactory.build().national_id
    response = desk.post(_url("identify", ticket), {"identify-national_id": unknown})
    assert "No citizen with this national ID is registered." in response.content.decode()


def test_add_a_service_to_the_visit(desk, front_office):
    ticket = _serving(front_office, desk)
    desk.post(_url("add_service", ticket), {"add-service": front_office.service_b.pk})
    assert TicketService.objects.filter(ticket=ticket, service=front_office.service_b).exists()


def test_end_the_visit_with_an_outcome_per_service(desk, front_office):
    ticket = _serving(front_office, desk)
    desk.post(_url("add_service", ticket), {"add-service": front_office.service_b.pk})
    lines = list(TicketService.objects.filter(ticket=ticket))
    assert len(lines) == 2
    data = {
        f"end-outcome_{lines[0].service_id}": "completed",
        f"end-outcome_{lines[1].service_id}": "referred",
    }
    response = desk.post(_url("end", ticket), data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.DONE
    outcomes = dict(TicketService.objects.filter(ticket=ticket).values_list("service_id", "outcome"))
    assert outcomes == {lines[0].service_id: "completed", lines[1].service_id: "referred"}
    assert AuditEvent.objects.filter(action__startswith="ticket.").exists()


def test_end_without_an_outcome_shows_the_error(desk, front_office):
    ticket = _serving(front_office, desk)
    response = desk.post(_url("end", ticket), {})
    assert response.status_code == 200
    assert "Choose the outcome of" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SERVING


def test_starting_a_ticket_twice_shows_a_message_not_an_error_page(desk, front_office):
    ticket = _serving(front_office, desk)
    response = desk.post(_url("start", ticket), follow=True)
    assert response.status_code == 200
    assert "notice-error" in response.content.decode()


# --- scoping ------------------------------------------------------------------------------------


def test_operator_cannot_act_on_a_ticket_of_another_centre(desk, front_office, centre_b):
    foreign = TicketFactory(queue=QueueFactory(centre=centre_b, prefix="Z"), called=True)
    for name in ("recall", "start", "no_show", "return"):
        assert desk.post(_url(name, foreign)).status_code == 403
    assert desk.post(_url("identify", foreign), {"identify-national_id": "x"}).status_code == 403
    foreign.refresh_from_db()
    assert foreign.status == Ticket.Status.CALLED


def test_get_on_an_action_is_not_allowed(desk, front_office):
    assert desk.get(reverse("desk:call_next")).status_code == 405
