"""The consumer client in process: building and signing the request, mapping the provider's
answers to results, refusals and unavailability, the request-hash check, retries of reads with a
bounded back-off, and the circuit breaker around a failing provider."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from onestop.exchange import breaker, client, directory, protocol, registries
from onestop.exchange.client import (
    ExchangeRefused,
    ExchangeUnavailable,
    backoff_delay,
    exchange_call,
)
from onestop.exchange.models import DataService, ExchangeLogEntry, Member
from onestop.exchange.protocol import ErrorType
from onestop.exchange.registries import RegistryRequest, RegistryResponse
from tests.factories.exchange import (
    AccessRightFactory,
    DataServiceFactory,
    MemberFactory,
    PurposeFactory,
)
from tests.factories.people import CitizenFactory

pytestmark = pytest.mark.django_db


@dataclass
class Behaviour:
    """What the test registry does: answer, or fail the first ``failures`` calls."""

    failures: int = 0
    calls: list[RegistryRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay: float = 0.0

    def reset(self) -> None:
        self.failures, self.delay = 0, 0.0
        self.calls.clear()


BEHAVIOUR = Behaviour()
HANDLER = "test.client.person"


def _person(request: RegistryRequest) -> RegistryResponse:
    with BEHAVIOUR.lock:
        BEHAVIOUR.calls.append(request)
        failing = BEHAVIOUR.failures > 0
        if failing:
            BEHAVIOUR.failures -= 1
    if BEHAVIOUR.delay:
        time.sleep(BEHAVIOUR.delay)
    if failing:
        raise RuntimeError("the registry's database is down")
    if request.subject.endswith("0"):
        return RegistryResponse(404, {"found": False})
    return RegistryResponse(
        200,
        {
            "subject": request.subject,
            "path": request.path,
            "params": request.params,
            "method": request.method,
            "body": request.body.decode(),
        },
    )


@dataclass
class World:
    """A provider serving the test registry, a client allowed to call it for an inspection
    (a purpose that needs no open case), and a citizen to ask about."""

    provider: Member
    service: DataService
    caller: Member
    subject: str

    @property
    def client(self) -> str:
        return self.caller.identifier


def make_world(*, endpoint_url: str = "", timeout_seconds: float = 2.0, log_bodies: bool = False) -> World:
    inspection = PurposeFactory(code="inspection", needs_open_matter=False, legal_basis="Inspections Act")
    provider = MemberFactory(member_code="CIVIL", subsystem_code="registry")
    service = DataServiceFactory(
        provider=provider,
        service_code="person-v1",
        handler=HANDLER,
        endpoint_url=endpoint_url,
        timeout_seconds=timeout_seconds,
        log_bodies=log_bodies,
    )
    caller = MemberFactory(member_code="PASSPORTS", subsystem_code="back-office")
    AccessRightFactory(client=caller, service=service, purposes=[inspection])
    subject = next(c.national_id for c in iter(CitizenFactory, None) if not c.national_id.endswith("0"))
    directory.reset()
    return World(provider, service, caller, subject)


@pytest.fixture(autouse=True)
def client_test_registry():
    """The test registry function, registered for the test only (test_transports_http.py uses it
    too)."""
    BEHAVIOUR.reset()
    registries.register(HANDLER)(_person)
    yield
    registries._handlers.pop(HANDLER, None)
    BEHAVIOUR.reset()


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Back-off waits are recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(client, "_sleep", waited.append)
    return waited


def call(world: World, **kwargs: Any):
    kwargs.setdefault("client", world.client)
    kwargs.setdefault("service", world.service.identifier)
    kwargs.setdefault("subject", world.subject)
    kwargs.setdefault("purpose", "inspection")
    return exchange_call(**kwargs)


# --- success ------------------------------------------------------------------------------------


def test_in_process_call_returns_the_registry_answer_with_its_provenance(world):
    result = call(world, params={"kind": "birth"}, issue="APP-1", user_id="KZ900101300123")

    assert result.status == 200
    assert result.data["subject"] == world.subject
    assert result.data["params"] == {"kind": "birth"}
    assert result.service == world.service.identifier
    assert result.provider == world.provider.identifier
    assert result.request_id and result.request_hash
    assert result.started_at.tzinfo is not None
    assert result.latency_ms >= 0
    # The provider logged the exchange; in process the client adds no second row.
    rows = list(ExchangeLogEntry.objects.all())
    assert [(r.side, r.x_road_id, r.request_id, r.status) for r in rows] == [
        ("provider", result.x_road_id, result.request_id, 200)
    ]
    assert rows[0].request_hash == result.request_hash
    assert (rows[0].subject, rows[0].issue, rows[0].user_id, rows[0].purpose) == (
        world.subject,
        "APP-1",
        "KZ900101300123",
        "inspection",
    )


def test_short_service_form_takes_the_instance_from_settings(world, settings):
    short = world.service.identifier.split("/", 1)[1]
    assert call(world, service=short).status == 200


def test_a_registry_that_holds_nothing_is_a_404_result_not_an_error(world):
    nobody = next(c.national_id for c in iter(CitizenFactory, None) if c.national_id.endswith("0"))

    result = call(world, subject=nobody)

    assert (result.status, result.data) == (404, {"found": False})


def test_resource_path_and_query_are_percent_encoded_and_reach_the_registry_decoded(world):
    result = call(
        world, path="/records/a b/ä", params={"q": "x&y=z", "note": "50/50"}, x_road_id="fixed-id-1"
    )

    assert result.x_road_id == "fixed-id-1"
    assert result.data["path"] == "/records/a b/ä"
    assert result.data["params"] == {"q": "x&y=z", "note": "50/50"}
    row = ExchangeLogEntry.objects.get()
    assert row.path == f"{world.service.service_id.encoded_path()}/records/a%20b/%C3%A4"


def test_request_carries_subject_first_a_fresh_date_and_a_valid_signature(world, monkeypatch):
    from onestop.exchange import keys, provider

    seen: list[protocol.Message] = []
    original = provider.provider_handle

    def spy(message: protocol.Message, **kwargs: Any) -> provider.Reply:
        seen.append(message)
        return original(message, **kwargs)

    monkeypatch.setattr(provider, "provider_handle", spy)

    result = call(world, params={"a": "1"}, method="post", body=b'{"x": 1}', issue="APP-7")

    (message,) = seen
    assert message.method == "POST"
    assert message.query == f"subject={world.subject}&a=1"
    assert message.client == world.client
    assert message.x_road_id == result.x_road_id
    assert message.date.endswith("+00:00")
    assert message.headers["Content-Type"] == "application/json"
    assert keys.verify_with(
        world.caller.public_key, message.canonical(), message.headers[protocol.HEADER_SIGNATURE]
    )
    assert result.request_hash == message.request_hash()
    assert result.data["body"] == '{"x": 1}'


# --- refusals -----------------------------------------------------------------------------------


def _refusal(world: World, case: str) -> dict[str, Any]:
    if case == "malformed service":
        return {"service": "DEV/GOV/only-three"}
    if case == "unknown service":
        return {"service": f"{world.provider.identifier}/nothing-v9"}
    if case == "disabled service":
        DataService.objects.filter(pk=world.service.pk).update(is_active=False)
        return {}
    if case == "malformed client":
        return {"client": "DEV/GOV"}
    if case == "unknown client":
        return {"client": "DEV/GOV/NOBODY/back-office"}
    if case == "client not hosted here":
        return {"client": MemberFactory(remote=True).identifier}
    if case == "no access right":
        return {"client": MemberFactory().identifier}
    if case == "purpose not granted":
        PurposeFactory(code="marketing", needs_open_matter=False)
        return {"purpose": "marketing"}
    if case == "purpose needs an open case":
        return {"purpose": protocol.DEFAULT_PURPOSE}
    if case == "signature under another key":
        Member.objects.filter(pk=world.caller.pk).update(public_key=MemberFactory(remote=True).public_key)
        return {}
    if case == "invalid subject":
        return {"subject": "123"}
    if case == "overlong issue":
        return {"issue": "A" * (protocol.MAX_HEADER + 1)}
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "error_type", "reached_provider"),
    [
        ("malformed service", ErrorType.INVALID_SERVICE, False),
        ("unknown service", ErrorType.UNKNOWN_SERVICE, False),
        ("disabled service", ErrorType.SERVICE_DISABLED, False),
        ("malformed client", ErrorType.INVALID_CLIENT, False),
        ("unknown client", ErrorType.INVALID_CLIENT, False),
        ("client not hosted here", ErrorType.INVALID_CLIENT, False),
        ("overlong issue", ErrorType.BAD_REQUEST, False),
        ("no access right", ErrorType.ACCESS_DENIED, True),
        ("purpose not granted", ErrorType.ACCESS_DENIED, True),
        ("purpose needs an open case", ErrorType.ACCESS_DENIED, True),
        ("signature under another key", ErrorType.ACCESS_DENIED, True),
        ("invalid subject", ErrorType.BAD_REQUEST, True),
    ],
)
def test_each_refusal_is_an_exchange_refused_sent_once(world, sleeps, case, error_type, reached_provider):
    kwargs = _refusal(world, case)
    PurposeFactory()  # service-delivery, which needs an open case
    if case == "purpose needs an open case":
        world.service.rights.get().purposes.add(PurposeFactory())
    directory.reset()

    with pytest.raises(ExchangeRefused) as refused:
        call(world, **kwargs)

    assert refused.value.error.type is error_type
    assert refused.value.attempts == (1 if reached_provider else 0)
    assert sleeps == []
    assert BEHAVIOUR.calls == []
    # A refusal the provider made is on its log; one our own directory made sent nothing.
    rows = list(ExchangeLogEntry.objects.values_list("side", "error_type"))
    assert rows == ([("provider", str(error_type))] if reached_provider else [])


def test_refusals_do_not_open_the_circuit(world, settings, sleeps):
    settings.ONESTOP_EXCHANGE_BREAKER_FAILURES = 2
    stranger = MemberFactory().identifier
    directory.reset()

    for _ in range(4):
        with pytest.raises(ExchangeRefused):
            call(world, client=stranger)

    assert call(world).status == 200


# --- the request hash -----------------------------------------------------------------------------


@pytest.mark.parametrize("tamper", ["mismatch", "missing"])
def test_reply_whose_request_hash_is_not_ours_is_a_service_failure(world, monkeypatch, settings, tamper):
    from onestop.exchange import provider

    settings.ONESTOP_EXCHANGE_RETRIES = 0
    original = provider.provider_handle

    def mixed_up(message: protocol.Message, **kwargs: Any) -> provider.Reply:
        reply = original(message, **kwargs)
        if tamper == "missing":
            del reply.headers[protocol.HEADER_REQUEST_HASH]
        else:
            reply.headers[protocol.HEADER_REQUEST_HASH] = protocol.Message(
                "GET", message.path, "subject=someone-else", message.client, message.x_road_id
            ).request_hash()
        return reply

    monkeypatch.setattr(provider, "provider_handle", mixed_up)

    with pytest.raises(ExchangeUnavailable) as failed:
        call(world)

    assert failed.value.error.type is ErrorType.SERVICE_FAILED
    assert failed.value.error.detail == tamper


def test_behind_a_security_server_its_own_request_hash_is_accepted(world, monkeypatch, settings):
    """A real X-Road security server hashes the request in its own form; with the check off the
    answer is used and its hash is kept as the provider gave it."""
    from onestop.exchange import provider

    settings.ONESTOP_EXCHANGE_CHECK_REQUEST_HASH = False
    original = provider.provider_handle

    def security_server(message: protocol.Message, **kwargs: Any) -> provider.Reply:
        reply = original(message, **kwargs)
        reply.headers[protocol.HEADER_REQUEST_HASH] = "c2VjdXJpdHktc2VydmVyLWhhc2g="
        return reply

    monkeypatch.setattr(provider, "provider_handle", security_server)

    result = call(world)

    assert result.status == 200
    assert result.request_hash == "c2VjdXJpdHktc2VydmVyLWhhc2g="


# --- retries --------------------------------------------------------------------------------------


def test_read_is_retried_after_a_provider_failure_with_a_new_x_road_id(world, sleeps):
    BEHAVIOUR.failures = 1

    result = call(world, issue="APP-42")

    assert result.status == 200
    assert len(BEHAVIOUR.calls) == 2
    assert len(sleeps) == 1
    rows = list(ExchangeLogEntry.objects.order_by("id").values_list("x_road_id", "issue", "error_type"))
    assert [(issue, error) for _, issue, error in rows] == [
        ("APP-42", str(ErrorType.SERVICE_FAILED)),
        ("APP-42", ""),
    ]
    assert rows[0][0] != rows[1][0] == result.x_road_id


def test_read_gives_up_after_the_configured_extra_attempts(world, settings, sleeps):
    settings.ONESTOP_EXCHANGE_RETRIES = 3
    BEHAVIOUR.failures = 100

    with pytest.raises(ExchangeUnavailable) as failed:
        call(world)

    assert failed.value.error.type is ErrorType.SERVICE_FAILED
    assert failed.value.attempts == 4
    assert len(BEHAVIOUR.calls) == 4
    assert len(sleeps) == 3


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_writes_are_never_retried(world, sleeps, method):
    BEHAVIOUR.failures = 100

    with pytest.raises(ExchangeUnavailable) as failed:
        call(world, method=method, body=b"{}")

    assert failed.value.attempts == 1
    assert len(BEHAVIOUR.calls) == 1
    assert sleeps == []


def test_head_is_retried_like_get(world, sleeps, settings):
    settings.ONESTOP_EXCHANGE_RETRIES = 1
    BEHAVIOUR.failures = 100

    with pytest.raises(ExchangeUnavailable):
        call(world, method="HEAD")

    assert len(BEHAVIOUR.calls) == 2


def test_back_off_grows_exponentially_and_is_capped(world, settings, sleeps, monkeypatch):
    settings.ONESTOP_EXCHANGE_RETRIES = 6
    settings.ONESTOP_EXCHANGE_BREAKER_FAILURES = 100
    monkeypatch.setattr(client, "_random", lambda: 1.0)
    BEHAVIOUR.failures = 100

    with pytest.raises(ExchangeUnavailable):
        call(world)

    assert sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])


def test_back_off_jitter_stays_between_half_and_all_of_the_step(monkeypatch):
    for retry in range(1, 12):
        monkeypatch.setattr(client, "_random", lambda: 0.0)
        low = backoff_delay(retry)
        monkeypatch.setattr(client, "_random", lambda: 0.999999)
        high = backoff_delay(retry)
        step = min(client.BACKOFF_CAP_SECONDS, client.BACKOFF_BASE_SECONDS * 2 ** (retry - 1))
        assert low == pytest.approx(step / 2)
        assert step / 2 <= high <= step <= client.BACKOFF_CAP_SECONDS


# --- the circuit breaker around a provider ----------------------------------------------------------


def test_failing_provider_opens_the_circuit_then_a_trial_closes_it(world, settings, sleeps):
    settings.ONESTOP_EXCHANGE_RETRIES = 0
    settings.ONESTOP_EXCHANGE_BREAKER_FAILURES = 2
    settings.ONESTOP_EXCHANGE_BREAKER_RESET = 0.2
    BEHAVIOUR.failures = 2

    for _ in range(2):
        with pytest.raises(ExchangeUnavailable) as failed:
            call(world)
        assert failed.value.error.type is ErrorType.SERVICE_FAILED

    # Open: the provider is not asked at all, and nothing is logged.
    with pytest.raises(ExchangeUnavailable) as fast:
        call(world)
    assert fast.value.error.type is ErrorType.CIRCUIT_OPEN
    assert fast.value.attempts == 0
    assert len(BEHAVIOUR.calls) == 2
    assert ExchangeLogEntry.objects.count() == 2
    assert breaker.breaker_for(world.provider.identifier).state is breaker.BreakerState.OPEN

    time.sleep(0.25)
    assert call(world).status == 200  # the half-open trial succeeds …
    assert breaker.breaker_for(world.provider.identifier).state is breaker.BreakerState.CLOSED
    assert call(world).status == 200  # … and calls flow again


def test_open_circuit_stops_the_retries_of_a_read(world, settings, sleeps):
    settings.ONESTOP_EXCHANGE_RETRIES = 5
    settings.ONESTOP_EXCHANGE_BREAKER_FAILURES = 2
    BEHAVIOUR.failures = 100

    with pytest.raises(ExchangeUnavailable) as failed:
        call(world)

    assert failed.value.error.type is ErrorType.CIRCUIT_OPEN
    assert failed.value.attempts == 2
    assert len(BEHAVIOUR.calls) == 2
    assert len(sleeps) == 2  # waited after each failure; the third try met the open circuit


def test_a_registry_bug_is_a_service_failure_not_an_exception(world, settings, monkeypatch):
    from onestop.exchange import provider

    settings.ONESTOP_EXCHANGE_RETRIES = 0

    def broken(message: protocol.Message, **kwargs: Any) -> provider.Reply:
        raise KeyError("bug")

    monkeypatch.setattr(provider, "provider_handle", broken)

    with pytest.raises(ExchangeUnavailable) as failed:
        call(world)

    assert failed.value.error.type is ErrorType.SERVICE_FAILED
