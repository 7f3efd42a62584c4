"""Kiosks and display boards: registration, revocation and authentication by a centre-scoped token.

A device is not a staff member: it holds a long random token, of which only the SHA-256 is stored.
The raw token is shown once, at registration. Authentication results are cached for a minute so that
a board polling every second costs no query for it; revocation drops the cached entry at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.centres.models import Centre
from onestop.core.audit import Actor, SystemActor, audit_record
from onestop.queueing.errors import DeviceNotAllowed
from onestop.queueing.models import Device

# Also how often "last seen" is recorded: plenty to tell a dead board from a live one.
AUTH_CACHE_SECONDS = 60
_CACHE_PREFIX = "queueing:device:"


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
    """Stop a device from acting for its centre (lost, stolen or replaced). Takes effect at once."""
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
        transaction.on_commit(lambda: cache.delete(_cache_key(device.token_hash)))
    cache.delete(_cache_key(device.token_hash))
    return device


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


def _device_by_token(token: str, *, at: datetime | None) -> Device | None:
    if not token or len(token) > 200:
        return None
    hashed = token_hash(token)
    key = _cache_key(hashed)
    cached = cache.get(key)
    if isinstance(cached, Device):
        return cached
    device = Device.objects.select_related("centre").filter(token_hash=hashed, is_active=True).first()
    if device is None:
        return None
    now = at or timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at > timedelta(seconds=AUTH_CACHE_SECONDS):
        # A heartbeat, not a change anyone acts on: it is not audited (it would flood the trail with
        # one event per board per minute).
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    cache.set(key, device, AUTH_CACHE_SECONDS)
    return device
