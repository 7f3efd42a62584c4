"""The HTTP transport against a real server on 127.0.0.1 (pytest-django's live server, Django's
WSGI handler serving this deployment's own ``/r1/``): answers, refusals carried back in
``X-Road-Error``, a provider slower than the service's timeout, nothing listening at all, and the
client-side log row every attempt leaves here."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from onestop.exchange import client, directory, protocol, registries
from onestop.exchange.client import ExchangeRefused, ExchangeUnavailable, exchange_call
from onestop.exchange.models import DataService, ExchangeLogEntry
from onestop.exchange.protocol import ErrorType
from onestop.exchange.registries import RegistryRequest, RegistryResponse
from onestop.exchange.transports import HTTP_TRANSPORT, HttpTransport, InProcessTransport, transport_for
from tests.exchange.test_client import World, client_test_registry, make_world  # noqa: F401
from tests.factories.exchange import AccessRightFactory, DataServiceFactory, MemberFactory

# ``client_test_registry`` (autouse, imported above): the in-process tests' registry function,
# served here over HTTP.
SLOW = "test.http.slow"
SLOW_SECONDS = 1.0
# The live server's first request in a process loads the whole URLconf, which can take seconds on
# a busy machine: tests that are not about timeouts give the provider ample time.
GENEROUS = 20.0


def _slow(request: RegistryRequest) -> RegistryResponse:
    time.sleep(SLOW_SECONDS)
    return RegistryResponse(200, {"late": True})


@pytest.fixture(autouse=True)
def _slow_handler() -> Iterator[None]:
    registries.register(SLOW)(_slow)
    yield
    registries._handlers.pop(SLOW, None)


@pytest.fixture(autouse=True, scope="module")
def _close_pool() -> Iterator[None]:
    yield
    HTTP_TRANSPORT.close()


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(client, "_sleep", waited.append)
    return waited


@pytest.fixture
def remote(live_server) -> World:
    """The test registry reached over loopback HTTP, bodies logged."""
    return make_world(endpoint_url=live_server.url, log_bodies=True, timeout_seconds=GENEROUS)


def nothing_listening() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def call(world: World, **kwargs):
    kwargs.setdefault("client", world.client)
    kwargs.setdefault("service", world.service.identifier)
    kwargs.setdefault("subject", world.subject)
    kwargs.setdefault("purpose", "inspection")
    return exchange_call(**kwargs)


def client_rows() -> list[ExchangeLogEntry]:
    return list(ExchangeLogEntry.objects.filter(side="client").order_by("id"))


def test_services_with_an_endpoint_go_over_http_the_others_in_process(remote):
    assert isinstance(transport_for(directory.service(remote.service.identifier)), HttpTransport)
    local = DataServiceFactory(provider=remote.provider, service_code="local-v1")
    directory.reset()
    assert isinstance(transport_for(directory.service(local.identifier)), InProcessTransport)


def test_http_call_is_answered_and_logged_on_both_sides(remote):
    result = call(remote, params={"kind": "birth"}, issue="APP-9", user_id="KZ900101300123")

    assert result.status == 200
    assert result.data["subject"] == remote.subject
    assert result.data["params"] == {"kind": "birth"}
    rows = client_rows()
    assert [(r.status, r.error_type) for r in rows] == [(200, "")], [
        (r.status, r.error_type, r.latency_ms) for r in ExchangeLogEntry.objects.order_by("id")
    ]
    (mine,) = rows
    theirs = ExchangeLogEntry.objects.get(side="provider")
    assert mine.x_road_id == theirs.x_road_id == result.x_road_id
    assert mine.request_id == theirs.request_id == result.request_id
    assert mine.request_hash == theirs.request_hash == result.request_hash
    assert mine.response_hash == theirs.response_hash == protocol.body_hash(result.body)
    assert (mine.status, mine.error_type, mine.logged_by, mine.client) == (
        200,
        "",
        remote.client,
        remote.client,
    )
    assert (mine.service, mine.subject, mine.issue, mine.user_id, mine.purpose) == (
        remote.service.identifier,
        remote.subject,
        "APP-9",
        "KZ900101300123",
        "inspection",
    )
    assert mine.client_member_id == remote.caller.pk
    assert mine.data_service_id == remote.service.pk
    assert mine.response_body == result.body.decode()
    assert mine.latency_ms > 0


def test_http_write_carries_its_body_and_resource_path(remote):
    result = call(remote, method="POST", path="/records/a b", body=b'{"note": "x"}')

    assert result.data["method"] == "POST"
    assert result.data["path"] == "/records/a b"
    assert result.data["body"] == '{"note": "x"}'
    assert client_rows()[0].request_body == '{"note": "x"}'


def test_access_denied_travels_back_in_x_road_error_and_is_not_retried(remote, sleeps):
    stranger = MemberFactory(member_code="STRANGER", subsystem_code="back-office")
    directory.reset()

    with pytest.raises(ExchangeRefused) as refused:
        call(remote, client=stranger.identifier)

    assert refused.value.error.type is ErrorType.ACCESS_DENIED
    assert refused.value.error.message == "The client has no right to call this service."
    assert sleeps == []
    (row,) = client_rows()
    assert (row.status, row.error_type, row.client) == (
        403,
        str(ErrorType.ACCESS_DENIED),
        stranger.identifier,
    )
    assert row.request_id == ExchangeLogEntry.objects.get(side="provider").request_id


def test_unknown_service_at_the_provider_is_refused(live_server, sleeps):
    world = make_world()
    # Known in our directory, but the provider at that address serves no handler for it.
    elsewhere = DataServiceFactory(
        provider=world.provider,
        service_code="remote-only-v1",
        handler="",
        endpoint_url=live_server.url,
        timeout_seconds=GENEROUS,
    )
    AccessRightFactory(
        client=world.caller, service=elsewhere, purposes=list(world.service.rights.get().purposes.all())
    )
    directory.reset()

    with pytest.raises(ExchangeRefused) as refused:
        call(world, service=elsewhere.identifier)

    assert refused.value.error.type is ErrorType.UNKNOWN_SERVICE
    assert [(r.status, r.error_type) for r in client_rows()] == [(404, str(ErrorType.UNKNOWN_SERVICE))]


def test_provider_slower_than_the_timeout_is_a_timeout(live_server, settings):
    settings.ONESTOP_EXCHANGE_RETRIES = 0
    world = make_world(endpoint_url=live_server.url, timeout_seconds=0.3)
    DataService.objects.filter(pk=world.service.pk).update(handler=SLOW)
    directory.reset()

    started = time.monotonic()
    with pytest.raises(ExchangeUnavailable) as failed:
        call(world)
    waited = time.monotonic() - started

    assert failed.value.error.type is ErrorType.TIMEOUT
    assert waited < SLOW_SECONDS
    (row,) = client_rows()
    assert (row.status, row.error_type, row.request_id, row.response_hash) == (
        504,
        str(ErrorType.TIMEOUT),
        "",
        "",
    )
    # The provider still finishes (and logs) the request it was given; wait for it before the
    # database is flushed under the server thread.
    deadline = time.monotonic() + GENEROUS
    while not ExchangeLogEntry.objects.filter(side="provider").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ExchangeLogEntry.objects.get(side="provider").x_road_id == row.x_road_id


@pytest.mark.django_db
def test_nothing_listening_is_a_network_error_retried_and_logged_per_attempt(settings, sleeps):
    settings.ONESTOP_EXCHANGE_RETRIES = 2
    world = make_world(endpoint_url=nothing_listening())

    with pytest.raises(ExchangeUnavailable) as failed:
        call(world, issue="APP-3")

    assert failed.value.error.type is ErrorType.NETWORK_ERROR
    assert failed.value.attempts == 3
    assert len(sleeps) == 2
    rows = client_rows()
    assert [(r.status, r.error_type, r.issue) for r in rows] == [
        (502, str(ErrorType.NETWORK_ERROR), "APP-3")
    ] * 3
    assert len({r.x_road_id for r in rows}) == 3
    assert not ExchangeLogEntry.objects.filter(side="provider").exists()


@pytest.mark.django_db
def test_one_breaker_guards_every_service_at_an_endpoint(settings, sleeps):
    settings.ONESTOP_EXCHANGE_RETRIES = 0
    settings.ONESTOP_EXCHANGE_BREAKER_FAILURES = 2
    world = make_world(endpoint_url=nothing_listening())
    sibling = DataServiceFactory(
        provider=world.provider, service_code="sibling-v1", endpoint_url=world.service.endpoint_url + "/"
    )
    directory.reset()

    for _ in range(2):
        with pytest.raises(ExchangeUnavailable):
            call(world)
    with pytest.raises(ExchangeUnavailable) as fast:
        call(world, service=sibling.identifier)

    assert fast.value.error.type is ErrorType.CIRCUIT_OPEN
    assert len(client_rows()) == 2  # the refused-at-once call sent nothing and logged nothing


def test_an_answer_that_is_not_x_road_is_a_service_failure(live_server, settings):
    settings.ONESTOP_EXCHANGE_RETRIES = 0
    # A wrong base URL: the web server answers (a 404 page), but not for the request we sent.
    world = make_world(endpoint_url=f"{live_server.url}/not-the-security-server", timeout_seconds=GENEROUS)

    with pytest.raises(ExchangeUnavailable) as failed:
        call(world)

    assert failed.value.error.type is ErrorType.SERVICE_FAILED
    assert failed.value.error.detail == "missing"
    (row,) = client_rows()
    assert row.status == 404
    assert row.error_type == str(ErrorType.SERVICE_FAILED)


def test_an_answer_that_cannot_be_logged_here_is_not_used(remote, settings, monkeypatch):
    from onestop.exchange import transports

    settings.ONESTOP_EXCHANGE_RETRIES = 0

    def disk_full(record: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(transports, "exchange_log_append", disk_full)

    with pytest.raises(ExchangeUnavailable) as failed:
        call(remote)

    assert failed.value.error.type is ErrorType.SERVICE_FAILED
    assert failed.value.error.message == "the exchange could not be logged"
