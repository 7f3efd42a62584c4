"""Two people booking the last place of a slot at the same moment: exactly one gets it.

Real threads with their own database connections, so this runs on PostgreSQL (row locks taken by
``select_for_update``). SQLite serialises writers by the IMMEDIATE transaction instead, which its
shared-cache in-memory test database cannot reproduce with threads, so the test is skipped there.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from onestop.core.audit import SystemActor
from onestop.queueing.errors import QueueingError, QuotaExceeded, SlotFull
from onestop.queueing.models import Appointment, Ticket
from onestop.queueing.services import appointments, history
from onestop.queueing.services.appointments import appointment_book
from onestop.queueing.services.issuing import ticket_issue
from tests.factories.people import CitizenFactory
from tests.queueing.booking import MONDAY, booking_queue, local

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a server database with row locks (see docstring)"
    ),
]
TUESDAY = MONDAY + timedelta(days=1)
CALLERS = 8


def _race(book_one) -> list[object]:
    barrier = threading.Barrier(CALLERS)
    results: list[object] = [None] * CALLERS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = book_one(i)
        except QueueingError as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_only_one_of_many_simultaneous_bookings_gets_the_last_place():
    queue = booking_queue(counters=2, share=50)  # one place per slot
    citizens = [CitizenFactory() for _ in range(CALLERS)]
    when = local(TUESDAY, 10)

    results = _race(
        lambda i: appointment_book(
            actor=None, queue=queue, citizen=citizens[i], starts_at=when, at=local(MONDAY, 8)
        )
    )

    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, SlotFull)]
    assert (len(booked), len(refused)) == (1, CALLERS - 1)
    assert Appointment.objects.filter(queue=queue, starts_at=when).count() == 1


def test_one_citizen_racing_for_several_slots_stays_within_the_quota():
    queue = booking_queue(counters=2, share=100)
    citizen = CitizenFactory()

    results = _race(
        lambda i: appointment_book(
            actor=None,
            queue=queue,
            citizen=citizen,
            starts_at=local(TUESDAY, 9) + timedelta(minutes=30 * i),
            at=local(MONDAY, 8),
        )
    )

    assert sum(isinstance(r, Appointment) for r in results) == 1
    assert sum(isinstance(r, QuotaExceeded) for r in results) == CALLERS - 1
    assert Appointment.objects.filter(citizen=citizen).count() == 1


def test_only_one_of_many_simultaneous_reschedules_gets_the_last_place():
    queue = booking_queue(counters=2, share=50)  # one place per slot
    mornings = [local(TUESDAY, 9) + timedelta(minutes=30 * i) for i in range(CALLERS)]
    bookings = [
        appointment_book(
            actor=None, queue=queue, citizen=CitizenFactory(), starts_at=when, at=local(MONDAY, 8)
        )
        for when in mornings
    ]
    afternoon = local(TUESDAY, 14)

    results = _race(
        lambda i: appointments.appointment_reschedule(
            actor=None, appointment=bookings[i], starts_at=afternoon, at=local(MONDAY, 9)
        )
    )

    moved = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, SlotFull)]
    assert (len(moved), len(refused)) == (1, CALLERS - 1)
    # Every refusal says why and offers times that are really free: the afternoon's next slot, and
    # the morning slot the winner gave up.
    for error in refused:
        offered = {slot["starts_at"] for slot in error.extra["next_slots"]}
        assert afternoon.isoformat() not in offered and offered
    assert Appointment.objects.filter(queue=queue, starts_at=afternoon).count() == 1
    # The others keep their places; the winner's old place is free for someone else.
    kept = dict(Appointment.objects.filter(queue=queue).values_list("pk", "starts_at"))
    winner = moved[0]
    for booking, when in zip(bookings, mornings, strict=True):
        assert kept[booking.pk] == (afternoon if booking.pk == winner.pk else when)
    freed = mornings[[b.pk for b in bookings].index(winner.pk)]
    assert (
        appointment_book(
            actor=None, queue=queue, citizen=CitizenFactory(), starts_at=freed, at=local(MONDAY, 10)
        ).starts_at
        == freed
    )


def test_a_reschedule_and_new_bookings_racing_for_the_last_place_give_it_once():
    queue = booking_queue(counters=2, share=50)
    earlier = appointment_book(
        actor=None, queue=queue, citizen=CitizenFactory(), starts_at=local(TUESDAY, 9), at=local(MONDAY, 8)
    )
    newcomers = [CitizenFactory() for _ in range(CALLERS - 1)]
    when = local(TUESDAY, 15)

    def one(i: int) -> object:
        if i == 0:
            return appointments.appointment_reschedule(
                actor=None, appointment=earlier, starts_at=when, at=local(MONDAY, 9)
            )
        return appointment_book(
            actor=None, queue=queue, citizen=newcomers[i - 1], starts_at=when, at=local(MONDAY, 9)
        )

    results = _race(one)

    assert sum(isinstance(r, Appointment) for r in results) == 1
    assert sum(isinstance(r, SlotFull) for r in results) == CALLERS - 1
    assert Appointment.objects.filter(queue=queue, starts_at=when).count() == 1
    earlier.refresh_from_db()
    rescheduled = isinstance(results[0], Appointment)
    assert earlier.starts_at == (when if rescheduled else local(TUESDAY, 9))


def test_a_kiosk_press_during_a_remote_join_neither_deadlocks_nor_waits_for_it(monkeypatch):
    """A remote join holds the citizen and the queue while it checks the slot and issues its
    ticket; a kiosk press at the same queue meanwhile must not deadlock with it (the kiosk's new
    ticket checks its queue key, the join then wants the day's number), nor wait for the join."""
    queue = booking_queue(allows_remote=True)
    citizen = CitizenFactory()
    at = local(TUESDAY, 10)
    ticket_issue(actor=SystemActor("kiosk"), centre=queue.centre, queue=queue, channel="kiosk", at=at)
    join_holds_its_locks = threading.Event()
    opening_hours = appointments.slots.centre_open_at

    def slow_opening_hours(q, when):
        if not join_holds_its_locks.is_set():
            join_holds_its_locks.set()
            time.sleep(1.0)  # the join now holds the citizen and the queue for a second
        return opening_hours(q, when)

    monkeypatch.setattr(appointments.slots, "centre_open_at", slow_opening_hours)
    errors: dict[str, BaseException] = {}
    kiosk_seconds: list[float] = []

    def remote() -> None:
        try:
            appointments.queue_join_remote(actor=None, queue=queue, citizen=citizen, at=at)
        except BaseException as error:  # reported below
            errors["remote"] = error
        finally:
            connection.close()

    def kiosk() -> None:
        join_holds_its_locks.wait(10)
        started = time.monotonic()
        try:
            ticket_issue(actor=SystemActor("kiosk"), centre=queue.centre, queue=queue, channel="kiosk", at=at)
        except BaseException as error:  # reported below
            errors["kiosk"] = error
        finally:
            kiosk_seconds.append(time.monotonic() - started)
            connection.close()

    threads = [threading.Thread(target=remote), threading.Thread(target=kiosk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == {}
    assert kiosk_seconds[0] < 0.8, "the kiosk press waited for the remote join"
    assert sorted(Ticket.objects.filter(queue=queue).values_list("sequence", flat=True)) == [1, 2, 3]


def test_a_kiosk_press_during_an_import_of_todays_history_waits_and_neither_deadlocks(monkeypatch):
    """An import of today's visits takes its numbers before writing its tickets, as a kiosk press
    does, so the press waits for the import and then takes the number after the imported ones. (An
    import that wrote its tickets first and took the numbers last deadlocked with such a press.)"""
    queue = booking_queue()
    now = timezone.now()
    ticket_issue(actor=SystemActor("kiosk"), centre=queue.centre, queue=queue, channel="kiosk", at=now)
    written = threading.Event()
    insert_rows = history._insert_rows

    def insert_then_linger(model, fields, rows):
        insert_rows(model, fields, rows)
        if model is Ticket:
            written.set()
            time.sleep(0.5)  # the press arrives while the import's transaction is still open

    monkeypatch.setattr(history, "_insert_rows", insert_then_linger)
    outcome: dict[str, object] = {}

    def run(name: str, work) -> None:
        try:
            outcome[name] = work()
        except Exception as error:  # reported to the test thread
            outcome[name] = error
        finally:
            connection.close()

    def press() -> Ticket:
        written.wait(10)
        return ticket_issue(
            actor=SystemActor("kiosk"), centre=queue.centre, queue=queue, channel="kiosk", at=now
        )

    visits = [
        history.HistoricVisit(queue=queue, issued_at=now - timedelta(minutes=m), closed_at=now)
        for m in (3, 2)
    ]
    threads = [
        threading.Thread(
            target=run,
            args=("import", lambda: history.history_import(actor=None, centre=queue.centre, visits=visits)),
        ),
        threading.Thread(target=run, args=("press", press)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcome["import"] == 2
    pressed = outcome["press"]
    assert isinstance(pressed, Ticket), pressed
    assert pressed.number == f"{queue.prefix}-004"  # after the first press (001) and the import (002, 003)
    numbers = sorted(Ticket.objects.filter(queue=queue).values_list("sequence", flat=True))
    assert numbers == [1, 2, 3, 4]
