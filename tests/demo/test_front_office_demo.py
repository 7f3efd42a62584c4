"""The demo's front office: queues, work profiles, kiosks and boards, past visits whose figures agree
with their events, and the live queue that moves only when the demo switches it on.

Seeds once per module (few citizens, three days of history) inside a transaction rolled back at the
end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import random
import stat
from datetime import datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from onestop.centres.models import Centre
from onestop.core.models import AuditEvent
from onestop.demo.frontoffice import HUMAN_COUNTER, MAIN_CENTRE
from onestop.demo.live import live_step
from onestop.demo.tasks import demo_live_step
from onestop.queueing.models import CounterQueue, Device, Queue, Ticket, TicketEvent, TicketService
from onestop.queueing.services.devices import device_for_token
from onestop.queueing.services.history import HistoricVisit, history_import

HISTORY_DAYS = 3


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(VAR_DIR=var_dir):
        out = StringIO()
        call_command("seed_demo", citizens=200, history_days=HISTORY_DAYS, verbosity=0, stdout=out)
        yield out.getvalue(), var_dir
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    return seeded


def test_every_centre_has_three_to_six_queues_of_services_it_offers(demo):
    for centre in Centre.objects.all():
        queues = list(centre.queues.all())
        if centre.kind == "mobile":
            assert 1 <= len(queues) <= 6, centre.code  # the mobile unit offers few groups
        else:
            assert 3 <= len(queues) <= 6, centre.code
        offered = set(centre.services.values_list("pk", flat=True))
        for queue in queues:
            ids = set(queue.services.values_list("pk", flat=True))
            assert ids and ids <= offered, (centre.code, queue.prefix)
    assert Queue.objects.filter(allows_remote=True).exists()
    assert Queue.objects.filter(allows_remote=False).exists()


def test_every_counter_serves_one_to_three_queues_of_its_own_centre_in_order(demo):
    for centre in Centre.objects.prefetch_related("counters"):
        for counter in centre.counters.all():
            entries = list(CounterQueue.objects.filter(counter=counter).select_related("queue"))
            assert 1 <= len(entries) <= 3, str(counter)
            assert [e.position for e in entries] == list(range(len(entries)))
            assert {e.queue.centre_id for e in entries} == {centre.pk}
        # Together the counters cover every queue of the centre.
        served = set(CounterQueue.objects.filter(counter__centre=centre).values_list("queue_id", flat=True))
        assert served == set(centre.queues.values_list("pk", flat=True)), centre.code


def test_each_centre_has_a_kiosk_and_a_board_whose_stored_tokens_work(demo):
    out, var_dir = demo
    path = var_dir / "demo-devices.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line.split() for line in path.read_text().splitlines() if not line.startswith("#")]
    assert Device.objects.count() == 2 * Centre.objects.count() == len(lines)
    for code, kind, url in lines:
        centre = Centre.objects.get(code=code)
        assert url.startswith(f"http://127.0.0.1:8000/centres/{code}/{kind}?token=")
        device = device_for_token(url.split("token=")[1], centre)
        assert device.kind == kind and device.centre == centre


def test_seed_output_points_operator_and_manager_at_their_screens_and_prints_main_devices(demo):
    out, _var = demo
    assert "/desk/" in out
    assert f"/insights/centres/{MAIN_CENTRE}/" in out
    assert f"http://127.0.0.1:8000/centres/{MAIN_CENTRE}/kiosk?token=" in out
    assert f"http://127.0.0.1:8000/centres/{MAIN_CENTRE}/board?token=" in out


def test_history_covers_past_days_only_with_served_no_show_and_appointment_visits(demo):
    tickets = Ticket.objects.all()
    assert tickets.count() > 100
    today = timezone.localdate()
    days = set(tickets.values_list("service_day", flat=True))
    assert days and max(days) < today and min(days) >= today - timedelta(days=HISTORY_DAYS)
    statuses = set(tickets.values_list("status", flat=True))
    assert Ticket.Status.DONE in statuses
    assert statuses <= {Ticket.Status.DONE, Ticket.Status.NO_SHOW, Ticket.Status.CLOSED_UNSERVED}
    assert tickets.filter(channel=Ticket.Channel.APPOINTMENT, appointment__isnull=False).exists()
    # Numbers restart each day per centre and prefix.
    assert tickets.filter(sequence=1).count() >= len(days)


def test_history_figures_agree_with_the_ticket_events(demo):
    events: dict[int, dict[str, list[datetime]]] = {}
    for ticket_id, kind, at in TicketEvent.objects.values_list("ticket_id", "kind", "at"):
        events.setdefault(ticket_id, {}).setdefault(kind, []).append(at)
    tickets = list(Ticket.objects.all())
    assert len(events) == len(tickets)
    for ticket in tickets:
        mine = events[ticket.pk]
        assert mine["issued"] == [ticket.issued_at]
        if ticket.status == Ticket.Status.DONE:
            assert min(mine["called"]) == ticket.first_called_at
            assert mine["started"] == [ticket.started_at] and mine["ended"] == [ticket.ended_at]
            assert ticket.issued_at <= ticket.first_called_at <= ticket.started_at <= ticket.ended_at
        elif ticket.status == Ticket.Status.NO_SHOW:
            assert len(mine["recalled"]) == ticket.recall_count >= 2
            assert "started" not in mine
        else:
            assert ticket.first_called_at is None and "called" not in mine
            assert len(mine["closed_unserved"]) == 1
    for line in TicketService.objects.filter(ticket__status=Ticket.Status.DONE).select_related("ticket")[
        :500
    ]:
        assert (line.started_at, line.ended_at) == (line.ticket.started_at, line.ticket.ended_at)
        assert line.outcome != TicketService.Outcome.PENDING


def test_history_is_audited_once_per_centre_day(demo):
    imports = AuditEvent.objects.filter(action="ticket.history_import")
    pairs = set(Ticket.objects.values_list("centre_id", "service_day").distinct())
    assert imports.count() == len(pairs)
    assert not imports.exclude(actor_label="demo-seed").exists()


def test_history_import_refuses_another_centres_queue_and_writes_nothing(demo):
    centre, other = Centre.objects.order_by("code")[:2]
    before = Ticket.objects.count()
    visit = HistoricVisit(
        queue=other.queues.first(),
        issued_at=timezone.now() - timedelta(days=5),
        closed_at=timezone.now() - timedelta(days=5) + timedelta(hours=1),
    )
    with pytest.raises(ValueError, match="another centre"):
        history_import(actor=None, centre=centre, visits=[visit])
    assert Ticket.objects.count() == before


def _monday_late_morning() -> datetime:
    today = timezone.localdate()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime.combine(monday, time(11), tzinfo=ZoneInfo(settings.TIME_ZONE))


def test_live_step_issues_calls_and_ends_visits_but_leaves_the_human_counter_alone(demo):
    at = _monday_late_morning()
    totals = {"issued": 0, "called": 0, "started": 0, "ended": 0}
    rng = random.Random(5)
    for step in range(30):
        result = live_step(at=at + timedelta(seconds=5 * step), rng=rng)
        for key in totals:
            totals[key] += getattr(result, key)
    assert all(totals.values()), totals
    live = Ticket.objects.filter(service_day=at.date(), centre__code=MAIN_CENTRE)
    assert live.filter(status=Ticket.Status.DONE).exists()
    assert not live.filter(counter__number=HUMAN_COUNTER).exists()
    ended = live.filter(status=Ticket.Status.DONE).first()
    kinds = list(TicketEvent.objects.filter(ticket=ended).values_list("kind", flat=True))
    assert kinds == ["issued", "called", "started", "ended"]


def test_live_task_does_nothing_when_the_demo_is_off(demo, settings):
    settings.ONESTOP_DEMO_LIVE = False
    before = (Ticket.objects.count(), TicketEvent.objects.count())
    assert demo_live_step.call() == 0
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before


def test_live_task_refuses_a_database_without_the_demo_marker(demo, settings):
    settings.ONESTOP_DEMO_LIVE = True
    AuditEvent.objects.filter(action="demo.seed").delete()
    before = Ticket.objects.count()
    assert demo_live_step.call() == 0
    assert Ticket.objects.count() == before


def test_live_task_refuses_production(demo, settings):
    settings.ONESTOP_DEMO_LIVE = True
    settings.PRODUCTION = True
    before = Ticket.objects.count()
    assert demo_live_step.call() == 0
    assert Ticket.objects.count() == before
