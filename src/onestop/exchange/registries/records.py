"""What every built-in registry does the same way: check the request, read the subject's records
(one indexed query) and shape the answer.

A registry answers ``200`` with ``{"found": true, …}`` when it holds something on the person,
``404`` with ``{"found": false}`` when it holds nothing, and ``400`` with
``{"found": false, "error": "bad-request", "parameter": …, "message": …}`` when the request is
malformed. Stored records already use English field names and ISO dates (the loader writes them
so); handlers copy out the documented fields, so a stored extra never leaks into an answer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from onestop.core.national_ids import validate_national_id
from onestop.exchange.models import RegistryRecord
from onestop.exchange.registries import Handler, RegistryRequest, RegistryResponse

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class BadRequest(Exception):
    """A request a registry cannot answer as asked; becomes a 400 answer."""

    def __init__(self, message: str, *, parameter: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter

    def response(self) -> RegistryResponse:
        body: dict[str, Any] = {"found": False, "error": "bad-request", "message": self.message}
        if self.parameter:
            body["parameter"] = self.parameter
        return RegistryResponse(400, body)


def guarded(fn: Callable[[RegistryRequest], RegistryResponse]) -> Handler:
    """Turn a :class:`BadRequest` raised by a registry function into its 400 answer."""

    @functools.wraps(fn)
    def run(request: RegistryRequest) -> RegistryResponse:
        try:
            return fn(request)
        except BadRequest as exc:
            return exc.response()

    return run


@dataclass(frozen=True)
class Record:
    data: dict[str, Any]
    valid_from: date | None
    valid_until: date | None


def check(request: RegistryRequest, *, params: Iterable[str] = ()) -> str:
    """Refuse what no registry function accepts: another method than GET (registries are read
    only), a resource path, unknown query parameters, a missing or invalid national ID. Returns the
    normalised national ID."""
    if request.method.upper() != "GET":
        raise BadRequest(f"This service only answers GET, not {request.method.upper()}.")
    if request.path not in ("", "/"):
        raise BadRequest("This service has no resources below it; call it without a path.")
    unknown = sorted(set(request.params) - set(params))
    if unknown:
        raise BadRequest(f"Unknown query parameter: {', '.join(unknown)}.", parameter=unknown[0])
    if not request.subject:
        raise BadRequest("Name the person with the query parameter subject.", parameter="subject")
    try:
        return validate_national_id(request.subject)
    except ValidationError as exc:
        raise BadRequest(" ".join(exc.messages), parameter="subject") from exc


def fetch(registry: str, kind: str, subject: str) -> list[Record]:
    """The subject's records of one kind: a single query on the (registry, kind, subject) index."""
    rows = (
        RegistryRecord.objects.filter(registry=registry, kind=kind, subject=subject)
        .order_by("id")
        .values_list("data", "valid_from", "valid_until")
    )
    return [Record(data, valid_from, valid_until) for data, valid_from, valid_until in rows]


def found(**fields: Any) -> RegistryResponse:
    return RegistryResponse(200, {"found": True, **fields})


def not_found() -> RegistryResponse:
    return RegistryResponse(404, {"found": False})


def pick(data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The documented ``fields`` of a stored record (missing ones as null)."""
    return {name: data.get(name) for name in fields}


def date_param(request: RegistryRequest, name: str, *, default: date | None = None) -> date:
    """An ISO date query parameter (``2026-03-01``); today in the deployment's zone when absent."""
    value = request.params.get(name, "")
    if not value:
        return default or timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a date as YYYY-MM-DD.", parameter=name) from exc


def month_param(request: RegistryRequest, name: str) -> str:
    """A ``YYYY-MM`` query parameter, or "" when absent."""
    value = request.params.get(name, "")
    if value and not _MONTH.match(value):
        raise BadRequest(f"{name} must be a month as YYYY-MM.", parameter=name)
    return value


def is_current(record: Record, on: date) -> bool:
    """Is the record in force on ``on`` (its validity interval includes the day)?"""
    if record.valid_from is not None and record.valid_from > on:
        return False
    return record.valid_until is None or record.valid_until >= on
