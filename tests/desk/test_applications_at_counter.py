"""Starting an application at the counter for the identified visitor, for one or several services,
then filling it in on the application pages in the operator's context."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onestop.cases.models import Application
from onestop.queueing.models import Ticket
from tests.factories.people import CitizenFactory
from tests.factories.queueing import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, front_office):
    client.force_login(front_office.operator)
    return client


def _identified(front_office, desk) -> Ticket:
    from onestop.queueing.services.tickets import ticket_call_next

    TicketFactory(queue=front_office.queue_a)
    ticket = ticket_call_next(actor=front_office.operator, counter=front_office.counter1)
    assert ticket is not None
    desk.post(reverse("desk:start", args=[ticket.pk]))
    citizen = CitizenFactory()
    desk.post(reverse("desk:identify", args=[ticket.pk]), {"identify-national_id": citizen.national_id})
    ticket.refresh_from_db()
    assert ticket.citizen == citizen
    return ticket


def test_operator_starts_one_application_for_several_services_of_the_visitor(desk, front_office):
    ticket = _identified(front_office, desk)
    console = desk.get(reverse("desk:console")).content.decode()
    assert "Start an application" in console

    response = desk.post(
        reverse("desk:start_application", args=[ticket.pk]),
        {"apply-services": [front_office.services_a[0].pk, front_office.service_b.pk]},
    )

    application = Application.objects.get(ticket=ticket)
    assert application.channel == Application.Channel.COUNTER
    assert application.citizen == ticket.citizen
    assert application.centre == front_office.centre
    assert application.items.count() == 2
    assert response["Location"] == reverse("portal:apply_resume", args=[application.pk])
    page = desk.get(response["Location"], follow=True).content.decode()
    assert "at the counter for" in page
    assert reverse("desk:console") in page


def test_starting_an_application_without_a_service_shows_the_error(desk, front_office):
    ticket = _identified(front_office, desk)

    response = desk.post(reverse("desk:start_application", args=[ticket.pk]), {})

    assert "Choose at least one service for the application." in response.content.decode()
    assert not Application.objects.filter(ticket=ticket).exists()


def test_application_needs_an_identified_visitor(desk, front_office):
    from onestop.queueing.services.tickets import ticket_call_next

    TicketFactory(queue=front_office.queue_a)
    ticket = ticket_call_next(actor=front_office.operator, counter=front_office.counter1)
    assert ticket is not None

    response = desk.post(
        reverse("desk:start_application", args=[ticket.pk]),
        {"apply-services": [front_office.services_a[0].pk]},
        follow=True,
    )

    assert "Identify the visitor before starting an application." in response.content.decode()
    assert not Application.objects.exists()


def test_operator_of_another_centre_cannot_open_the_counter_application(
    client, desk, front_office, operator_b
):
    ticket = _identified(front_office, desk)
    desk.post(
        reverse("desk:start_application", args=[ticket.pk]),
        {"apply-services": [front_office.services_a[0].pk]},
    )
    application = Application.objects.get(ticket=ticket)

    client.force_login(operator_b)

    assert client.get(reverse("portal:apply_check", args=[application.pk])).status_code == 404
