"""The ``/r1/…`` endpoint: X-Road message protocol for REST, provider side, over HTTP.

A thin view: it turns the HTTP request into a :class:`~onestop.exchange.protocol.Message` exactly as
the client built it (the signature and the request hash cover the raw, still percent-encoded path
and query) and hands it to :func:`~onestop.exchange.provider.provider_handle`.

The raw path comes from ``RAW_URI`` (gunicorn) or ``REQUEST_URI`` (uWSGI, Apache) when the server
provides one. Otherwise it is rebuilt from the decoded ``PATH_INFO``, percent-encoding each segment
the way clients do. That rebuild is exact except for an encoded slash: WSGI has already turned
``%2F`` into ``/``, so a part holding one splits in two and the request is read as the path WSGI
decoded. Identifiers may not contain ``/`` (identifiers.py), so only an illegal request can be read
as another one, and every check then applies to the one it is read as; a signed request is refused
anyway, because the signature covers the path the client sent. A resource path after the service
code with ``%2F`` in it needs a server that passes the raw URI: run gunicorn.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt

from onestop.exchange.protocol import (
    DEFAULT_PURPOSE,
    HEADER_CLIENT,
    HEADER_DATE,
    HEADER_ID,
    HEADER_ISSUE,
    HEADER_PURPOSE,
    HEADER_SIGNATURE,
    HEADER_USER_ID,
    PATH_PREFIX,
    ErrorType,
    Message,
    ProtocolError,
)
from onestop.exchange.provider import provider_handle, provider_refuse


# Agency systems call this without a session, so there is no CSRF token to check; the request is
# authenticated by its signature (or by the security server in front). Nothing here opens a
# transaction: the provider's only write is the log row.
@csrf_exempt
@transaction.non_atomic_requests
def r1_endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Every method, every path under ``/r1/``: the provider decides what is valid."""
    message = _message(request)
    try:
        message.body = request.body
    except (RequestDataTooBig, RawPostDataException, OSError):
        # OSError: the client went away while sending (UnreadablePostError).
        reply = provider_refuse(
            message,
            ProtocolError(ErrorType.BAD_REQUEST, "The request body could not be read or is too large."),
        )
    else:
        reply = provider_handle(message)
    return HttpResponse(
        reply.body, status=reply.status, content_type=reply.content_type, headers=reply.headers
    )


def _message(request: HttpRequest) -> Message:
    headers = {}
    if signature := _header(request, HEADER_SIGNATURE):
        headers[HEADER_SIGNATURE] = signature
    if content_type := request.META.get("CONTENT_TYPE", ""):
        headers["Content-Type"] = content_type
    return Message(
        method=request.method or "GET",
        path=raw_path(request),
        query=_wsgi_text(request.META.get("QUERY_STRING", "")),
        client=_header(request, HEADER_CLIENT),
        x_road_id=_header(request, HEADER_ID),
        user_id=_header(request, HEADER_USER_ID),
        issue=_header(request, HEADER_ISSUE),
        purpose=_header(request, HEADER_PURPOSE) or DEFAULT_PURPOSE,
        date=_header(request, HEADER_DATE),
        headers=headers,
    )


def raw_path(request: HttpRequest) -> str:
    """The request's path from ``/r1/`` on, percent-encoded as the client sent it (see the module
    docstring for when it has to be rebuilt)."""
    raw = _wsgi_text(request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or "")
    if raw:
        path = raw.split("?", 1)[0]
        if not path.startswith("/"):  # an absolute-form request target: http://host/r1/…
            path = urlsplit(raw).path
        # Behind a prefix (SCRIPT_NAME), the protocol path is what follows it: that is what the
        # client signed, relative to the provider's base URL.
        script = quote(request.META.get("SCRIPT_NAME", "").rstrip("/"), safe="/")
        if script and path.startswith(script + "/"):
            path = path[len(script) :]
        if path.startswith(PATH_PREFIX):
            return path
    return "/".join(quote(segment, safe="") for segment in request.path_info.split("/"))


def _header(request: HttpRequest, name: str) -> str:
    return _wsgi_text(request.headers.get(name, ""))


def _wsgi_text(value: str) -> str:
    """WSGI hands over header values and raw URIs as bytes decoded as Latin-1 (PEP 3333); read them
    as the UTF-8 the client signed, keeping the value as it is when it is not UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value
