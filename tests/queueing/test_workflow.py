"""The ticket transition table: every legal move works through ``ticket_transition`` (event + audit
+ compare-and-set), every other (from, to, kind) combination is refused without a trace."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from onestop.core.models import AuditEvent
from onestop.queueing.errors import IllegalTransition
from onestop.queueing.models import Ticket, TicketEvent
from onestop.queueing.workflow import TRANSITIONS, allowed_kinds, is_legal, ticket_transition
from tests.factories.queueing import TicketFactory

S, K = Ticket.Status, TicketEvent.Kind
LEGAL = sorted((src, dst, kind) for (src, dst), kinds in TRANSITIONS.items() for kind in kinds)
ALL = list(itertools.product(S.values, S.values, K.values))
ILLEGAL = [combo for combo in ALL if combo not in set(LEGAL)]


def _ticket(status: str) -> Ticket:
    return TicketFactory(status=status)


@pytest.mark.django_db
@pytest.mark.parametrize(("src", "dst", "kind"), LEGAL)
def test_legal_transition_changes_status_and_appends_event_and_audit(src, dst, kind):
    ticket = _ticket(src)
    events_before = ticket.events.count()
    with transaction.atomic():
        ticket_transition(
            ticket=ticket, to_status=dst, kind=kind, actor=None, at=timezone.now(), data={"reason": "x"}
        )
    ticket.refresh_from_db()
    assert ticket.status == dst
    event = ticket.events.order_by("-id").first()
    assert ticket.events.count() == events_before + 1
    assert (event.kind, event.from_status, event.to_status) == (kind, src, dst)
    assert AuditEvent.objects.filter(action=f"ticket.{kind}", target_id=str(ticket.pk)).exists()


@pytest.mark.django_db
def test_every_illegal_transition_is_refused_and_leaves_no_trace():
    # One ticket per status, reused: a refused transition changes nothing.
    tickets = {status: _ticket(status) for status in S.values}
    events = TicketEvent.objects.count()
    audits = AuditEvent.objects.count()
    for src, dst, kind in ILLEGAL:
        with pytest.raises(IllegalTransition), transaction.atomic():
            ticket_transition(ticket=tickets[src], to_status=dst, kind=kind, actor=None, at=timezone.now())
    assert len(ILLEGAL) > 0
    assert {t.status for t in Ticket.objects.all()} == set(S.values)
    assert TicketEvent.objects.count() == events and AuditEvent.objects.count() == audits


@pytest.mark.django_db
def test_stale_ticket_loses_the_race_with_409():
    ticket = _ticket(S.WAITING)
    stale = Ticket.objects.get(pk=ticket.pk)
    with transaction.atomic():
        ticket_transition(ticket=ticket, to_status=S.CALLED, kind=K.CALLED, actor=None, at=timezone.now())
    with pytest.raises(IllegalTransition) as info, transaction.atomic():
        ticket_transition(
            ticket=stale, to_status=S.CANCELLED, kind=K.CANCELLED, actor=None, at=timezone.now()
        )
    assert info.value.status == 409
    assert Ticket.objects.get(pk=ticket.pk).status == S.CALLED


def test_final_statuses_allow_nothing():
    for status in (S.DONE, S.NO_SHOW, S.CANCELLED, S.CLOSED_UNSERVED):
        assert allowed_kinds(status) == set()
    assert is_legal(S.WAITING, S.CALLED, K.CALLED)
    assert not is_legal(S.WAITING, S.SERVING, K.STARTED)


def test_transition_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError):
        ticket_transition(
            ticket=Ticket(status=S.WAITING), to_status=S.CALLED, kind=K.CALLED, actor=None, at=timezone.now()
        )
