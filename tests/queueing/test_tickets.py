"""Issuing tickets and the counter actions on them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from onestop.queueing.errors import IllegalTransition, NotSignedIn, ServiceNotOffered, WrongCentre
from onestop.queueing.models import Ticket, TicketEvent, TicketService
from onestop.queueing.selectors import centre_day_figures, current_ticket, people_ahead, waiting_counts
from onestop.queueing.services.counters import counter_sign_in
from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import (
    ticket_call_next,
    ticket_end,
    ticket_no_show,
    ticket_park,
    ticket_recall,
    ticket_return,
    ticket_start,
    ticket_transfer,
)
from tests.factories.catalog import ServiceFactory
from tests.factories.queueing import AppointmentFactory

ALMATY = ZoneInfo("Asia/Almaty")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)  # a Monday


def issue(fo, queue=None, at=T0, **kw):
    return ticket_issue(actor=None, centre=fo.centre, queue=queue or fo.queue_a, channel="kiosk", at=at, **kw)


def test_numbers_count_per_prefix_and_restart_each_day(front_office):
    fo = front_office
    assert [issue(fo).number, issue(fo).number, issue(fo, fo.queue_b).number] == ["A-001", "A-002", "B-001"]
    with time_machine.travel(T0 + timedelta(days=1)):
        assert issue(fo, at=None).number == "A-001"


def test_service_the_centre_does_not_offer_is_refused(front_office):
    stranger = ServiceFactory()
    with pytest.raises(ServiceNotOffered) as info:
        issue(front_office, services=[stranger])
    assert stranger.name in info.value.message
    assert not Ticket.objects.exists()


def test_service_of_another_queue_is_refused(front_office):
    with pytest.raises(ServiceNotOffered):
        issue(front_office, front_office.queue_b, services=front_office.services_a[:1])


def test_issue_records_services_and_event(front_office):
    ticket = issue(front_office, services=front_office.services_a)
    assert TicketService.objects.filter(ticket=ticket, outcome="pending").count() == 2
    assert list(ticket.events.values_list("kind", flat=True)) == [TicketEvent.Kind.ISSUED]


def test_call_next_on_empty_queue_returns_none(front_office):
    assert ticket_call_next(actor=front_office.operator, counter=front_office.counter1, at=T0) is None


def test_call_next_needs_a_session_at_that_counter(front_office):
    issue(front_office)
    with pytest.raises(NotSignedIn):
        ticket_call_next(actor=front_office.operator, counter=front_office.counter2, at=T0)


def test_operator_of_another_centre_cannot_call(front_office, operator_b):
    issue(front_office)
    with pytest.raises(WrongCentre) as info:
        ticket_call_next(actor=operator_b, counter=front_office.counter1, at=T0)
    assert info.value.status == 403


def test_longest_waiting_across_the_counters_queues_goes_first(front_office):
    fo = front_office
    b = issue(fo, fo.queue_b, at=T0)
    a = issue(fo, fo.queue_a, at=T0 + timedelta(minutes=1))
    assert ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0 + timedelta(minutes=2)) == b
    ticket_park(actor=fo.operator, ticket=Ticket.objects.get(pk=b.pk))
    assert ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0 + timedelta(minutes=3)) == a


def test_priority_then_due_appointment_then_transfer_to_this_counter_go_first(front_office, citizen):
    fo = front_office
    plain = issue(fo, at=T0)
    priority = issue(fo, at=T0 + timedelta(minutes=1), priority_group="disability")
    booked = issue(
        fo,
        at=T0 + timedelta(minutes=2),
        appointment=AppointmentFactory(queue=fo.queue_a, citizen=citizen, starts_at=T0),
    )
    later = T0 + timedelta(minutes=5)
    order = []
    for _ in range(3):
        ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=later)
        order.append(ticket.pk)
        ticket_park(actor=fo.operator, ticket=ticket, at=later)
    assert order == [booked.pk, priority.pk, plain.pk]
    # Parked "plain" transferred to counter 1 beats a new, older-looking walk-in.
    issue(fo, at=T0 - timedelta(hours=1))
    ticket_transfer(
        actor=fo.operator, ticket=Ticket.objects.get(pk=plain.pk), to_counter=fo.counter1, at=later
    )
    assert ticket_call_next(actor=fo.operator, counter=fo.counter1, at=later) == plain


def test_counter_outside_a_queues_profile_does_not_get_its_tickets(front_office, other_operator):
    fo = front_office
    issue(fo, fo.queue_a)
    counter_sign_in(actor=other_operator, counter=fo.counter3, at=T0)
    assert ticket_call_next(actor=other_operator, counter=fo.counter3, at=T0) is None


def test_call_next_refused_while_the_counter_has_a_called_ticket(front_office):
    fo = front_office
    issue(fo), issue(fo)
    called = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0)
    with pytest.raises(IllegalTransition) as refused:
        ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0)
    assert called.number in refused.value.message
    assert refused.value.extra["current_ticket"] == called.number
    assert Ticket.objects.filter(status=Ticket.Status.WAITING).count() == 1


def test_a_counter_without_a_session_is_refused_before_its_open_ticket_is_named(front_office):
    fo = front_office
    issue(fo), issue(fo)
    ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0)
    fo.session.ended_at = T0
    fo.session.save()
    with pytest.raises(NotSignedIn):
        ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0)


def test_transfer_keeps_the_arrival_time(front_office):
    fo = front_office
    ticket = issue(fo, at=T0)
    ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0 + timedelta(minutes=4))
    ticket = ticket_transfer(actor=fo.operator, ticket=ticket, to_queue=fo.queue_b, reason="wrong desk")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.queue, ticket.arrived_at, ticket.counter) == (
        "waiting",
        fo.queue_b,
        T0,
        None,
    )
    assert ticket.events.get(kind="transferred").data["to_queue"] == "B"


def test_no_show_only_after_enough_recalls(front_office, settings):
    settings.ONESTOP_QUEUE_NO_SHOW_AFTER_RECALLS = 2
    fo = front_office
    issue(fo)
    ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0)
    with pytest.raises(IllegalTransition):
        ticket_no_show(actor=fo.operator, ticket=ticket)
    ticket = ticket_recall(actor=fo.operator, ticket=ticket)
    ticket = ticket_recall(actor=fo.operator, ticket=ticket)
    assert ticket.recall_count == 2
    assert ticket_no_show(actor=fo.operator, ticket=ticket).status == "no_show"


def test_park_and_return_to_a_counter(front_office):
    fo = front_office
    issue(fo)
    ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0)
    ticket = ticket_park(actor=fo.operator, ticket=ticket, reason="fetching passport")
    ticket = ticket_return(actor=fo.operator, ticket=ticket, counter=fo.counter2)
    assert (ticket.status, ticket.counter_id) == ("called", fo.counter2.pk)


def test_operator_of_another_centre_cannot_act_on_a_ticket(front_office, operator_b):
    fo = front_office
    issue(fo)
    ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0)
    for action in (ticket_recall, ticket_start, ticket_no_show):
        with pytest.raises(WrongCentre):
            action(actor=operator_b, ticket=ticket)


def test_waiting_and_service_times_come_from_events(front_office):
    fo = front_office
    issue(fo, services=fo.services_a, at=T0)
    ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0 + timedelta(minutes=6))
    assert current_ticket(fo.counter1) == ticket
    ticket = ticket_start(actor=fo.operator, ticket=ticket, at=T0 + timedelta(minutes=7))
    ticket_end(
        actor=fo.operator,
        ticket=ticket,
        outcomes={fo.services_a[0].pk: "completed"},
        at=T0 + timedelta(minutes=17),
    )
    outcomes = dict(TicketService.objects.filter(ticket=ticket).values_list("service_id", "outcome"))
    assert outcomes == {fo.services_a[0].pk: "completed", fo.services_a[1].pk: "not_handled"}
    figures = centre_day_figures(fo.centre, T0.date(), at=T0 + timedelta(minutes=20))
    assert figures["served"] == 1
    assert figures["mean_wait_seconds"] == 360
    assert figures["mean_service_seconds"] == 600
    assert figures["within_target_share"] == 1.0


def test_end_keeps_what_each_line_already_had_and_leaves_finished_lines_alone(front_office, other_operator):
    fo = front_office
    ticket = issue(fo, services=fo.services_a, at=T0)
    first, second = (TicketService.objects.get(ticket=ticket, service=s) for s in fo.services_a)
    # The first line was begun earlier at counter 2 by a colleague and referred elsewhere there.
    earlier = T0 + timedelta(minutes=1)
    TicketService.objects.filter(pk=first.pk).update(
        started_at=earlier, ended_at=earlier, counter=fo.counter2, operator=other_operator, outcome="referred"
    )
    ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0 + timedelta(minutes=5))
    ticket = ticket_start(actor=fo.operator, ticket=ticket, at=T0 + timedelta(minutes=6))
    ticket_end(
        actor=fo.operator,
        ticket=ticket,
        outcomes={fo.services_a[0].pk: "completed", fo.services_a[1].pk: "missing_documents"},
        at=T0 + timedelta(minutes=16),
    )
    first.refresh_from_db()
    second.refresh_from_db()
    # The finished line is untouched; the pending one ends with its outcome, at this counter.
    assert (first.outcome, first.started_at, first.ended_at) == ("referred", earlier, earlier)
    assert (first.counter, first.operator) == (fo.counter2, other_operator)
    assert second.outcome == "missing_documents"
    assert (second.started_at, second.ended_at) == (T0 + timedelta(minutes=6), T0 + timedelta(minutes=16))
    assert (second.counter, second.operator) == (fo.counter1, fo.operator)


def test_a_line_without_a_start_of_its_own_takes_the_visits(front_office):
    fo = front_office
    ticket = issue(fo, services=[fo.services_a[0]], at=T0)
    ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0 + timedelta(minutes=5))
    ticket = ticket_start(actor=fo.operator, ticket=ticket, at=T0 + timedelta(minutes=6))
    line = TicketService.objects.get(ticket=ticket)
    TicketService.objects.filter(pk=line.pk).update(started_at=None, counter=None, operator=None)
    ticket_end(actor=fo.operator, ticket=ticket, outcomes={}, at=T0 + timedelta(minutes=9))
    line.refresh_from_db()
    assert line.outcome == "not_handled"
    assert (line.started_at, line.ended_at) == (T0 + timedelta(minutes=6), T0 + timedelta(minutes=9))
    assert (line.counter, line.operator) == (fo.counter1, fo.operator)


def test_end_refuses_strangers_and_unknown_outcomes_and_writes_nothing(front_office):
    fo = front_office
    ticket = issue(fo, services=fo.services_a, at=T0)
    ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0 + timedelta(minutes=5))
    ticket = ticket_start(actor=fo.operator, ticket=ticket, at=T0 + timedelta(minutes=6))
    events = TicketEvent.objects.filter(ticket=ticket).count()
    with pytest.raises(ValidationError, match="not part of the visit"):
        ticket_end(actor=fo.operator, ticket=ticket, outcomes={fo.service_b.pk: "completed"})
    with pytest.raises(ValidationError, match="Unknown outcome"):
        ticket_end(actor=fo.operator, ticket=ticket, outcomes={fo.services_a[0].pk: "pending"})
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.SERVING
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert set(TicketService.objects.filter(ticket=ticket).values_list("outcome", flat=True)) == {"pending"}


def test_a_naive_time_is_taken_as_local_on_the_ticket_and_its_lines_alike(front_office):
    fo = front_office
    ticket = issue(fo, services=[fo.services_a[0]], at=T0)
    ticket = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=T0 + timedelta(minutes=5))
    naive = (T0 + timedelta(minutes=6)).replace(tzinfo=None)
    with pytest.warns(RuntimeWarning, match="naive datetime"), timezone.override(ALMATY):
        ticket = ticket_start(actor=fo.operator, ticket=ticket, at=naive)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.started_at == TicketService.objects.get(ticket=ticket).started_at


def test_people_ahead_and_waiting_counts(front_office):
    fo = front_office
    first = issue(fo, at=T0)
    second = issue(fo, at=T0 + timedelta(minutes=1))
    issue(fo, fo.queue_b, at=T0)
    assert (people_ahead(first), people_ahead(second)) == (0, 1)
    assert waiting_counts(fo.centre) == {fo.queue_a.pk: 2, fo.queue_b.pk: 1}
