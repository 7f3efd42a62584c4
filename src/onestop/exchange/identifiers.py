"""X-Road identifiers: a client subsystem ``INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM`` and a
service, which is a subsystem plus a service code.

On the wire (the ``X-Road-Client`` header, the ``/r1/…`` path) each part is percent-encoded on its
own (UTF-8), so a ``/`` inside a part never splits it. The protocol forbids a few characters in
identifiers outright (``:;%/\\`` and control characters, PR-REST 4.8); we refuse them when a
directory entry is created, so every stored identifier round-trips through the encoding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

# PR-REST 4.8: identifier parts may not contain these (nor control characters nor be blank).
_FORBIDDEN = re.compile(r"[:;%/\\\x00-\x1f\x7f]")
MAX_PART = 255


class IdentifierError(ValueError):
    """An identifier that is malformed: wrong number of parts, empty or forbidden characters."""


def check_part(value: str, *, name: str) -> str:
    if not value or not value.strip():
        raise IdentifierError(f"{name} is empty")
    if len(value) > MAX_PART:
        raise IdentifierError(f"{name} is longer than {MAX_PART} characters")
    if _FORBIDDEN.search(value):
        raise IdentifierError(
            f"{name} contains a character X-Road does not allow (: ; % / \\ or a control character)"
        )
    return value


def _encode(part: str) -> str:
    return quote(part, safe="")


def _decode(part: str, *, name: str) -> str:
    try:
        value = unquote(part, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise IdentifierError(f"{name} is not valid percent-encoded UTF-8") from exc
    return check_part(value, name=name)


@dataclass(frozen=True, order=True)
class SubsystemId:
    """A member's subsystem: the party that calls or offers services."""

    instance: str
    member_class: str
    member_code: str
    subsystem: str

    def __post_init__(self) -> None:
        check_part(self.instance, name="instance")
        check_part(self.member_class, name="member class")
        check_part(self.member_code, name="member code")
        check_part(self.subsystem, name="subsystem code")

    @classmethod
    def parse(cls, value: str) -> SubsystemId:
        """Parse the ``X-Road-Client`` header form ``INSTANCE/CLASS/CODE/SUBSYSTEM`` (each part
        percent-encoded)."""
        parts = value.strip().split("/")
        if len(parts) != 4:
            raise IdentifierError(
                "a client is INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM (four parts separated by '/')"
            )
        names = ("instance", "member class", "member code", "subsystem code")
        return cls(*(_decode(p, name=n) for p, n in zip(parts, names, strict=True)))

    def encoded(self) -> str:
        return "/".join(_encode(p) for p in self.parts())

    def parts(self) -> tuple[str, str, str, str]:
        return (self.instance, self.member_class, self.member_code, self.subsystem)

    def __str__(self) -> str:
        return "/".join(self.parts())


@dataclass(frozen=True, order=True)
class ServiceId:
    """A data service: the providing subsystem plus a service code (which carries its version,
    ``person-v1``)."""

    provider: SubsystemId
    service_code: str

    def __post_init__(self) -> None:
        check_part(self.service_code, name="service code")

    @classmethod
    def from_path(cls, path: str) -> tuple[ServiceId, str]:
        """Split ``INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICECODE[/rest]`` (the part of an ``/r1/`` URL
        after the prefix, still percent-encoded) into the service and the remaining path
        (``""`` or ``"/…"``, left encoded for the service)."""
        parts = path.lstrip("/").split("/", 5)
        if len(parts) < 5:
            raise IdentifierError(
                "the path is /r1/INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM/SERVICECODE[/path]"
            )
        names = ("instance", "member class", "member code", "subsystem code", "service code")
        decoded = [_decode(p, name=n) for p, n in zip(parts[:5], names, strict=True)]
        rest = "/" + parts[5] if len(parts) == 6 else ""
        return cls(SubsystemId(*decoded[:4]), decoded[4]), rest

    @classmethod
    def parse(cls, value: str, *, instance: str | None = None) -> ServiceId:
        """Parse ``INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICECODE``; with ``instance`` given, also the
        catalogue's short form ``CLASS/CODE/SUBSYSTEM/SERVICECODE`` (as in
        ``EvidenceType.exchange_service``)."""
        parts = value.strip().strip("/").split("/")
        if len(parts) == 4 and instance is not None:
            parts = [instance, *parts]
        if len(parts) != 5:
            raise IdentifierError("a service is INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEM/SERVICECODE")
        names = ("instance", "member class", "member code", "subsystem code", "service code")
        decoded = [_decode(p, name=n) for p, n in zip(parts, names, strict=True)]
        return cls(SubsystemId(*decoded[:4]), decoded[4])

    def encoded_path(self) -> str:
        """The service's ``/r1/…`` path (without a trailing resource path)."""
        return f"/r1/{self.provider.encoded()}/{_encode(self.service_code)}"

    def __str__(self) -> str:
        return f"{self.provider}/{self.service_code}"
