"""The consumer client: how this deployment's subsystems ask a data service for something.

:func:`exchange_call` builds the r1 request (path, query, ``X-Road-*`` headers), signs it with the
calling subsystem's key, sends it through the service's transport (in-process for a built-in
registry, HTTP for a remote provider; exchange/transports.py) behind that provider's circuit
breaker (exchange/breaker.py), retries reads that met an unavailable provider, and returns an
:class:`ExchangeResult` whose ``X-Road-Request-Hash`` has been checked against the request sent.

Failures come in two kinds the caller treats differently:

* :class:`ExchangeRefused`: the request itself is wrong or not allowed (``Client.*``, access
  denied, unknown or disabled service). Asking again will not help; the evidence must come from
  somewhere else.
* :class:`ExchangeUnavailable`: the provider could not answer (timeout, network error, service
  failure, an open circuit). The evidence stays pending and is fetched again later.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings

from onestop.exchange import directory, keys, protocol
from onestop.exchange.breaker import CircuitBreaker, breaker_for
from onestop.exchange.directory import ServiceInfo
from onestop.exchange.identifiers import IdentifierError, ServiceId, SubsystemId
from onestop.exchange.protocol import ErrorType, Message, ProtocolError
from onestop.exchange.transports import Delivery, Transport, header, transport_for

#: Errors that say the request is wrong or not allowed: retrying cannot change the answer, and the
#: provider (or our own directory) did answer, so they do not count against its breaker.
REFUSALS = frozenset(
    {
        ErrorType.BAD_REQUEST,
        ErrorType.INVALID_CLIENT,
        ErrorType.INVALID_SERVICE,
        ErrorType.ACCESS_DENIED,
        ErrorType.UNKNOWN_SERVICE,
        ErrorType.SERVICE_DISABLED,
    }
)
#: Only reads are retried: repeating a write the provider may already have done could do it twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 1.0

# Indirections the tests replace (no real waiting, no randomness).
_sleep: Callable[[float], None] = time.sleep
_random: Callable[[], float] = random.random


@dataclass(frozen=True)
class ExchangeResult:
    """A provider's answer, with the provenance an attached piece of evidence keeps."""

    status: int  # provider's HTTP status: 200 found, 404 the registry holds nothing
    data: Any  # parsed JSON body (None if empty / not JSON)
    body: bytes
    service: str  # full service identifier
    provider: str  # provider subsystem identifier
    x_road_id: str
    request_id: str  # X-Road-Request-Id from the provider
    request_hash: str  # X-Road-Request-Hash from the provider (checked against ours)
    started_at: datetime
    latency_ms: float


class ExchangeError(Exception):
    """A call that brought no answer; ``error`` says why in the protocol's terms."""

    def __init__(self, error: ProtocolError, *, service: str = "", x_road_id: str = "", attempts: int = 0):
        super().__init__(str(error))
        self.error = error
        self.service = service
        self.x_road_id = x_road_id  # of the last attempt ("" if nothing was sent)
        self.attempts = attempts  # requests actually sent


class ExchangeRefused(ExchangeError):
    """The request is wrong or not allowed (``Client.*``, access denied, unknown or disabled
    service): do not retry."""


class ExchangeUnavailable(ExchangeError):
    """The provider could not answer (timeout, network error, service failure, open circuit):
    retry later."""


def backoff_delay(retry: int) -> float:
    """Seconds to wait before the ``retry``-th retry (1, 2, …): exponential from
    ``BACKOFF_BASE_SECONDS``, capped at ``BACKOFF_CAP_SECONDS``, half of it random so that callers
    who failed together do not come back together."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** (retry - 1))
    return ceiling / 2 + _random() * ceiling / 2


def _refuse(kind: ErrorType, message: str, detail: str = "", *, service: str = "") -> ExchangeRefused:
    return ExchangeRefused(ProtocolError(kind, message, detail), service=service)


def _check_header(name: str, value: str) -> None:
    if len(value) > protocol.MAX_HEADER:
        raise _refuse(ErrorType.BAD_REQUEST, f"{name} is longer than {protocol.MAX_HEADER} characters")
    if not value.isascii() or not value.isprintable():
        raise _refuse(ErrorType.BAD_REQUEST, f"{name} may hold only printable ASCII characters")


def _encode_resource_path(path: str) -> str:
    if not path:
        return ""
    return quote(path if path.startswith("/") else f"/{path}", safe="/")


def _query(subject: str, params: Mapping[str, str] | None) -> str:
    pairs = [("subject", subject)] if subject else []
    pairs += [(key, value) for key, value in (params or {}).items() if key != "subject"]
    return urlencode(pairs, quote_via=quote)


def _resolve(client: str, service: str) -> tuple[ServiceId, ServiceInfo, directory.MemberInfo]:
    try:
        service_id = ServiceId.parse(service, instance=settings.ONESTOP_EXCHANGE_INSTANCE)
    except IdentifierError as exc:
        raise _refuse(ErrorType.INVALID_SERVICE, "the service identifier is malformed", str(exc)) from exc
    info = directory.service(str(service_id))
    if info is None:
        raise _refuse(ErrorType.UNKNOWN_SERVICE, "the directory has no such service", service=str(service_id))
    if not info.is_active:
        raise _refuse(ErrorType.SERVICE_DISABLED, "the service is disabled", service=info.identifier)
    try:
        client_id = str(SubsystemId.parse(client))
    except IdentifierError as exc:
        raise _refuse(ErrorType.INVALID_CLIENT, "the client identifier is malformed", str(exc)) from exc
    caller = directory.member(client_id)
    if caller is None or not caller.is_active:
        raise _refuse(
            ErrorType.INVALID_CLIENT, "the client is not an active member of the directory", client_id
        )
    if not caller.hosted and settings.ONESTOP_EXCHANGE_AUTH == "signature":
        raise _refuse(
            ErrorType.INVALID_CLIENT, "this deployment holds no key to sign as the client", client_id
        )
    return service_id, info, caller


def _message(
    *,
    caller: directory.MemberInfo,
    method: str,
    path: str,
    query: str,
    x_road_id: str,
    user_id: str,
    issue: str,
    purpose: str,
    body: bytes,
) -> Message:
    message = Message(
        method=method,
        path=path,
        query=query,
        # As X-Road-Client carries it (each part percent-encoded), so that the provider hashes and
        # verifies the very string it receives over HTTP.
        client=SubsystemId(*caller.identifier.split("/")).encoded(),
        x_road_id=x_road_id,
        user_id=user_id,
        issue=issue,
        purpose=purpose,
        date=datetime.now(UTC).isoformat(timespec="milliseconds"),
        body=body,
    )
    if body:
        message.headers["Content-Type"] = "application/json"
    if caller.hosted:
        message.headers[protocol.HEADER_SIGNATURE] = keys.sign_as(caller.identifier, message.canonical())
    return message


def _attempt(transport: Transport, breaker: CircuitBreaker, message: Message, info: ServiceInfo) -> Delivery:
    if not breaker.allow():
        raise ExchangeUnavailable(
            ProtocolError(
                ErrorType.CIRCUIT_OPEN,
                "the provider failed repeatedly; calls to it are paused",
                f"next try in {breaker.retry_after():.0f} s",
            ),
            service=info.identifier,
        )
    try:
        delivery = transport.exchange(message, info)
    except ProtocolError as error:
        if error.type in REFUSALS:
            breaker.record_success()
            raise ExchangeRefused(error, service=info.identifier, x_road_id=message.x_road_id) from error
        breaker.record_failure()
        raise ExchangeUnavailable(error, service=info.identifier, x_road_id=message.x_road_id) from error
    breaker.record_success()
    return delivery


def _parse(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def exchange_call(
    *,
    client: str,
    service: str,
    subject: str = "",
    params: Mapping[str, str] | None = None,
    method: str = "GET",
    path: str = "",
    body: bytes = b"",
    user_id: str = "",
    issue: str = "",
    purpose: str = protocol.DEFAULT_PURPOSE,
    x_road_id: str | None = None,
) -> ExchangeResult:
    """Call ``service`` as the hosted subsystem ``client`` about ``subject`` (a national ID).

    ``service`` is ``INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICECODE`` or the catalogue's short form
    without the instance. ``issue`` names the application or case that caused the call
    (``X-Road-Issue``), ``user_id`` the person on whose behalf (``X-Road-UserId``), ``purpose`` the
    purpose claimed. A read (GET, HEAD) that meets an unavailable provider is tried again up to
    ``ONESTOP_EXCHANGE_RETRIES`` times with back-off, each time as a new message (a new
    ``X-Road-Id``; the attempts share the issue); a write is sent once.

    Raises :class:`ExchangeRefused` or :class:`ExchangeUnavailable`.
    """
    method = method.upper()
    service_id, info, caller = _resolve(client, service)
    for name, value in (
        (protocol.HEADER_ID, x_road_id or ""),
        (protocol.HEADER_USER_ID, user_id),
        (protocol.HEADER_ISSUE, issue),
        (protocol.HEADER_PURPOSE, purpose),
    ):
        _check_header(name, value)
    try:
        transport = transport_for(info)
    except ProtocolError as error:
        raise ExchangeRefused(error, service=info.identifier) from error
    breaker = breaker_for(transport.breaker_key(info))
    path = service_id.encoded_path() + _encode_resource_path(path)
    query = _query(subject, params)
    retries = max(0, int(settings.ONESTOP_EXCHANGE_RETRIES)) if method in IDEMPOTENT_METHODS else 0
    attempt = 0
    while True:
        attempt += 1
        message = _message(
            caller=caller,
            method=method,
            path=path,
            query=query,
            x_road_id=(x_road_id if attempt == 1 and x_road_id else str(uuid.uuid4())),
            user_id=user_id,
            issue=issue,
            purpose=purpose,
            body=body,
        )
        try:
            delivery = _attempt(transport, breaker, message, info)
        except ExchangeError as exc:
            exc.attempts = attempt if exc.x_road_id else attempt - 1
            retry = (
                isinstance(exc, ExchangeUnavailable)
                and exc.error.type is not ErrorType.CIRCUIT_OPEN
                and attempt <= retries
            )
            if not retry:
                raise
            _sleep(backoff_delay(attempt))
            continue
        reply = delivery.reply
        return ExchangeResult(
            status=reply.status,
            data=_parse(reply.body),
            body=reply.body,
            service=info.identifier,
            provider=info.provider_identifier,
            x_road_id=message.x_road_id,
            request_id=header(reply.headers, protocol.HEADER_REQUEST_ID),
            request_hash=header(reply.headers, protocol.HEADER_REQUEST_HASH),
            started_at=delivery.started_at,
            latency_ms=delivery.latency_ms,
        )
