"""A registry outage loses nothing, and two retry runs never attach a document twice.

The civil registry's data service is made remote (``endpoint_url`` on 127.0.0.1) and served by a
real WSGI server (Django's ``WSGIHandler`` in a ``wsgiref`` thread) that the test stops and starts.

These tests need other threads (the server, two racing workers) to see committed rows. On SQLite the
in-memory test database cannot be shared by threads, so this module moves the test database to a
temporary *file* for its duration, as tests/queueing/test_call_next_concurrency.py does; on
PostgreSQL the session's test database serves every thread as it is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.urls import resolve
from django.utils import timezone

from onestop.cases.models import Application, Case, CaseEvent, Document, EvidenceItem
from onestop.cases.services import application_start, application_submit, evidence_fetch, evidence_retry_due
from onestop.core.audit import SystemActor
from onestop.exchange import directory
from onestop.exchange.models import DataService, ExchangeLogEntry
from onestop.exchange.protocol import ErrorType
from onestop.exchange.transports import HTTP_TRANSPORT
from tests.cases.conftest import ONCE_CIVIL, build_once_only
from tests.factories.cases import ApplicationItemFactory
from tests.file_database import file_database

django_db_setup = file_database("evidence-outage")


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class Provider:
    """This deployment's ``/r1/`` endpoint served over real HTTP on a fixed loopback port, so it
    can be stopped (the registry is down) and started again at the same address."""

    def __init__(self) -> None:
        self.port = 0
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # Load the URLconf (every app's views) now: done by the first request, it could take longer
        # than the service's timeout on a cold machine.
        resolve("/r1/")
        server = make_server("127.0.0.1", self.port, WSGIHandler(), handler_class=_Quiet)
        self.port = server.server_address[1]

        def serve() -> None:
            try:
                server.serve_forever(poll_interval=0.05)
            finally:
                connections.close_all()  # this thread's database connections

        self._server = server
        self._thread = threading.Thread(target=serve, name="r1-provider", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._server = self._thread = None
        # Pooled keep-alive connections to the old server are dead now.
        HTTP_TRANSPORT.close()


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def outage_world(settings, tmp_path, once_only_handlers, provider):
    settings.MEDIA_ROOT = tmp_path
    settings.ONESTOP_EXCHANGE_RETRIES = 0
    world = build_once_only(endpoint_url=provider.url)
    # Generous: a slow answer on a busy test machine must not pass for an outage.
    DataService.objects.filter(pk=world.civil_service.pk).update(timeout_seconds=10)
    directory.reset()
    return world


def _log(side: str) -> list[ExchangeLogEntry]:
    return list(ExchangeLogEntry.objects.filter(side=side).order_by("id"))


@pytest.mark.django_db(transaction=True)
def test_a_registry_outage_leaves_the_item_pending_and_the_retry_fetches_it_once_the_registry_is_back(
    outage_world, provider, operator_a
):
    world = outage_world
    provider.stop()

    # Started while the civil registry is unreachable: the application goes on.
    application = application_start(
        actor=operator_a,
        citizen=world.citizen,
        channel=Application.Channel.COUNTER,
        services=[world.passport, world.residence],
    )
    civil = EvidenceItem.objects.get(item__application=application, evidence_type=world.civil_evidence)
    assert civil.status == EvidenceItem.Status.TO_BE_FETCHED
    assert civil.fetch_attempts == 1
    assert civil.next_fetch_at is not None and civil.next_fetch_at > timezone.now()
    assert ErrorType.NETWORK_ERROR in civil.last_fetch_error
    address = EvidenceItem.objects.get(item__application=application, evidence_type=world.address_evidence)
    assert address.status == EvidenceItem.Status.FETCHED  # in-process registry, not affected
    # The failed attempt is on record on the client side (the provider never saw it).
    (failed,) = _log("client")
    assert failed.status == 502 and failed.error_type == ErrorType.NETWORK_ERROR
    assert failed.issue == application.tracking_number

    # Nothing waits for it: the application is submitted with the item pending.
    submitted = application_submit(actor=operator_a, application=application)
    assert submitted.status == Application.Status.SUBMITTED
    case = Case.objects.get(application=application, service=world.passport)

    # The retry while it is still down keeps it pending with a longer back-off.
    later = civil.next_fetch_at + timedelta(seconds=1)
    assert evidence_retry_due(now=later) == 1
    civil.refresh_from_db()
    assert civil.status == EvidenceItem.Status.TO_BE_FETCHED and civil.fetch_attempts == 2
    assert civil.next_fetch_at == later + timedelta(minutes=2)

    provider.start()
    assert evidence_retry_due(now=civil.next_fetch_at) == 1

    civil.refresh_from_db()
    assert civil.status == EvidenceItem.Status.FETCHED, civil.last_fetch_error
    document = civil.document
    assert document is not None and document.case == case
    assert document.provenance["service"] == world.civil_service.identifier
    # Both sides logged the exchange that worked, under the same message id.
    served = _log("provider")[-1]
    assert served.service == world.civil_service.identifier and served.status == 200
    assert served.issue == application.tracking_number
    assert served.x_road_id == document.provenance["x_road_id"] == _log("client")[-1].x_road_id
    assert CaseEvent.objects.filter(case=case, kind="evidence_fetched").count() == 1
    assert Document.objects.filter(application=application, source=Document.Source.REGISTRY).count() == 2


def _race(workers: int, work) -> list[object]:
    """Run ``work()`` in ``workers`` threads released together; their results, or the errors."""
    results: list[object] = [None] * workers
    barrier = threading.Barrier(workers)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except BaseException as exc:  # reported by the main thread
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def pending_item(settings, tmp_path, once_only_handlers):
    """One civil-record item of a draft, pending with its back-off over, served in-process by a
    registry slow enough that two workers overlap."""
    from onestop.exchange import registries

    settings.MEDIA_ROOT = tmp_path
    settings.ONESTOP_EXCHANGE_RETRIES = 0
    world = build_once_only()
    fast = registries._handlers[ONCE_CIVIL]

    def slow(request: registries.RegistryRequest) -> registries.RegistryResponse:
        time.sleep(0.2)
        return fast(request)

    registries.register(ONCE_CIVIL)(slow)
    application = application_start(
        actor=SystemActor("seed"),
        citizen=world.citizen,
        channel=Application.Channel.ONLINE,
    )
    item = ApplicationItemFactory(application=application, service=world.passport)
    return EvidenceItem.objects.create(
        item=item,
        evidence_type=world.civil_evidence,
        status=EvidenceItem.Status.TO_BE_FETCHED,
        fetch_attempts=1,
        next_fetch_at=timezone.now() - timedelta(seconds=5),
    )


@pytest.mark.django_db(transaction=True)
def test_two_retry_runs_at_once_fetch_the_item_once_and_attach_one_document(pending_item):
    results = _race(2, evidence_retry_due)

    assert sorted(results) == [0, 1], results
    pending_item.refresh_from_db()
    assert pending_item.status == EvidenceItem.Status.FETCHED
    assert Document.objects.count() == 1
    assert pending_item.document_id == Document.objects.get().pk
    assert len(_log("provider")) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_fetching_the_same_item_at_once_attach_exactly_one_document(pending_item, tmp_path):
    results = _race(2, lambda: evidence_fetch(evidence=pending_item, actor=None))

    assert not [r for r in results if isinstance(r, BaseException)], results
    # Both asked the registry (neither had claimed the item); only one answer was attached.
    assert len(_log("provider")) == 2
    pending_item.refresh_from_db()
    assert pending_item.status == EvidenceItem.Status.FETCHED
    document = Document.objects.get()
    assert pending_item.document_id == document.pk
    assert pending_item.fetch_attempts == 2
    # The loser's stored bytes were removed: only the attached file is left.
    stored = list(tmp_path.rglob("*.json"))
    assert [p.name for p in stored] == [document.file.name.rsplit("/", 1)[-1]]
