"""Day close: tickets still open at closing become closed_unserved, are kept and counted."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from onestop.queueing.models import Ticket
from onestop.queueing.selectors import centre_day_figures
from onestop.queueing.services.dayclose import day_close, day_close_due
from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import ticket_call_next, ticket_park
from onestop.queueing.tasks import close_finished_days

ALMATY = ZoneInfo("Asia/Almaty")
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)


def issue(fo, at):
    return ticket_issue(actor=None, centre=fo.centre, queue=fo.queue_a, channel="kiosk", at=at)


def test_waiting_called_and_parked_tickets_are_closed_unserved_and_counted(front_office):
    fo = front_office
    waiting = issue(fo, MONDAY)
    parked = issue(fo, MONDAY)
    ticket_call_next(actor=fo.operator, counter=fo.counter1, at=MONDAY)
    ticket_park(actor=fo.operator, ticket=Ticket.objects.get(pk=waiting.pk), at=MONDAY)
    called = ticket_call_next(actor=fo.operator, counter=fo.counter1, at=MONDAY)
    assert called.pk == parked.pk
    assert day_close(centre=fo.centre, service_day=MONDAY.date(), at=MONDAY + timedelta(hours=9)) == 2
    assert set(Ticket.objects.values_list("status", flat=True)) == {"closed_unserved"}
    assert Ticket.objects.filter(events__kind="closed_unserved").count() == 2
    figures = centre_day_figures(fo.centre, MONDAY.date(), at=MONDAY + timedelta(hours=9))
    assert (figures["issued"], figures["closed_unserved"], figures["waiting"]) == (2, 2, 0)
    # A second close finds nothing left.
    assert day_close(centre=fo.centre, service_day=MONDAY.date()) == 0


def test_periodic_task_waits_for_closing_time_then_closes_and_numbers_restart(front_office):
    fo = front_office  # centre A is open 09:00–18:00 on weekdays
    issue(fo, MONDAY)
    with time_machine.travel(MONDAY.replace(hour=17, minute=59)):
        assert day_close_due() == 0
    with time_machine.travel(MONDAY.replace(hour=18, minute=1)):
        assert close_finished_days.call() == 1
    with time_machine.travel(MONDAY + timedelta(days=1)):
        assert issue(fo, None).number == "A-001"
    assert Ticket.objects.get(number="A-001", service_day=MONDAY.date()).status == "closed_unserved"


def test_past_days_are_closed_even_without_opening_hours(front_office):
    fo = front_office
    fo.centre.opening_hours.all().delete()
    issue(fo, MONDAY)
    with time_machine.travel(MONDAY + timedelta(days=1)):
        assert day_close_due() == 1
