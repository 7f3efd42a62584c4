"""Call-next is atomic: 20 counters of one centre, each in its own thread with its own database
connection and its own signed-in operator, call 2,000 tickets; every ticket is called exactly once.

On SQLite the in-memory test database cannot be shared by threads (each connection would see its
own, or shared-cache table locks would fail instead of waiting), so this module moves the test
database to a temporary *file* for its duration: the module-scoped ``django_db_setup`` (from
tests/file_database.py) points the default connection's settings (which every thread's new
connection reads) at that file and migrates it, keeping the session's in-memory database alive for
the modules that run after. On
PostgreSQL the session's test database serves every thread as it is.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from onestop.people.models import Role
from onestop.queueing.models import CounterQueue, CounterSession, DailySequence, Ticket, TicketEvent
from onestop.queueing.services.tickets import ticket_call_next, ticket_park
from tests.factories.catalog import ServiceFactory
from tests.factories.centres import CentreFactory, CounterFactory
from tests.factories.people import RoleMembershipFactory
from tests.factories.queueing import QueueFactory
from tests.file_database import file_database

COUNTERS = 20
TICKETS = 2000


django_db_setup = file_database("call-next")


def _ticket_rows(centre, queues, day, start):
    """2,000 waiting tickets alternating between the queues, one second apart, with their
    issued events; bulk-created so the setup costs a few statements, not thousands."""
    sequences = dict.fromkeys((q.prefix for q in queues), 0)
    tickets = []
    for i in range(TICKETS):
        queue = queues[i % len(queues)]
        sequences[queue.prefix] += 1
        at = start + timedelta(seconds=i)
        tickets.append(
            Ticket(
                centre=centre,
                queue=queue,
                service_day=day,
                prefix=queue.prefix,
                sequence=sequences[queue.prefix],
                number=f"{queue.prefix}-{sequences[queue.prefix]:03d}",
                channel=Ticket.Channel.KIOSK,
                issued_at=at,
                arrived_at=at,
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=500)
    created = list(Ticket.objects.filter(centre=centre).only("pk", "centre_id", "issued_at"))
    TicketEvent.objects.bulk_create(
        (
            TicketEvent(
                ticket=t,
                centre_id=t.centre_id,
                kind=TicketEvent.Kind.ISSUED,
                at=t.issued_at,
                to_status="waiting",
            )
            for t in created
        ),
        batch_size=500,
    )
    DailySequence.objects.bulk_create(
        DailySequence(centre=centre, service_day=day, prefix=p, last=n) for p, n in sequences.items()
    )


@pytest.mark.django_db(transaction=True)
def test_twenty_counters_call_two_thousand_tickets_each_exactly_once():
    now = timezone.now()
    centre = CentreFactory(code="RACE")
    queues = [
        QueueFactory(centre=centre, prefix="A", services=[ServiceFactory()]),
        QueueFactory(centre=centre, prefix="B", services=[ServiceFactory()]),
    ]
    counters = [CounterFactory(centre=centre, number=n + 1) for n in range(COUNTERS)]
    # Half the counters serve A first, half B first: the orders overlap, so they compete for rows.
    CounterQueue.objects.bulk_create(
        CounterQueue(counter=c, queue=q, position=pos)
        for i, c in enumerate(counters)
        for pos, q in enumerate(queues if i % 2 == 0 else queues[::-1])
    )
    operators = [
        RoleMembershipFactory(user__username=f"racer{n}", role=Role.OPERATOR, centre=centre).user
        for n in range(COUNTERS)
    ]
    CounterSession.objects.bulk_create(
        CounterSession(counter=c, operator=o, started_at=now)
        for c, o in zip(counters, operators, strict=True)
    )
    _ticket_rows(centre, queues, timezone.localdate(now), now - timedelta(hours=2))

    called: list[list[int]] = [[] for _ in range(COUNTERS)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(COUNTERS)

    def work(index: int) -> None:
        try:
            barrier.wait()
            while True:
                ticket = ticket_call_next(actor=operators[index], counter=counters[index])
                if ticket is None:
                    break
                called[index].append(ticket.pk)
                # Parking frees the counter for its next call with one transition (start + end
                # would cost two and prove nothing more about call-next).
                ticket_park(actor=operators[index], ticket=ticket)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(COUNTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    assert not errors, errors[:3]
    everything = [pk for batch in called for pk in batch]
    duplicates = [pk for pk, n in Tally(everything).items() if n > 1]
    all_ids = set(Ticket.objects.filter(centre=centre).values_list("pk", flat=True))
    lost = all_ids - set(everything)
    assert duplicates == []
    assert lost == set()
    assert len(everything) == TICKETS
    # The history agrees: one "called" event per ticket, every ticket handled, and many counters
    # took part (so the test really raced).
    calls = Tally(
        TicketEvent.objects.filter(centre=centre, kind=TicketEvent.Kind.CALLED).values_list(
            "ticket_id", flat=True
        )
    )
    assert set(calls.values()) == {1} and len(calls) == TICKETS
    assert Ticket.objects.filter(centre=centre).exclude(status=Ticket.Status.PARKED).count() == 0
    assert sum(1 for batch in called if batch) >= COUNTERS // 2
