"""Ticket numbers under concurrent issue: 8 kiosks of one centre, each in its own thread with its own
database connection, issue 200 tickets in one queue at once; the numbers are exactly 1..200, none
given twice and none missing. On PostgreSQL the number is taken inside the statement that writes
the ticket (services/issuing.py), so the kiosks queue up on the day's number row while each of them
writes; this proves that none of them waits forever or takes another's number.

The test database moves to a file on SQLite for this module (tests/file_database.py)."""

from __future__ import annotations

import threading
from collections import Counter as Tally

import pytest
from django.db import connections

from onestop.core.audit import SystemActor
from onestop.queueing.models import Ticket, TicketEvent
from onestop.queueing.services.issuing import ticket_issue
from tests.factories.catalog import ServiceFactory
from tests.factories.centres import CentreFactory
from tests.factories.queueing import QueueFactory
from tests.file_database import file_database

django_db_setup = file_database("issue-concurrency")

KIOSKS = 8
EACH = 25


@pytest.mark.django_db(transaction=True)
def test_eight_kiosks_at_once_get_every_number_exactly_once():
    service = ServiceFactory()
    centre = CentreFactory(code="ISSUE-RACE", services=[service])
    queue = QueueFactory(centre=centre, prefix="A", services=[service])
    errors: list[BaseException] = []
    barrier = threading.Barrier(KIOSKS)

    def work(index: int) -> None:
        kiosk = SystemActor(f"kiosk-{index}")
        try:
            barrier.wait()
            for _ in range(EACH):
                ticket_issue(actor=kiosk, centre=centre, queue=queue, channel="kiosk", services=[service])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(KIOSKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not errors, errors[:3]
    numbers = list(Ticket.objects.filter(centre=centre).values_list("sequence", flat=True))
    assert sorted(numbers) == list(range(1, KIOSKS * EACH + 1))
    printed = Tally(Ticket.objects.filter(centre=centre).values_list("number", flat=True))
    assert set(printed.values()) == {1}
    assert TicketEvent.objects.filter(centre=centre, kind=TicketEvent.Kind.ISSUED).count() == KIOSKS * EACH
