"""Kiosks and display boards: registration, revocation and authentication by a centre-scoped token.

A device is not a staff member: it holds a long random token, of which only the SHA-256 is stored.
The raw token is shown once, at registration.

A board polls every second, so a successful token check is remembered for
``settings.ONESTOP_DEVICE_AUTH_CACHE_SECONDS`` (a few seconds; ``0`` checks every request): in the
web process's own memory, which costs no query and no cache round trip, and behind it in the Django
cache (shared between processes when ``ONESTOP_CACHE_URL`` is Redis). Both are keyed on the SHA-256
of the token, never the token. An entry is valid for that time from the moment the database said the
device was active, wherever it was copied to since, so a revoked device is refused by every process
within that time, and at once by the process that revoked it (see :func:`device_revoke`).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.centres.models import Centre
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.queueing.errors import DeviceNotAllowed
from onestop.queueing.models import Device

# How often "last seen" is recorded at most: plenty to tell a dead board from a live one.
LAST_SEEN_SECONDS = 60
_CACHE_PREFIX = "queueing:device:"
_LOCAL_MAX_ENTRIES = 10_000  # active tokens seen by one process; past that the memory starts afresh

# token hash → (when the database said the device was active (time.time()), the device). The cached
# Device is shared by the requests of this process: callers only read it.
_local: dict[str, tuple[float, Device]] = {}
# token hash → when this process revoked it: a check that read the database before that moment must
# not be remembered afterwards.
_revoked: dict[str, float] = {}
_lock = threading.Lock()


def token_hash(token: str) -> str:
    """The stored form of a device token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _cache_key(hashed: str) -> str:
    return _CACHE_PREFIX + hashed


def device_actor(device: Device) -> SystemActor:
    """The actor recorded in the audit trail for what a device does (a kiosk issuing a ticket)."""
    return SystemActor(
        label=f"{device.kind}:{device.centre.code}:{device.name}", kind="device", id=str(device.pk)
    )


def device_register(*, actor: Actor, centre: Centre, kind: str, name: str) -> tuple[Device, str]:
    """Register a kiosk or board of ``centre``; returns the device and its raw token, which is not
    stored anywhere and cannot be shown again."""
    if kind not in Device.Kind.values:
        raise ValueError(f"Unknown device kind {kind!r}; use one of {', '.join(Device.Kind.values)}.")
    name = name.strip()
    if not name:
        raise ValueError("A device needs a name, e.g. 'Entrance kiosk'.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        device = Device.objects.create(
            centre=centre, kind=kind, name=name[:100], token_hash=token_hash(token)
        )
        audit_record(
            actor=actor,
            action="device.register",
            target=device,
            after={"centre": centre.code, "kind": kind, "name": device.name},
        )
    return device, token


def device_revoke(*, actor: Actor, device: Device, reason: str = "") -> Device:
    """Stop a device from acting for its centre (lost, stolen or replaced).

    This process forgets the device's cached token check (in its own memory and in the Django
    cache) when the transaction commits, and already when this function returns, so it refuses the
    device from its next request on. Other web processes may still let the device through for up to
    ``ONESTOP_DEVICE_AUTH_CACHE_SECONDS`` (default 5): the time their copy of the check stays valid."""
    with transaction.atomic():
        changed = Device.objects.filter(pk=device.pk, is_active=True).update(is_active=False)
        device.is_active = False
        if changed:
            audit_record(
                actor=actor,
                action="device.revoke",
                target=device,
                before={"is_active": True},
                after={"is_active": False},
                reason=reason,
            )
        transaction.on_commit(lambda: device_auth_forget(device.token_hash))
    # At once as well, for reads later in the caller's own (still open) transaction.
    device_auth_forget(device.token_hash)
    return device


def device_auth_forget(hashed: str) -> None:
    """Drop the cached token check of the device whose token hash is ``hashed``, in this process and
    in the Django cache (which is every process's when it is shared)."""
    with _lock:
        now = time.time()
        _revoked[hashed] = now
        for key, revoked_at in list(_revoked.items()):
            if now - revoked_at > max(_auth_cache_seconds(), 1.0) * 2:
                del _revoked[key]
        _local.pop(hashed, None)
    cache.delete(_cache_key(hashed))


def device_auth_reset() -> None:
    """Forget every cached token check of this process (tests)."""
    with _lock:
        _local.clear()
        _revoked.clear()


def device_for_token(token: str, centre: Centre, *, kind: str = "", at: datetime | None = None) -> Device:
    """The active device that ``token`` belongs to, if it belongs to ``centre`` (and is of ``kind``
    when given). Raises :class:`DeviceNotAllowed` (403) otherwise: unknown, revoked, another centre's."""
    device = _device_by_token(token, at=at)
    return _checked(device, centre_matches=device is not None and device.centre_id == centre.pk, kind=kind)


def device_for_token_at(
    token: str, centre_code: str, *, kind: str = "", at: datetime | None = None
) -> Device:
    """Like :func:`device_for_token`, by centre code, and without a query while the token is cached:
    what a board polling every second uses."""
    device = _device_by_token(token, at=at)
    return _checked(
        device, centre_matches=device is not None and device.centre.code == centre_code, kind=kind
    )


def _checked(device: Device | None, *, centre_matches: bool, kind: str) -> Device:
    if device is None:
        raise DeviceNotAllowed(_("This device is not registered, or its registration was withdrawn."))
    if not centre_matches:
        raise DeviceNotAllowed(_("This device is registered for another centre."))
    if kind and device.kind != kind:
        raise DeviceNotAllowed(
            _("This device is registered as a %(kind)s.") % {"kind": device.get_kind_display()}
        )
    return device


def _auth_cache_seconds() -> float:
    return float(settings.ONESTOP_DEVICE_AUTH_CACHE_SECONDS)


def _device_by_token(token: str, *, at: datetime | None) -> Device | None:
    if not token or len(token) > 200:
        return None
    hashed = token_hash(token)
    ttl = _auth_cache_seconds()
    if ttl > 0:
        now = time.time()
        remembered = _local.get(hashed)
        if remembered is not None and remembered[0] <= now < remembered[0] + ttl:
            return remembered[1]
        shared = cache.get(_cache_key(hashed))
        if isinstance(shared, tuple) and len(shared) == 2 and isinstance(shared[1], Device):
            checked_at, device = shared
            if checked_at <= now < checked_at + ttl and _remember(hashed, checked_at, device):
                return device
    checked_at = time.time()  # before the query: the answer is at least this fresh
    device = Device.objects.select_related("centre").filter(token_hash=hashed, is_active=True).first()
    if device is None:
        return None
    seen = at or timezone.now()
    if device.last_seen_at is None or seen - device.last_seen_at > timedelta(seconds=LAST_SEEN_SECONDS):
        # A heartbeat, not a change anyone acts on: it is not audited (it would flood the trail with
        # one event per board per minute).
        Device.objects.filter(pk=device.pk).update(last_seen_at=seen)
        device.last_seen_at = seen
    if ttl > 0 and _remember(hashed, checked_at, device):
        cache.set(_cache_key(hashed), (checked_at, device), max(1, round(ttl)))
    return device


def _remember(hashed: str, checked_at: float, device: Device) -> bool:
    """Keep a successful check in this process's memory, unless this process revoked the device
    after the check read the database. False when it was not kept."""
    with _lock:
        if _revoked.get(hashed, float("-inf")) >= checked_at:
            return False
        if len(_local) >= _LOCAL_MAX_ENTRIES:
            _local.clear()
        _local[hashed] = (checked_at, device)
        return True
