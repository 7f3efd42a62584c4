"""Reads of the directory on the hot path, from a per-process snapshot.

The directory is small (members, services, rights: hundreds of rows) and read on every exchange,
so each process keeps all of it in memory and reloads it after ``ONESTOP_EXCHANGE_DIRECTORY_TTL``
seconds, or at once after a directory write in the same process (``directory_changed``, called on
commit by exchange/services.py). A revoked right therefore stops working everywhere within the TTL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from onestop.exchange.models import AccessRight, DataService, Member, Purpose


@dataclass(frozen=True)
class MemberInfo:
    id: int
    identifier: str
    name: str
    agency_id: int | None
    agency_code: str
    hosted: bool
    public_key: str
    is_active: bool


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    identifier: str
    service_code: str
    provider_id: int
    provider_identifier: str
    handler: str
    endpoint_url: str
    timeout_seconds: float
    personal_data: bool
    log_bodies: bool
    is_active: bool


@dataclass(frozen=True)
class PurposeInfo:
    code: str
    needs_open_matter: bool


@dataclass(frozen=True)
class Snapshot:
    members: dict[str, MemberInfo]
    services: dict[str, ServiceInfo]
    rights: dict[tuple[str, str], frozenset[str]]  # (client, service) -> purpose codes
    purposes: dict[str, PurposeInfo]
    loaded_at: float


_lock = threading.Lock()
_snapshot: Snapshot | None = None


def _load() -> Snapshot:
    members = {
        m.identifier: MemberInfo(
            id=m.pk,
            identifier=m.identifier,
            name=m.name,
            agency_id=m.agency_id,
            agency_code=m.agency.code if m.agency is not None else "",
            hosted=m.hosted,
            public_key=m.public_key,
            is_active=m.is_active,
        )
        for m in Member.objects.select_related("agency")
    }
    services = {
        s.identifier: ServiceInfo(
            id=s.pk,
            identifier=s.identifier,
            service_code=s.service_code,
            provider_id=s.provider_id,
            provider_identifier=s.provider.identifier,
            handler=s.handler,
            endpoint_url=s.endpoint_url,
            timeout_seconds=s.timeout_seconds,
            personal_data=s.personal_data,
            log_bodies=s.log_bodies,
            is_active=s.is_active and s.provider.is_active,
        )
        for s in DataService.objects.select_related("provider")
    }
    rights: dict[tuple[str, str], frozenset[str]] = {}
    for right in (
        AccessRight.objects.filter(revoked_at__isnull=True)
        .select_related("client", "service")
        .prefetch_related("purposes")
    ):
        rights[(right.client.identifier, right.service.identifier)] = frozenset(
            p.code for p in right.purposes.all()
        )
    purposes = {p.code: PurposeInfo(p.code, p.needs_open_matter) for p in Purpose.objects.all()}
    return Snapshot(members, services, rights, purposes, time.monotonic())


def snapshot() -> Snapshot:
    global _snapshot
    ttl = float(settings.ONESTOP_EXCHANGE_DIRECTORY_TTL)
    current = _snapshot
    if current is not None and time.monotonic() - current.loaded_at < ttl:
        return current
    with _lock:
        current = _snapshot
        if current is None or time.monotonic() - current.loaded_at >= ttl:
            current = _load()
            _snapshot = current
        return current


def directory_changed() -> None:
    """Drop this process's snapshot once the current transaction commits."""

    def drop() -> None:
        global _snapshot
        with _lock:
            _snapshot = None

    transaction.on_commit(drop)


def reset() -> None:
    """Forget this process's snapshot now (tests; after a bulk load such as the demo seed)."""
    global _snapshot
    with _lock:
        _snapshot = None


def member(identifier: str) -> MemberInfo | None:
    return snapshot().members.get(identifier)


def service(identifier: str) -> ServiceInfo | None:
    return snapshot().services.get(identifier)


def granted_purposes(client: str, service_identifier: str) -> frozenset[str] | None:
    """The purposes ``client`` may call the service for; None when it has no (unrevoked) right."""
    return snapshot().rights.get((client, service_identifier))


def purpose(code: str) -> PurposeInfo | None:
    return snapshot().purposes.get(code)


BACK_OFFICE_SUBSYSTEM = "back-office"


def client_of_agency(agency_code: str) -> MemberInfo | None:
    """The subsystem an agency's back office calls as: the agency's active member subsystem with
    the code ``back-office``. None if the agency has none (it then cannot fetch evidence)."""
    for info in snapshot().members.values():
        if (
            info.agency_code == agency_code
            and info.is_active
            and info.identifier.rsplit("/", 1)[-1] == BACK_OFFICE_SUBSYSTEM
        ):
            return info
    return None
