"""How a request reaches its provider: the transports of the consumer client, as plugins.

A transport sends one signed :class:`~onestop.exchange.protocol.Message` and returns the
provider's reply. Which one carries a call is decided by the data service's ``endpoint_url``:
empty means a built-in registry of this deployment, answered by :class:`InProcessTransport`
(no HTTP at all); ``http(s)://…`` is a provider's security server or another OneStop, reached by
:class:`HttpTransport`. A deployment adds another way (a message queue, a SOAP bridge) by
subclassing :class:`Transport` and calling :func:`register_transport` with the URL schemes it
serves, the way Open Forms plugs in its registration back ends.

Every transport reports the same way (:meth:`Transport.exchange`): a reply with ``X-Road-Error``,
a server error without one, and a reply whose ``X-Road-Request-Hash`` is not the hash of the
request sent are raised as :class:`ProtocolError`; so are timeouts and network failures. A
transport whose provider lives elsewhere also writes a client-side row to the exchange log for
every attempt, so a remote provider's answers are on record here too; in-process the provider
itself logs the exchange, and a second row would only say the same thing twice.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onestop.exchange import protocol
from onestop.exchange.directory import ServiceInfo
from onestop.exchange.directory import member as directory_member
from onestop.exchange.identifiers import IdentifierError, SubsystemId
from onestop.exchange.log import LogRecord, exchange_log_append, log_body_text
from onestop.exchange.protocol import ErrorType, Message, ProtocolError

logger = logging.getLogger(__name__)

#: A reply larger than this is refused as a service failure instead of filling the memory.
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
#: Request headers a transport sets itself from the message (anything else in
#: ``Message.headers`` travels as it is).
PROTOCOL_HEADERS = (
    protocol.HEADER_CLIENT,
    protocol.HEADER_ID,
    protocol.HEADER_USER_ID,
    protocol.HEADER_ISSUE,
    protocol.HEADER_PURPOSE,
    protocol.HEADER_DATE,
)


class Reply(Protocol):
    """What a transport hands back: the provider's answer as it arrived (``provider.Reply`` and
    :class:`HttpReply` both fit)."""

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...

    @property
    def headers(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """A reply that passed the checks, with when it was asked for and how long it took."""

    reply: Reply
    started_at: datetime
    latency_ms: float


def header(headers: dict[str, str], name: str) -> str:
    """A header's value whatever case the sender wrote its name in ("" if absent)."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if key.lower() == wanted:
            return candidate
    return ""


def error_type_of(value: str) -> ErrorType:
    """Our type for an ``X-Road-Error`` value. A type we do not know (a real security server has
    many more) keeps its side of the fault: ``Client.*`` is the request's fault, anything else
    the provider's."""
    try:
        return ErrorType(value)
    except ValueError:
        return ErrorType.BAD_REQUEST if value.startswith("Client.") else ErrorType.SERVICE_FAILED


def reply_error(message: Message, reply: Reply) -> ProtocolError | None:
    """The error a reply stands for, or None if it is a genuine answer to ``message``."""
    raised = header(reply.headers, protocol.HEADER_ERROR)
    if raised:
        kind = error_type_of(raised.strip())
        text, detail = raised, ""
        try:
            payload = json.loads(reply.body) if reply.body else {}
        except ValueError:
            payload = {}
        if isinstance(payload, dict):
            text = str(payload.get("message") or raised)
            detail = str(payload.get("detail") or "")
        if kind.value != raised.strip():
            detail = f"{raised.strip()}: {detail}" if detail else raised.strip()
        return ProtocolError(kind, text, detail)
    if reply.status >= 500:
        return ProtocolError(
            ErrorType.SERVICE_FAILED,
            f"the provider answered HTTP {reply.status} without an X-Road-Error",
        )
    answered_hash = header(reply.headers, protocol.HEADER_REQUEST_HASH)
    # A real X-Road security server hashes the request in its own form, not ours: deployments
    # behind one turn this check off (ONESTOP_EXCHANGE_CHECK_REQUEST_HASH=false).
    if settings.ONESTOP_EXCHANGE_CHECK_REQUEST_HASH and answered_hash != message.request_hash():
        # A reply to some other request (mixed up by a proxy) or altered on the way: not evidence.
        return ProtocolError(
            ErrorType.SERVICE_FAILED,
            "the reply's X-Road-Request-Hash is not the hash of the request sent",
            "missing" if not answered_hash else "mismatch",
        )
    return None


def _tls_options() -> dict[str, Any]:
    """Client certificate and trusted CAs for mutual TLS towards a security server, when set."""
    options: dict[str, Any] = {}
    cert, key = settings.ONESTOP_EXCHANGE_CLIENT_CERT, settings.ONESTOP_EXCHANGE_CLIENT_KEY
    if cert:
        options["cert"] = (cert, key) if key else cert
    if settings.ONESTOP_EXCHANGE_CA_BUNDLE:
        options["verify"] = settings.ONESTOP_EXCHANGE_CA_BUNDLE
    return options


class Transport:
    """The base of every transport. Subclasses implement :meth:`send`."""

    #: The registry name of the transport.
    name: ClassVar[str] = ""
    #: The ``endpoint_url`` schemes it serves ("" for a service without an endpoint).
    schemes: ClassVar[tuple[str, ...]] = ()
    #: Write a client-side exchange log row per attempt (the provider is not this deployment).
    logs_client_side: ClassVar[bool] = True

    def send(self, message: Message, service: ServiceInfo) -> Reply:
        """Deliver ``message`` to the provider of ``service`` and return its reply as it is.
        Raise :class:`ProtocolError` (``TIMEOUT``, ``NETWORK_ERROR``, ``SERVICE_FAILED``) when no
        reply came."""
        raise NotImplementedError

    def breaker_key(self, service: ServiceInfo) -> str:
        """Which circuit breaker guards the call: one per provider endpoint."""
        return service.endpoint_url.rstrip("/") or service.provider_identifier

    def exchange(self, message: Message, service: ServiceInfo) -> Delivery:
        """Send, check the reply (:func:`reply_error`), log the attempt when the provider is
        elsewhere, and return the checked reply or raise the :class:`ProtocolError`."""
        started_at = timezone.now()
        started = time.perf_counter()
        reply: Reply | None = None
        try:
            reply = self.send(message, service)
            error = reply_error(message, reply)
        except ProtocolError as exc:
            error = exc
        latency_ms = (time.perf_counter() - started) * 1000
        if self.logs_client_side:
            try:
                _log_attempt(message, service, reply, error, started_at=started_at, latency_ms=latency_ms)
            except Exception:
                logger.exception("client-side exchange log append failed for %s", service.identifier)
                if error is None:
                    # An answer that is not on record here is not used: no unlogged data access.
                    error = ProtocolError(ErrorType.SERVICE_FAILED, "the exchange could not be logged")
        if error is not None:
            raise error
        assert reply is not None
        return Delivery(reply=reply, started_at=started_at, latency_ms=latency_ms)


def _log_attempt(
    message: Message,
    service: ServiceInfo,
    reply: Reply | None,
    error: ProtocolError | None,
    *,
    started_at: datetime,
    latency_ms: float,
) -> None:
    subject = next((v for k, v in parse_qsl(message.query, keep_blank_values=True) if k == "subject"), "")
    try:
        client_id = str(SubsystemId.parse(message.client))
    except IdentifierError:
        client_id = message.client
    client = directory_member(client_id)
    if reply is not None:
        status = reply.status
        error_type = header(reply.headers, protocol.HEADER_ERROR) or (str(error.type) if error else "")
    else:
        assert error is not None
        status = error.status
        error_type = str(error.type)
    record = LogRecord(
        side="client",
        logged_by=client_id,
        x_road_id=message.x_road_id,
        request_id=header(reply.headers, protocol.HEADER_REQUEST_ID) if reply is not None else "",
        client=client_id,
        service=service.identifier,
        method=message.method.upper(),
        path=message.path,
        status=status,
        request_hash=message.request_hash(),
        latency_ms=latency_ms,
        started_at=started_at,
        client_member_id=client.id if client is not None else None,
        data_service_id=service.id,
        user_id=message.user_id,
        issue=message.issue,
        purpose=message.purpose,
        subject=subject,
        error_type=error_type,
        response_hash=protocol.body_hash(reply.body) if reply is not None else "",
        request_body=log_body_text(message.body) if service.log_bodies else None,
        response_body=log_body_text(reply.body) if service.log_bodies and reply is not None else None,
    )
    if transaction.get_connection().in_atomic_block:
        # A savepoint, so that a failed INSERT leaves the caller's transaction usable.
        with transaction.atomic():
            exchange_log_append(record)
    else:
        exchange_log_append(record)


class InProcessTransport(Transport):
    """A built-in registry of this deployment: the provider's code is called directly, with the
    same checks (signature, rights, purpose) and the same log row as over HTTP."""

    name = "in-process"
    schemes = ("",)
    logs_client_side = False

    def send(self, message: Message, service: ServiceInfo) -> Reply:
        # Imported here: the provider module is the server side and loads the registries.
        from onestop.exchange.provider import provider_handle

        try:
            return provider_handle(message)
        except ProtocolError:
            raise
        except Exception as exc:
            # A bug in a registry function must not become a 500 in the application that asked:
            # it is the provider failing, and the evidence stays pending.
            logger.exception("in-process provider failed for %s", service.identifier)
            raise ProtocolError(ErrorType.SERVICE_FAILED, "the provider failed", type(exc).__name__) from exc


class HttpTransport(Transport):
    """A provider over HTTP(S): its security server, or another OneStop's ``/r1/``. One pooled,
    thread-safe ``httpx.Client`` per endpoint; each request waits at most the service's timeout
    for each of connecting, sending and every read."""

    name = "http"
    schemes = ("http", "https")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, httpx.Client] = {}

    def _client(self, base_url: str) -> httpx.Client:
        with self._lock:
            client = self._clients.get(base_url)
            if client is None:
                client = httpx.Client(follow_redirects=False, **_tls_options())
                self._clients[base_url] = client
            return client

    def close(self) -> None:
        """Close every pooled connection (tests, shutdown)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    @staticmethod
    def request_headers(message: Message) -> dict[str, str]:
        headers = {
            protocol.HEADER_CLIENT: message.client,
            protocol.HEADER_ID: message.x_road_id,
            protocol.HEADER_PURPOSE: message.purpose,
            protocol.HEADER_DATE: message.date,
        }
        if message.user_id:
            headers[protocol.HEADER_USER_ID] = message.user_id
        if message.issue:
            headers[protocol.HEADER_ISSUE] = message.issue
        headers.update((k, v) for k, v in message.headers.items() if k not in PROTOCOL_HEADERS)
        return headers

    def send(self, message: Message, service: ServiceInfo) -> Reply:
        base_url = service.endpoint_url.rstrip("/")
        url = base_url + message.path + (f"?{message.query}" if message.query else "")
        try:
            with self._client(base_url).stream(
                message.method.upper(),
                url,
                headers=self.request_headers(message),
                content=message.body or None,
                timeout=service.timeout_seconds,
            ) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise ProtocolError(
                            ErrorType.SERVICE_FAILED,
                            f"the reply is larger than {MAX_RESPONSE_BYTES} bytes",
                        )
                return HttpReply(
                    status=response.status_code,
                    body=bytes(body),
                    content_type=response.headers.get("content-type", ""),
                    headers=dict(response.headers.items()),
                )
        except httpx.TimeoutException as exc:
            raise ProtocolError(
                ErrorType.TIMEOUT,
                f"the provider did not answer within {service.timeout_seconds:g} s",
                type(exc).__name__,
            ) from exc
        except httpx.HTTPError as exc:
            raise ProtocolError(
                ErrorType.NETWORK_ERROR,
                f"the provider at {urlsplit(base_url).netloc} could not be reached",
                f"{type(exc).__name__}: {exc}",
            ) from exc


_lock = threading.Lock()
_transports: dict[str, Transport] = {}
T = TypeVar("T", bound=Transport)


def register_transport(transport: T) -> T:
    """Make ``transport`` carry the calls to services whose endpoint has one of its schemes
    (replacing the transport that had them)."""
    with _lock:
        for scheme in transport.schemes:
            _transports[scheme] = transport
    return transport


def transport_for(service: ServiceInfo) -> Transport:
    """The transport for a service: by the scheme of its ``endpoint_url`` ("" for none)."""
    scheme = urlsplit(service.endpoint_url).scheme.lower() if service.endpoint_url else ""
    with _lock:
        transport = _transports.get(scheme)
    if transport is None:
        raise ProtocolError(
            ErrorType.INVALID_SERVICE,
            "no transport can reach this service's endpoint",
            f"scheme {scheme!r} of {service.identifier}",
        )
    return transport


def transport_names() -> dict[str, str]:
    """Scheme → transport name, as registered."""
    with _lock:
        return {scheme: t.name for scheme, t in _transports.items()}


register_transport(InProcessTransport())
HTTP_TRANSPORT = register_transport(HttpTransport())
