"""The built-in reference registries: the demo country's civil, address, property, business,
vehicle, tax and social-insurance registers (and a few more), answering data services in-process.

Each module registers its functions under a handler name (``civil-registry.person``) with
:func:`register`; a DataService names its handler. A real deployment points the same service codes
at the agencies' own systems (``DataService.endpoint_url``) instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RegistryRequest:
    subject: str  # national ID of the person asked about ("" for services without personal data)
    method: str = "GET"
    path: str = ""  # the resource path after the service code ("" or "/…"), decoded
    params: dict[str, str] = field(default_factory=dict)  # query parameters other than ``subject``
    body: bytes = b""


@dataclass(frozen=True)
class RegistryResponse:
    status: int  # 200 found, 404 the registry holds nothing on the subject, 400 bad parameters
    data: Any  # JSON-serialisable


Handler = Callable[[RegistryRequest], RegistryResponse]
_handlers: dict[str, Handler] = {}


def register(name: str) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        _handlers[name] = fn
        return fn

    return decorate


def _load() -> None:
    # Importing the modules registers their handlers.
    from onestop.exchange.registries import catalogue  # noqa: F401


def handler_exists(name: str) -> bool:
    _load()
    return name in _handlers


def call(name: str, request: RegistryRequest) -> RegistryResponse:
    """Run a built-in registry function. ``KeyError`` if there is none of that name."""
    _load()
    return _handlers[name](request)


def handler_names() -> list[str]:
    _load()
    return sorted(_handlers)
