"""The X-Road message protocol for REST, version r1, as both sides of an exchange speak it.

Request::

    {METHOD} /r1/{INSTANCE}/{MEMBERCLASS}/{MEMBERCODE}/{SUBSYSTEM}/{SERVICECODE}[/path][?query]
    X-Road-Client: INSTANCE/CLASS/CODE/SUBSYSTEM     (required)
    X-Road-Id:     a unique id of the message          (generated when absent)
    X-Road-UserId: the person on whose behalf, with the ISO country code (KZ900101300123)
    X-Road-Issue:  the case or application that caused the call

Response headers: ``X-Road-Client``, ``X-Road-Service``, ``X-Road-Id``, ``X-Road-Request-Id``
(the provider's own id of the message) and ``X-Road-Request-Hash``: base64 SHA-512 over the
canonical request below, which proves which query produced which answer. An error carries
``X-Road-Error: <type>`` and the JSON body ``{"type", "message", "detail"}``.

OneStop adds two things a real X-Road security server does at its own level:

* ``X-OneStop-Purpose``: the purpose code the call claims (an access right lists the purposes it
  may be used for; ``service-delivery`` when absent).
* ``X-OneStop-Date`` and ``X-OneStop-Signature``: in the embedded setup (no security server, no
  mutual TLS) the client member signs the canonical request with its Ed25519 key, and the provider
  checks it against the key the directory holds for that member.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

PROTOCOL_VERSION = "r1"
PATH_PREFIX = "/r1/"

HEADER_CLIENT = "X-Road-Client"
HEADER_SERVICE = "X-Road-Service"
HEADER_ID = "X-Road-Id"
HEADER_USER_ID = "X-Road-UserId"
HEADER_ISSUE = "X-Road-Issue"
HEADER_REQUEST_ID = "X-Road-Request-Id"
HEADER_REQUEST_HASH = "X-Road-Request-Hash"
HEADER_ERROR = "X-Road-Error"
HEADER_PURPOSE = "X-OneStop-Purpose"
HEADER_DATE = "X-OneStop-Date"
HEADER_SIGNATURE = "X-OneStop-Signature"

DEFAULT_PURPOSE = "service-delivery"
MAX_HEADER = 255  # X-Road-Id, X-Road-UserId, X-Road-Issue: longer values are refused as malformed
SIGNATURE_WINDOW_SECONDS = 300  # how far X-OneStop-Date may be from the provider's clock


class ErrorType(StrEnum):
    """The ``X-Road-Error`` types OneStop sends (the X-Road fault codes for these situations)."""

    BAD_REQUEST = "Client.BadRequest"
    INVALID_CLIENT = "Client.InvalidClientIdentifier"
    INVALID_SERVICE = "Client.InvalidServiceIdentifier"
    ACCESS_DENIED = "Server.ServerProxy.AccessDenied"
    UNKNOWN_SERVICE = "Server.ServerProxy.UnknownService"
    SERVICE_DISABLED = "Server.ServerProxy.ServiceDisabled"
    SERVICE_FAILED = "Server.ServerProxy.ServiceFailed"
    TIMEOUT = "Server.ServerProxy.ServiceFailed.Timeout"
    NETWORK_ERROR = "Server.ClientProxy.NetworkError"  # the client could not reach the provider
    CIRCUIT_OPEN = "Server.ClientProxy.ServiceUnavailable"  # the client's breaker refused to try


HTTP_STATUS: dict[ErrorType, int] = {
    ErrorType.BAD_REQUEST: 400,
    ErrorType.INVALID_CLIENT: 400,
    ErrorType.INVALID_SERVICE: 400,
    ErrorType.ACCESS_DENIED: 403,
    ErrorType.UNKNOWN_SERVICE: 404,
    ErrorType.SERVICE_DISABLED: 503,
    ErrorType.SERVICE_FAILED: 502,
    ErrorType.TIMEOUT: 504,
    ErrorType.NETWORK_ERROR: 502,
    ErrorType.CIRCUIT_OPEN: 503,
}


@dataclass
class ProtocolError(Exception):
    """A refusal or failure the protocol reports with ``X-Road-Error``."""

    type: ErrorType
    message: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.type]

    def body(self) -> dict[str, str]:
        return {"type": str(self.type), "message": self.message, "detail": self.detail}


@dataclass
class Message:
    """One request as both sides see it: what is hashed, signed and logged.

    ``path`` is the raw (still percent-encoded) path from ``/r1/`` on, ``query`` the raw query
    string without ``?``."""

    method: str
    path: str
    query: str
    client: str
    x_road_id: str
    user_id: str = ""
    issue: str = ""
    purpose: str = DEFAULT_PURPOSE
    date: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # any other headers, passed to the service

    def canonical(self) -> bytes:
        """The bytes the request hash and the client's signature cover: every value that decides
        what is asked and on whose behalf, one per line, and a digest of the body."""
        body_digest = base64.b64encode(hashlib.sha512(self.body).digest()).decode("ascii")
        lines = (
            "onestop-xroad-request/v1",
            self.method.upper(),
            self.path,
            self.query,
            self.client,
            self.x_road_id,
            self.user_id,
            self.issue,
            self.purpose,
            self.date,
            body_digest,
        )
        return "\n".join(lines).encode("utf-8")

    def request_hash(self) -> str:
        """``X-Road-Request-Hash``: base64 SHA-512 over the canonical request."""
        return base64.b64encode(hashlib.sha512(self.canonical()).digest()).decode("ascii")


def body_hash(body: bytes) -> str:
    """How the log records a body it does not keep: base64 SHA-512."""
    return base64.b64encode(hashlib.sha512(body).digest()).decode("ascii")
