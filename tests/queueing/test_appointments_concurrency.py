"""Two people booking the last place of a slot at the same moment: exactly one gets it.

Real threads with their own database connections, so this runs on PostgreSQL (row locks taken by
``select_for_update``). SQLite serialises writers by the IMMEDIATE transaction instead, which its
shared-cache in-memory test database cannot reproduce with threads, so the test is skipped there.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from onestop.queueing.errors import QueueingError, QuotaExceeded, SlotFull
from onestop.queueing.models import Appointment
from onestop.queueing.services.appointments import appointment_book
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
