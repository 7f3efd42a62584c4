"""The ticket kiosk: choose a service group or a life situation, take a ticket, check in."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from onestop.queueing.models import Device, Ticket
from tests.factories.catalog import LifeEventFactory, ServiceFactory
from tests.factories.queueing import AppointmentFactory, DeviceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(front_office):
    return DeviceFactory(centre=front_office.centre, kind=Device.Kind.KIOSK)


@pytest.fixture
def kiosk_client(client, kiosk):
    client.defaults["HTTP_AUTHORIZATION"] = f"Device {kiosk.raw_token}"
    return client


def url(name, front_office, *args):
    return reverse(name, args=[front_office.centre.code, *args])


def test_start_screen_offers_groups_languages_and_check_in(kiosk_client, front_office):
    page = kiosk_client.get(url("queueing:kiosk", front_office)).content.decode()

    assert "Civil registration" in page and "Property" in page
    for language in ("en", "ru", "kk", "ka"):
        assert f'hreflang="{language}"' in page
    assert url("queueing:kiosk-check-in", front_office) in page


def test_kiosk_speaks_the_chosen_language(kiosk_client, front_office):
    response = kiosk_client.get(url("queueing:kiosk", front_office), {"lang": "ru"})

    assert '<html lang="ru">' in response.content.decode()


def test_kiosk_issues_a_ticket_through_the_service_and_shows_it(kiosk_client, front_office):
    response = kiosk_client.post(url("queueing:kiosk-issue", front_office), {"queue": "B", "lang": "en"})

    ticket = Ticket.objects.get()
    assert ticket.number == "B-001"
    assert ticket.channel == Ticket.Channel.KIOSK
    assert ticket.events.filter(kind="issued", actor_label__startswith="kiosk:").exists()
    assert response.status_code == 302
    page = kiosk_client.get(response["Location"]).content.decode()
    assert "B-001" in page
    assert "Property" in page
    assert "People ahead of you" in page
    assert "Estimated wait" in page
    assert 'src="data:image/svg+xml' in page  # the QR code to the status page
    assert f'href="{url("queueing:kiosk", front_office)}"' in page  # "Done" without JavaScript
    assert "data-idle-seconds" in page


def test_people_ahead_counts_earlier_tickets(kiosk_client, front_office):
    kiosk_client.post(url("queueing:kiosk-issue", front_office), {"queue": "A"})
    response = kiosk_client.post(url("queueing:kiosk-issue", front_office), {"queue": "A"})

    page = kiosk_client.get(response["Location"]).content.decode()
    assert "A-002" in page
    assert "<dt>People ahead of you</dt><dd>1</dd>" in page


def test_priority_group_is_recorded(kiosk_client, front_office):
    kiosk_client.post(
        url("queueing:kiosk-issue", front_office), {"queue": "A", "priority_group": "disability"}
    )

    assert Ticket.objects.get().priority_group == "disability"


def test_service_chosen_by_life_event_goes_to_its_queue(kiosk_client, front_office):
    event = LifeEventFactory(code="new-baby", name="Having a baby")
    front_office.service_b.life_events.add(event)

    start = kiosk_client.get(url("queueing:kiosk", front_office)).content.decode()
    assert "Having a baby" in start
    listing = kiosk_client.get(url("queueing:kiosk-life-event", front_office, "new-baby")).content.decode()
    assert front_office.service_b.name in listing
    kiosk_client.post(
        url("queueing:kiosk-issue", front_office), {"service": front_office.service_b.identifier}
    )

    ticket = Ticket.objects.get()
    assert ticket.queue == front_office.queue_b
    assert [ts.service for ts in ticket.services.all()] == [front_office.service_b]


def test_service_the_centre_does_not_offer_is_clearly_refused(kiosk_client, front_office):
    elsewhere = ServiceFactory(name="Fishing licence")

    shown = kiosk_client.get(url("queueing:kiosk-service", front_office, elsewhere.identifier))
    posted = kiosk_client.post(url("queueing:kiosk-issue", front_office), {"service": elsewhere.identifier})

    for response in (shown, posted):
        assert response.status_code == 400
        page = response.content.decode()
        assert "We cannot give you a ticket for this" in page
        assert "does not offer" in page and "Fishing licence" in page
    assert not Ticket.objects.exists()


def test_unknown_group_or_bad_input_is_refused_not_a_500(kiosk_client, front_office):
    assert kiosk_client.post(url("queueing:kiosk-issue", front_office), {"queue": "Z"}).status_code == 404
    assert kiosk_client.post(url("queueing:kiosk-issue", front_office), {}).status_code == 404
    bad_priority = kiosk_client.post(
        url("queueing:kiosk-issue", front_office), {"queue": "A", "priority_group": "vip"}
    )
    assert bad_priority.status_code == 400
    assert kiosk_client.get(url("queueing:kiosk-queue", front_office, "Z")).status_code == 404
    assert not Ticket.objects.exists()


def test_kiosk_of_another_centre_cannot_issue_here(client, front_office, centre_b):
    other = DeviceFactory(centre=centre_b, kind=Device.Kind.KIOSK)

    response = client.post(
        url("queueing:kiosk-issue", front_office),
        {"queue": "A"},
        HTTP_AUTHORIZATION=f"Device {other.raw_token}",
    )

    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_check_in_by_booking_code_shows_the_ticket_and_is_idempotent(kiosk_client, front_office):
    # Starting now: due today, whatever the time of the run.
    appointment = AppointmentFactory(
        queue=front_office.queue_a, starts_at=timezone.now().replace(microsecond=0)
    )

    first = kiosk_client.post(url("queueing:kiosk-check-in", front_office), {"code": appointment.code})
    second = kiosk_client.post(url("queueing:kiosk-check-in", front_office), {"code": appointment.code})

    assert first.status_code == 302
    assert first["Location"] == second["Location"]
    ticket = Ticket.objects.get()
    assert ticket.appointment == appointment
    assert ticket.number in kiosk_client.get(first["Location"]).content.decode()


def test_check_in_with_nothing_or_unknown_code_explains_what_to_do(kiosk_client, front_office):
    empty = kiosk_client.post(url("queueing:kiosk-check-in", front_office), {"code": "", "national_id": ""})
    unknown = kiosk_client.post(url("queueing:kiosk-check-in", front_office), {"code": "NOPE-123"})

    assert empty.status_code == 400
    assert "Enter your booking code or your national ID number." in empty.content.decode()
    assert unknown.status_code == 400
    assert "There is a problem" in unknown.content.decode()
    assert not Ticket.objects.exists()
