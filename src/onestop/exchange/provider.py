"""The provider side of an exchange: answer one X-Road r1 request for a service served here.

:func:`provider_handle` takes a :class:`~onestop.exchange.protocol.Message` (from the ``/r1/``
view, or straight from the in-process transport) and returns a :class:`Reply`. It checks, in this
order, and refuses at the first failure with ``X-Road-Error``:

1. the service path (well formed, this instance, a known active service served by a handler here);
2. the headers (``X-Road-Client`` present and well formed; ``X-Road-Id``, ``X-Road-UserId``,
   ``X-Road-Issue`` of sane length and shape);
3. the client (an active member; unless a security server or mTLS proxy in front authenticated it,
   a fresh ``X-OneStop-Date`` and a valid Ed25519 signature over the canonical request);
4. the access right (unrevoked, and granting the purpose the call claims);
5. the subject (personal-data services name the person, ``?subject=``, a valid national ID) and
   purpose binding (a purpose that needs an open matter must name, in ``X-Road-Issue``, an open
   application or case of that person handled by the calling agency);

then calls the registry handler. Every request, answered or refused, is logged with one INSERT.

The hot path reads the directory from the per-process snapshot (exchange/directory.py): the only
database work per request is the registry's own query and the log row. Nothing here opens a
transaction of its own; when the caller is already inside one (an in-process call from a service),
the handler and the log write run in savepoints, so a failing handler cannot poison the caller's
transaction or the log write.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from onestop.core.national_ids import validate_national_id
from onestop.exchange import directory, registries
from onestop.exchange.directory import MemberInfo, ServiceInfo
from onestop.exchange.identifiers import IdentifierError, ServiceId, SubsystemId
from onestop.exchange.keys import verify_with
from onestop.exchange.log import LogRecord, exchange_log_append, log_body_text
from onestop.exchange.protocol import (
    HEADER_CLIENT,
    HEADER_ERROR,
    HEADER_ID,
    HEADER_ISSUE,
    HEADER_REQUEST_HASH,
    HEADER_REQUEST_ID,
    HEADER_SERVICE,
    HEADER_SIGNATURE,
    HEADER_USER_ID,
    MAX_HEADER,
    PATH_PREFIX,
    SIGNATURE_WINDOW_SECONDS,
    ErrorType,
    Message,
    ProtocolError,
    body_hash,
)
from onestop.exchange.purposes import find_open_matter

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json"
SUBJECT_PARAM = "subject"
MAX_QUERY_FIELDS = 100
# ISO 3166 alpha-2 country code, then the person's (or staff member's) identifier: KZ900101300123.
_USER_ID = re.compile(r"[A-Z]{2}[A-Za-z0-9-]{1,253}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Characters left as they are when an unparseable path is echoed in X-Road-Service: a header value
# must stay printable ASCII whatever the client sent.
_HEADER_SAFE = "/%:@!$&'()*+,;=-._~"


@dataclass
class Reply:
    """The provider's answer, transport-neutral: the view turns it into an HttpResponse, the
    in-process transport reads it as it is."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]

    @property
    def error_type(self) -> str:
        return self.headers.get(HEADER_ERROR, "")


@dataclass
class _Query:
    """The query string, parsed once: ``subject`` (normalised when valid) and the rest."""

    subject: str = ""
    subject_error: str = ""  # why the given subject is not a national ID
    params: dict[str, str] = field(default_factory=dict)
    error: str = ""  # why the query string itself is unusable


@dataclass
class _Exchange:
    """What the provider has learnt about one request so far; the reply headers and the log row
    are made from it, however far the checks got."""

    message: Message
    started_at: datetime
    started: float
    request_id: str
    request_hash: str
    x_road_id: str
    query: _Query
    logged_by: str
    service_label: str  # the service as the log names it
    service_header: str  # the same, percent-encoded for X-Road-Service
    client: SubsystemId | None = None
    client_info: MemberInfo | None = None
    service_info: ServiceInfo | None = None
    subject: str = ""  # set once the subject is known to be a valid national ID


def provider_handle(message: Message, *, authenticated: bool = False) -> Reply:
    """Answer one r1 request for a service this deployment serves, logging it.

    ``authenticated``: a security server or mutual-TLS proxy in front has authenticated the client
    already (``ONESTOP_EXCHANGE_AUTH=proxy`` means the same for every request); otherwise the
    request must carry the client member's signature. Never raises: every failure is an error
    reply with ``X-Road-Error``."""
    exchange = _start(message)
    try:
        status, body = _serve(
            exchange, authenticated=authenticated or settings.ONESTOP_EXCHANGE_AUTH == "proxy"
        )
    except ProtocolError as error:
        return _finish(exchange, error=error)
    return _finish(exchange, status=status, body=body)


def provider_refuse(message: Message, error: ProtocolError) -> Reply:
    """Refuse a request the view could not even read (a body over the size limit), with the same
    headers and log row as any other refusal."""
    return _finish(_start(message), error=error)


# --- the checks, in protocol order ----------------------------------------------------------------


def _serve(exchange: _Exchange, *, authenticated: bool) -> tuple[int, bytes]:
    service, rest = _resolve_service(exchange)
    client = _check_headers(exchange)
    client_info = _authenticate(exchange, client, authenticated=authenticated)
    # Recorded against the person asked about only once the caller is authenticated: an anonymous
    # request must not be able to put entries into someone's data tracker. From here on even a
    # refused call (no right, no open case) is on that person's record.
    exchange.subject = exchange.query.subject
    needs_matter = _authorise(exchange, client, service)
    subject = _check_subject(exchange, service)
    if needs_matter:
        _bind_purpose(exchange, client_info, subject)
    return _call_registry(exchange, service, rest)


def _resolve_service(exchange: _Exchange) -> tuple[ServiceInfo, str]:
    path = exchange.message.path
    if not path.startswith(PATH_PREFIX):
        raise ProtocolError(
            ErrorType.INVALID_SERVICE, "The path must start with /r1/.", detail=f"path: {path[:200]}"
        )
    try:
        service_id, rest = ServiceId.from_path(path[len(PATH_PREFIX) :])
    except IdentifierError as exc:
        raise ProtocolError(
            ErrorType.INVALID_SERVICE, "The service identifier is malformed.", str(exc)
        ) from exc
    exchange.service_label = str(service_id)
    exchange.service_header = service_id.encoded_path()[len(PATH_PREFIX) :]
    exchange.logged_by = str(service_id.provider)
    if service_id.provider.instance != settings.ONESTOP_EXCHANGE_INSTANCE:
        raise ProtocolError(
            ErrorType.UNKNOWN_SERVICE,
            "This provider serves another X-Road instance.",
            f"instance {settings.ONESTOP_EXCHANGE_INSTANCE} is served here, not {service_id.provider.instance}",
        )
    info = directory.service(str(service_id))
    if info is None or not info.handler:
        raise ProtocolError(ErrorType.UNKNOWN_SERVICE, "No such service is served here.", str(service_id))
    exchange.service_info = info
    exchange.logged_by = info.provider_identifier
    if not info.is_active:
        raise ProtocolError(ErrorType.SERVICE_DISABLED, "The service is disabled.", str(service_id))
    if not registries.handler_exists(info.handler):
        # A directory entry naming a handler this installation lacks is a configuration fault; to
        # the client it is a service that is not here.
        logger.error("exchange service %s names the missing handler %r", info.identifier, info.handler)
        raise ProtocolError(ErrorType.UNKNOWN_SERVICE, "No such service is served here.", str(service_id))
    return info, rest


def _check_headers(exchange: _Exchange) -> SubsystemId:
    message = exchange.message
    if not message.client.strip():
        raise ProtocolError(ErrorType.BAD_REQUEST, f"The {HEADER_CLIENT} header is required.")
    try:
        client = SubsystemId.parse(message.client)
    except IdentifierError as exc:
        raise ProtocolError(
            ErrorType.INVALID_CLIENT, f"The {HEADER_CLIENT} header is malformed.", str(exc)
        ) from exc
    exchange.client = client
    for name, value in (
        (HEADER_ID, message.x_road_id),
        (HEADER_USER_ID, message.user_id),
        (HEADER_ISSUE, message.issue),
    ):
        if len(value) > MAX_HEADER:
            raise ProtocolError(
                ErrorType.BAD_REQUEST, f"The {name} header is too long.", f"at most {MAX_HEADER} characters"
            )
        if _CONTROL.search(value):
            raise ProtocolError(ErrorType.BAD_REQUEST, f"The {name} header contains control characters.")
    if message.user_id and not _USER_ID.fullmatch(message.user_id):
        raise ProtocolError(
            ErrorType.BAD_REQUEST,
            f"The {HEADER_USER_ID} header is malformed.",
            "an ISO 3166 alpha-2 country code, then the identifier (letters, digits, '-'), e.g. KZ900101300123",
        )
    return client


def _authenticate(exchange: _Exchange, client: SubsystemId, *, authenticated: bool) -> MemberInfo:
    info = directory.member(str(client))
    if info is None:
        raise ProtocolError(
            ErrorType.ACCESS_DENIED, "The client is not a member of the directory.", str(client)
        )
    if not info.is_active:
        raise ProtocolError(ErrorType.ACCESS_DENIED, "The client member is not active.", str(client))
    if authenticated:
        exchange.client_info = info
        return info
    _check_date(exchange.message.date)
    signature = _header(exchange.message, HEADER_SIGNATURE)
    if not signature:
        raise ProtocolError(
            ErrorType.ACCESS_DENIED, "The request is not signed.", f"{HEADER_SIGNATURE} is missing"
        )
    if not verify_with(info.public_key, exchange.message.canonical(), signature):
        raise ProtocolError(
            ErrorType.ACCESS_DENIED,
            "The signature does not match the request and the client's key in the directory.",
        )
    # A signed request is good once: the same canonical request (same X-Road-Id and date) seen
    # again within the date window is a replay. The cache must be shared between web processes
    # (ONESTOP_CACHE_URL) for this to hold across them.
    if not cache.add(f"xroad-seen:{exchange.request_hash}", 1, timeout=2 * SIGNATURE_WINDOW_SECONDS):
        raise ProtocolError(ErrorType.ACCESS_DENIED, "This signed request was already received.")
    # Only now is the caller known to be who it says: the log links the entry to its directory
    # entry, and the citizen's data tracker shows it under the caller's agency.
    exchange.client_info = info
    return info


def _check_date(value: str) -> None:
    if not value:
        raise ProtocolError(ErrorType.ACCESS_DENIED, "The request is not dated.", "X-OneStop-Date is missing")
    try:
        signed_at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ProtocolError(
            ErrorType.ACCESS_DENIED, "The request date is malformed.", "an ISO 8601 time with its UTC offset"
        ) from exc
    if signed_at.tzinfo is None:
        raise ProtocolError(ErrorType.ACCESS_DENIED, "The request date has no UTC offset.")
    # A window rather than a nonce store: replays are bounded in time without any per-request write.
    if abs(timezone.now() - signed_at) > timedelta(seconds=SIGNATURE_WINDOW_SECONDS):
        raise ProtocolError(
            ErrorType.ACCESS_DENIED,
            "The request date is too far from the provider's clock.",
            f"at most {SIGNATURE_WINDOW_SECONDS} seconds apart",
        )


def _authorise(exchange: _Exchange, client: SubsystemId, service: ServiceInfo) -> bool:
    """Check the right and the purpose; True when the purpose needs an open matter."""
    granted = directory.granted_purposes(str(client), service.identifier)
    if granted is None:
        raise ProtocolError(
            ErrorType.ACCESS_DENIED,
            "The client has no right to call this service.",
            f"{client} → {service.identifier}",
        )
    code = exchange.message.purpose
    purpose = directory.purpose(code)
    if purpose is None:
        raise ProtocolError(ErrorType.ACCESS_DENIED, "The purpose of the call is unknown.", code[:100])
    if code not in granted:
        raise ProtocolError(
            ErrorType.ACCESS_DENIED,
            "The client's right does not cover this purpose.",
            f"granted: {', '.join(sorted(granted))}",
        )
    return purpose.needs_open_matter


def _check_subject(exchange: _Exchange, service: ServiceInfo) -> str:
    query = exchange.query
    if query.error:
        raise ProtocolError(ErrorType.BAD_REQUEST, "The query string is malformed.", query.error)
    if query.subject_error:
        raise ProtocolError(
            ErrorType.BAD_REQUEST,
            f"The {SUBJECT_PARAM} parameter is not a valid national ID.",
            query.subject_error,
        )
    if service.personal_data and not query.subject:
        raise ProtocolError(
            ErrorType.BAD_REQUEST,
            "This service answers about one person: name them.",
            f"query parameter {SUBJECT_PARAM}: the person's national ID",
        )
    return query.subject


def _bind_purpose(exchange: _Exchange, client: MemberInfo, subject: str) -> None:
    try:
        matter = find_open_matter(exchange.message.issue, subject)
    except Exception as exc:
        logger.exception("matter resolver failed for issue %r", exchange.message.issue)
        raise ProtocolError(
            ErrorType.SERVICE_FAILED, "The provider could not check the purpose.", _failure_detail(exchange)
        ) from exc
    if (
        matter is None
        or matter.subject != subject
        or not client.agency_code
        or client.agency_code not in matter.agency_codes
    ):
        raise ProtocolError(
            ErrorType.ACCESS_DENIED,
            "The call names no open application or case of this person handled by the calling agency.",
            f"{HEADER_ISSUE}: {exchange.message.issue[:100]}"
            if exchange.message.issue
            else f"{HEADER_ISSUE} is missing",
        )


def _call_registry(exchange: _Exchange, service: ServiceInfo, rest: str) -> tuple[int, bytes]:
    try:
        path = unquote(rest, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            ErrorType.BAD_REQUEST, "The resource path is not valid percent-encoded UTF-8."
        ) from exc
    request = registries.RegistryRequest(
        subject=exchange.subject,
        method=exchange.message.method.upper(),
        path=path,
        params=exchange.query.params,
        body=exchange.message.body,
    )
    try:
        with _savepoint():
            response = registries.call(service.handler, request)
        if not isinstance(response, registries.RegistryResponse) or not 200 <= response.status < 500:
            raise TypeError(f"handler returned {response!r}, not a RegistryResponse with a 2xx or 4xx status")
        body = json.dumps(response.data, cls=DjangoJSONEncoder, ensure_ascii=False).encode("utf-8")
    except Exception as exc:
        # Whatever went wrong inside the registry, the client gets a protocol error, never a 500,
        # and no exception text (it may hold personal data or internals).
        logger.exception("exchange handler %s failed (request %s)", service.handler, exchange.request_id)
        raise ProtocolError(
            ErrorType.SERVICE_FAILED, "The registry could not answer.", _failure_detail(exchange)
        ) from exc
    return response.status, body


# --- start and finish -------------------------------------------------------------------------------


def _start(message: Message) -> _Exchange:
    started = time.perf_counter()
    raw_service = message.path[len(PATH_PREFIX) :] if message.path.startswith(PATH_PREFIX) else message.path
    raw_parts = raw_service.lstrip("/").split("/")
    x_road_id = message.x_road_id
    if not x_road_id or _CONTROL.search(x_road_id):
        # Absent: X-Road generates one. Unprintable: echoing it would break the reply's headers.
        x_road_id = str(uuid.uuid4())
    exchange = _Exchange(
        message=message,
        started_at=timezone.now(),
        started=started,
        request_id=str(uuid.uuid4()),
        request_hash=message.request_hash(),
        x_road_id=x_road_id,
        query=_parse_query(message.query),
        logged_by=unquote("/".join(raw_parts[:4]), errors="replace"),
        service_label=unquote("/".join(raw_parts[:5]), errors="replace"),
        service_header=quote("/".join(raw_parts[:5])[:MAX_HEADER], safe=_HEADER_SAFE),
    )
    return exchange


def _parse_query(query: str) -> _Query:
    try:
        pairs = parse_qsl(
            query, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=MAX_QUERY_FIELDS
        )
    except ValueError as exc:  # also UnicodeDecodeError
        return _Query(
            error=f"not valid percent-encoded UTF-8 or more than {MAX_QUERY_FIELDS} parameters ({exc.__class__.__name__})"
        )
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            # One meaning per request: a repeated parameter could be read two ways by two systems.
            return _Query(error=f"the parameter {name[:50]!r} is given more than once")
        params[name] = value
    parsed = _Query(params=params)
    raw_subject = params.pop(SUBJECT_PARAM, "")
    if raw_subject:
        try:
            parsed.subject = validate_national_id(raw_subject)
        except ValidationError as exc:
            parsed.subject_error = " ".join(exc.messages)
    return parsed


def _finish(
    exchange: _Exchange, *, status: int = 200, body: bytes = b"", error: ProtocolError | None = None
) -> Reply:
    if error is not None:
        status, body = error.status, json.dumps(error.body(), ensure_ascii=False).encode("utf-8")
    try:
        _log(exchange, status=status, body=body, error=error)
    except Exception:
        logger.exception("exchange log append failed (request %s)", exchange.request_id)
        if error is None:
            # An access that is not on record must not happen: no data leaves unlogged.
            error = ProtocolError(
                ErrorType.SERVICE_FAILED, "The exchange could not be logged.", _failure_detail(exchange)
            )
            status, body = error.status, json.dumps(error.body(), ensure_ascii=False).encode("utf-8")
    headers = {
        HEADER_SERVICE: exchange.service_header,
        HEADER_ID: exchange.x_road_id,
        HEADER_REQUEST_ID: exchange.request_id,
        HEADER_REQUEST_HASH: exchange.request_hash,
    }
    if exchange.client is not None:
        headers[HEADER_CLIENT] = exchange.client.encoded()
    if error is not None:
        headers[HEADER_ERROR] = str(error.type)
    return Reply(status=status, body=body, content_type=JSON_CONTENT_TYPE, headers=headers)


def _log(exchange: _Exchange, *, status: int, body: bytes, error: ProtocolError | None) -> None:
    message = exchange.message
    service = exchange.service_info
    log_bodies = service is not None and service.log_bodies
    record = LogRecord(
        side="provider",
        logged_by=_loggable(exchange.logged_by),
        x_road_id=exchange.x_road_id,
        request_id=exchange.request_id,
        client=_loggable(str(exchange.client) if exchange.client is not None else message.client),
        service=_loggable(exchange.service_label),
        method=_loggable(message.method.upper()),
        path=_loggable(message.path),
        status=status,
        request_hash=exchange.request_hash,
        latency_ms=(time.perf_counter() - exchange.started) * 1000,
        started_at=exchange.started_at,
        client_member_id=exchange.client_info.id if exchange.client_info is not None else None,
        data_service_id=service.id if service is not None else None,
        user_id=_loggable(message.user_id),
        issue=_loggable(message.issue),
        purpose=_loggable(message.purpose),
        subject=exchange.subject,
        error_type=str(error.type) if error is not None else "",
        response_hash=body_hash(body),
        request_body=log_body_text(message.body) if log_bodies else None,
        response_body=log_body_text(body) if log_bodies else None,
    )
    with _savepoint():
        exchange_log_append(record)


def _loggable(value: str) -> str:
    """What a refused request said, as the log can keep it: PostgreSQL text cannot hold NUL."""
    return value.replace("\x00", "\N{REPLACEMENT CHARACTER}")


@contextmanager
def _savepoint() -> Iterator[None]:
    """A savepoint when the caller has a transaction open (so a failure here leaves it usable);
    nothing in autocommit, where every statement stands alone anyway."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            yield
    else:
        yield


def _header(message: Message, name: str) -> str:
    value = message.headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in message.headers.items() if k.lower() == lowered), "")


def _failure_detail(exchange: _Exchange) -> str:
    return f"{HEADER_REQUEST_ID}: {exchange.request_id}"
