"""Ticket issue reads a centre's queues and services from a per-process snapshot (queueing/intake.py):
a kiosk press reads no configuration from the database, yet a change made through the services or the
admin applies to the very next ticket in this process, and a change this process did not see (made
by another web process) applies once the snapshot is older than ONESTOP_QUEUE_CONFIG_CACHE_SECONDS."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from onestop.centres import services as centre_services
from onestop.core.audit import SystemActor
from onestop.queueing import intake
from onestop.queueing.errors import ServiceNotOffered
from onestop.queueing.models import Queue
from onestop.queueing.services.counters import queue_update
from onestop.queueing.services.issuing import ticket_issue
from tests.factories.queueing import DeviceFactory

SYSTEM = SystemActor("test")


@pytest.fixture
def kiosk(front_office):
    device = DeviceFactory(centre=front_office.centre, kind="kiosk")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {device.raw_token}")
    return client


def _press(client, fo, queue="A", service=None):
    service = service or fo.services_a[0]
    return client.post(
        f"/api/v1/centres/{fo.centre.code}/tickets", {"queue": queue, "services": [service.identifier]}
    )


# Snapshots are kept only outside a transaction that changed the configuration: these tests run
# without the test-wide transaction (whose fixtures just created the centre) to see them kept.
@pytest.mark.django_db(transaction=True)
def test_a_repeated_kiosk_press_reads_no_configuration(kiosk, front_office):
    assert _press(kiosk, front_office).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = _press(kiosk, front_office)
    assert response.status_code == 201
    assert response.json()["number"] == "A-002"
    read = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    configuration = ("centres_centre", "queueing_queue", "catalog_service")
    assert not [sql for sql in read if any(f'FROM "{table}"' in sql for table in configuration)], read


def test_a_service_the_centre_stops_offering_is_refused_at_once(kiosk, front_office):
    fo = front_office
    assert _press(kiosk, fo).status_code == 201
    kept = [s for s in fo.centre.services.all() if s != fo.services_a[0]]
    centre_services.centre_set_services(actor=SYSTEM, centre=fo.centre, services=kept)

    response = _press(kiosk, fo)
    assert response.status_code == 400
    assert response.json()["type"].endswith("service-not-offered")
    assert fo.services_a[0].identifier in response.json()["services"]


def test_a_closed_queue_takes_no_more_tickets_at_once(kiosk, front_office):
    fo = front_office
    assert _press(kiosk, fo).status_code == 201
    queue_update(actor=SYSTEM, queue=fo.queue_a, is_active=False)

    response = _press(kiosk, fo)
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["queue"]


def test_a_queue_that_stops_handling_a_service_refuses_it_in_the_service_layer(front_office):
    fo = front_office
    ticket_issue(actor=SYSTEM, centre=fo.centre, queue=fo.queue_a, channel="kiosk", services=fo.services_a)
    queue_update(actor=SYSTEM, queue=fo.queue_a, services=[fo.services_a[1]])

    with pytest.raises(ServiceNotOffered) as refused:
        ticket_issue(
            actor=SYSTEM, centre=fo.centre, queue=fo.queue_a, channel="kiosk", services=fo.services_a
        )
    assert "does not handle" in refused.value.message


@pytest.mark.django_db(transaction=True)
def test_a_change_this_process_did_not_see_applies_once_the_snapshot_is_old(
    kiosk, front_office, monkeypatch, settings
):
    settings.ONESTOP_QUEUE_CONFIG_CACHE_SECONDS = 5
    fo = front_office
    clock = [1000.0]
    monkeypatch.setattr(intake.time, "monotonic", lambda: clock[0])
    assert _press(kiosk, fo).status_code == 201
    # As another web process would: a direct UPDATE fires no signal in this one.
    Queue.objects.filter(pk=fo.queue_a.pk).update(is_active=False)

    clock[0] += 4.9
    assert _press(kiosk, fo).status_code == 201  # still within the documented bound
    clock[0] += 0.2
    response = _press(kiosk, fo)
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["queue"]


def test_no_snapshot_is_kept_when_caching_is_off(kiosk, front_office, settings):
    settings.ONESTOP_QUEUE_CONFIG_CACHE_SECONDS = 0
    fo = front_office
    assert _press(kiosk, fo).status_code == 201
    Queue.objects.filter(pk=fo.queue_a.pk).update(is_active=False)
    assert _press(kiosk, fo).status_code == 400


def test_an_unknown_or_closed_centre_is_404(kiosk, front_office):
    assert kiosk.post("/api/v1/centres/NOPE/tickets", {"queue": "A"}).status_code == 404
    centre_services.centre_update(actor=SYSTEM, centre=front_office.centre, is_active=False)
    response = _press(kiosk, front_office)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_rolled_back_change_leaves_no_snapshot_behind(kiosk, front_office):
    fo = front_office
    kept = [s for s in fo.centre.services.all() if s != fo.services_a[0]]
    with pytest.raises(RuntimeError), transaction.atomic():
        centre_services.centre_set_services(actor=SYSTEM, centre=fo.centre, services=kept)
        assert _press(kiosk, fo).status_code == 400  # the change is seen inside its transaction
        raise RuntimeError("the change is abandoned")
    assert _press(kiosk, fo).status_code == 201  # and forgotten with it


@pytest.mark.django_db(transaction=True)
def test_a_queue_newer_than_the_snapshot_is_read_before_it_is_trusted(kiosk, front_office):
    fo = front_office
    assert _press(kiosk, fo).status_code == 201  # the snapshot is kept, without queue C
    # As another web process would make it, without a signal here: queue C handles only one service.
    queue_c = Queue.objects.bulk_create([Queue(centre=fo.centre, prefix="C", name="Certificates")])[0]
    Queue.services.through.objects.bulk_create(
        [Queue.services.through(queue_id=queue_c.pk, service_id=fo.services_a[1].pk)]
    )
    with pytest.raises(ServiceNotOffered) as refused:
        ticket_issue(
            actor=SYSTEM, centre=fo.centre, queue=queue_c, channel="kiosk", services=[fo.services_a[0]]
        )
    assert "does not handle" in refused.value.message


@pytest.mark.django_db(transaction=True)
def test_a_queue_deleted_elsewhere_within_the_snapshot_is_a_400_not_a_500(kiosk, front_office):
    fo = front_office
    assert _press(kiosk, fo, queue="B", service=fo.service_b).status_code == 201
    ticket_free = Queue.objects.bulk_create([Queue(centre=fo.centre, prefix="D", name="Drop-in")])[0]
    intake.intake_forget()
    assert _press(kiosk, fo, queue="B", service=fo.service_b).status_code == 201  # snapshot with D
    with connection.cursor() as cursor:  # another process deletes D, which has no tickets yet
        cursor.execute("DELETE FROM queueing_queue WHERE id = %s", [ticket_free.pk])
    response = kiosk.post(f"/api/v1/centres/{fo.centre.code}/tickets", {"queue": "D"})
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["queue"]
    assert _press(kiosk, fo, queue="B", service=fo.service_b).json()["number"] == "B-003"
