"""On PostgreSQL a kiosk press and each counter action write their rows in one statement
(core/statements.py). They must leave exactly what the ORM path (SQLite's, and PostgreSQL's inside
the switch below) leaves: the ticket, its service lines, its events and its audit entries, and the
ticket object the caller gets back must be the row as stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from onestop.core.models import AuditEvent
from onestop.queueing import workflow
from onestop.queueing.errors import IllegalTransition
from onestop.queueing.models import DailySequence, Ticket, TicketEvent, TicketService
from onestop.queueing.services import issuing
from onestop.queueing.services import tickets as ticket_services
from onestop.queueing.services.issuing import ticket_issue
from onestop.queueing.services.tickets import (
    ticket_call_next,
    ticket_end,
    ticket_no_show,
    ticket_park,
    ticket_recall,
    ticket_return,
    ticket_start,
)
from tests.factories.people import CitizenFactory
from tests.factories.queueing import AppointmentFactory

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement writes are PostgreSQL's"
)

TICKET_COLUMNS = [f.attname for f in Ticket._meta.concrete_fields if f.attname not in ("id", "token")]


def _row(ticket: Ticket) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in TICKET_COLUMNS}


def _a_day(fo, booked) -> list[Ticket]:
    """Two visits through every kind of write: issue (with two services, and with a priority group),
    call, recall (an expression), no-show, start, park, return, end with one outcome given."""
    at = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    step = iter(range(1, 100))

    def then() -> Any:
        return at + timedelta(minutes=next(step))

    def as_stored(ticket: Ticket) -> Ticket:
        # What the caller got back is the row as the database holds it.
        assert _row(ticket) == _row(Ticket.objects.get(pk=ticket.pk))
        return ticket

    op = fo.operator
    first = as_stored(
        ticket_issue(
            actor=op, centre=fo.centre, queue=fo.queue_a, channel="reception", services=fo.services_a, at=at
        )
    )
    second = as_stored(
        ticket_issue(
            actor=op,
            centre=fo.centre,
            queue=fo.queue_a,
            channel="kiosk",
            services=fo.services_a[:1],
            priority_group="elderly",
            at=then(),
        )
    )
    # An appointment checked in at the kiosk: two events at one moment and two service lines, whose
    # ids must follow the order given (both are listed by id).
    third = as_stored(
        ticket_issue(
            actor=op,
            centre=fo.centre,
            queue=fo.queue_a,
            channel="appointment",
            services=list(reversed(fo.services_a)),
            appointment=booked,
            at=then(),
        )
    )
    called = ticket_call_next(actor=op, counter=fo.counter1, at=then())
    assert called is not None and called.pk == second.pk  # priority first
    called = as_stored(ticket_recall(actor=op, ticket=as_stored(called), at=then()))
    called = as_stored(ticket_recall(actor=op, ticket=called, at=then()))
    as_stored(ticket_no_show(actor=op, ticket=called, at=then()))
    called = ticket_call_next(actor=op, counter=fo.counter1, at=then())
    assert called is not None and called.pk == first.pk
    served = as_stored(ticket_start(actor=op, ticket=called, at=then()))
    parked = as_stored(ticket_park(actor=op, ticket=served, reason="fetches a copy", at=then()))
    back = as_stored(ticket_return(actor=op, ticket=parked, counter=fo.counter1, at=then()))
    served = as_stored(ticket_start(actor=op, ticket=back, at=then()))
    outcome = {fo.services_a[0].pk: TicketService.Outcome.COMPLETED}
    as_stored(ticket_end(actor=op, ticket=served, outcomes=outcome, at=then()))
    return [first, second, third]


def _what_is_stored(tickets: list[Ticket]) -> list[dict[str, Any]]:
    stored = []
    for ticket in tickets:
        row = Ticket.objects.get(pk=ticket.pk)
        audit = AuditEvent.objects.filter(target_type="queueing.ticket", target_id=str(ticket.pk)).order_by(
            "id"
        )
        stored.append(
            {
                "ticket": _row(row),
                "lines": list(
                    TicketService.objects.filter(ticket=row)
                    .order_by("id")
                    .values("service_id", "outcome", "counter_id", "operator_id", "started_at", "ended_at")
                ),
                "events": list(
                    TicketEvent.objects.filter(ticket=row)
                    .order_by("id")
                    .values(
                        "centre_id",
                        "kind",
                        "at",
                        "from_status",
                        "to_status",
                        "counter_id",
                        "actor_id",
                        "actor_label",
                        "data",
                    )
                ),
                "audit": list(
                    audit.values(
                        "actor_kind",
                        "actor_id",
                        "actor_label",
                        "action",
                        "target_label",
                        "summary",
                        "request_id",
                        "seq",
                        "hash",
                        "sealed_at",
                    )
                ),
            }
        )
    return stored


@postgresql_only
def test_one_statement_writes_leave_what_the_orm_writes_leave(front_office, monkeypatch):
    booked = AppointmentFactory(queue=front_office.queue_a, citizen=CitizenFactory())
    outcomes = []
    for one_statement in (True, False):
        with monkeypatch.context() as patch:
            patch.setattr(workflow, "writes_in_one_statement", lambda one=one_statement: one)
            patch.setattr(issuing, "writes_in_one_statement", lambda one=one_statement: one)
            sid = transaction.savepoint()
            outcomes.append(_what_is_stored(_a_day(front_office, booked)))
            transaction.savepoint_rollback(sid)
    assert outcomes[0] == outcomes[1]
    first, second, third = outcomes[0]
    assert [e["kind"] for e in third["events"]] == ["issued", "checked_in"]
    assert [line["service_id"] for line in third["lines"]] == [
        s.pk for s in reversed(front_office.services_a)
    ]
    assert [e["kind"] for e in first["events"]] == [
        "issued",
        "called",
        "started",
        "parked",
        "returned",
        "started",
        "ended",
    ]
    assert [e["kind"] for e in second["events"]] == ["issued", "called", "recalled", "recalled", "no_show"]
    assert second["ticket"]["recall_count"] == 2
    assert [a["action"] for a in first["audit"]][:2] == ["ticket.issue", "ticket.called"]
    # services_a[0] got its outcome; the other was left without one: not handled.
    assert [(line["service_id"], line["outcome"]) for line in first["lines"]] == [
        (front_office.services_a[0].pk, "completed"),
        (front_office.services_a[1].pk, "not_handled"),
    ]


@postgresql_only
def test_a_lost_compare_and_set_writes_nothing(front_office):
    ticket = ticket_issue(
        actor=front_office.operator, centre=front_office.centre, queue=front_office.queue_a, channel="kiosk"
    )
    stale = Ticket.objects.get(pk=ticket.pk)
    called = ticket_call_next(actor=front_office.operator, counter=front_office.counter1)
    assert called is not None
    ticket_start(actor=front_office.operator, ticket=called)
    events, audits = TicketEvent.objects.count(), AuditEvent.objects.count()
    # The stale copy still says "waiting"; the table allows waiting → called only by call-next,
    # so take a legal move from its stale status: cancel.
    with pytest.raises(IllegalTransition):
        ticket_services.ticket_cancel(actor=front_office.operator, ticket=stale)
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.SERVING
    assert (TicketEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)


@postgresql_only
def test_numbers_past_999_and_the_audit_label_match_the_orm_path(front_office, monkeypatch):
    """Numbers past 999, the audit label and the audit summary: the same on both paths."""

    def two_issues(one_statement: bool) -> list[tuple[str, str, dict]]:
        with monkeypatch.context() as patch:
            patch.setattr(issuing, "writes_in_one_statement", lambda: one_statement)
            sid = transaction.savepoint()
            DailySequence.objects.create(
                centre=front_office.centre, service_day=timezone.localdate(), prefix="A", last=998
            )
            issued = [
                ticket_issue(
                    actor=None, centre=front_office.centre, queue=front_office.queue_a, channel="kiosk"
                )
                for _ in range(2)
            ]
            seen = [
                (
                    Ticket.objects.get(pk=t.pk).number,
                    *AuditEvent.objects.filter(
                        target_type="queueing.ticket", target_id=str(t.pk)
                    ).values_list("target_label", "summary")[0],
                )
                for t in issued
            ]
            assert [t.number for t in issued] == [row[0] for row in seen]  # the caller's copy too
            transaction.savepoint_rollback(sid)
            return seen

    fast = two_issues(True)
    assert [number for number, _label, _summary in fast] == ["A-999", "A-1000"]
    assert fast[1][2]["after"]["number"] == "A-1000" and fast[1][1].startswith("A-1000 (")
    assert fast == two_issues(False)


@postgresql_only
def test_each_prefix_counts_on_its_own_in_the_statement(front_office):
    def press(queue) -> str:
        return ticket_issue(actor=None, centre=front_office.centre, queue=queue, channel="kiosk").number

    assert [press(front_office.queue_a), press(front_office.queue_b), press(front_office.queue_a)] == [
        "A-001",
        "B-001",
        "A-002",
    ]
    assert dict(DailySequence.objects.values_list("prefix", "last")) == {"A": 2, "B": 1}


def test_a_failed_issue_inside_a_callers_transaction_leaves_it_usable(front_office):
    """As with the ORM path's atomic block: the caller may catch the failure and go on."""
    service = front_office.services_a[0]
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            ticket_issue(
                actor=None,
                centre=front_office.centre,
                queue=front_office.queue_a,
                channel="kiosk",
                services=[service, service],  # one line per service: the second breaks the constraint
            )
        assert Ticket.objects.count() == 0
        ticket_issue(actor=None, centre=front_office.centre, queue=front_office.queue_a, channel="kiosk")
    assert Ticket.objects.count() == 1
