"""Every write of the directory: members, data services, purposes and access rights. Each is one
transaction with its audit event, and drops the directory snapshot of this process on commit (other
processes reload within ``ONESTOP_EXCHANGE_DIRECTORY_TTL``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.catalog.models import Agency
from onestop.core.audit import Actor, audit_record
from onestop.core.i18n import Translations, get_translations, set_translations
from onestop.exchange import keys
from onestop.exchange.directory import directory_changed
from onestop.exchange.identifiers import IdentifierError, ServiceId, SubsystemId
from onestop.exchange.models import AccessRight, DataService, Member, Purpose
from onestop.people.models import User


def _texts(instance: Any, field: str) -> dict[str, str]:
    return {lang: text for lang, text in get_translations(instance, field).items() if text}


def member_snapshot(member: Member) -> dict[str, Any]:
    return {
        "identifier": member.identifier,
        "name": member.name,
        "agency": member.agency.code if member.agency is not None else None,
        "hosted": member.hosted,
        "key_id": keys.key_id(member.public_key) if member.public_key else None,
        "is_active": member.is_active,
    }


@transaction.atomic
def member_register(
    *,
    actor: Actor,
    subsystem: SubsystemId | str,
    name: str,
    agency: Agency | None = None,
    hosted: bool = True,
    public_key: str = "",
    at: datetime | None = None,
) -> Member:
    """Add a member subsystem to the directory. A hosted subsystem gets the public half of the key
    this deployment derives for it; a remote one needs its ``public_key`` (PEM) unless a security
    server in front authenticates it (``ONESTOP_EXCHANGE_AUTH=proxy``)."""
    try:
        ident = subsystem if isinstance(subsystem, SubsystemId) else SubsystemId.parse(subsystem)
    except IdentifierError as exc:
        raise ValidationError({"identifier": str(exc)}) from exc
    if public_key:
        try:
            keys.key_id(public_key)
        except ValueError as exc:
            raise ValidationError(
                {"public_key": _("This is not an Ed25519 public key in PEM form.")}
            ) from exc
    elif hosted:
        public_key = keys.member_public_key_pem(str(ident))
    now = at or timezone.now()
    if Member.objects.filter(identifier=str(ident)).exists():
        raise ValidationError({"identifier": _("This subsystem is already in the directory.")})
    member = Member.objects.create(
        instance=ident.instance,
        member_class=ident.member_class,
        member_code=ident.member_code,
        subsystem_code=ident.subsystem,
        identifier=str(ident),
        name=name,
        agency=agency,
        hosted=hosted,
        public_key=public_key,
        created_at=now,
        updated_at=now,
    )
    audit_record(actor=actor, action="exchange.member.register", target=member, after=member_snapshot(member))
    directory_changed()
    return member


@transaction.atomic
def member_update(
    *,
    actor: Actor,
    member: Member,
    name: str | None = None,
    public_key: str | None = None,
    is_active: bool | None = None,
) -> Member:
    """Rename, re-key (e.g. a remote member's new key) or (de)activate a member subsystem."""
    locked = Member.objects.select_for_update().get(pk=member.pk)
    before = member_snapshot(locked)
    if name is not None:
        locked.name = name
    if public_key is not None:
        if public_key:
            try:
                keys.key_id(public_key)
            except ValueError as exc:
                raise ValidationError(
                    {"public_key": _("This is not an Ed25519 public key in PEM form.")}
                ) from exc
        locked.public_key = public_key
    if is_active is not None:
        locked.is_active = is_active
    locked.updated_at = timezone.now()
    locked.save()
    audit_record(
        actor=actor,
        action="exchange.member.update",
        target=locked,
        before=before,
        after=member_snapshot(locked),
    )
    directory_changed()
    return locked


def data_service_snapshot(service: DataService) -> dict[str, Any]:
    return {
        "identifier": service.identifier,
        "version": service.version,
        "name": _texts(service, "name"),
        "owner": service.owner.code if service.owner is not None else None,
        "handler": service.handler,
        "endpoint_url": service.endpoint_url,
        "timeout_seconds": service.timeout_seconds,
        "personal_data": service.personal_data,
        "log_bodies": service.log_bodies,
        "is_active": service.is_active,
    }


@transaction.atomic
def data_service_register(
    *,
    actor: Actor,
    provider: Member,
    service_code: str,
    name: Translations | str,
    description: Translations | str | None = None,
    version: str = "1",
    owner: Agency | None = None,
    openapi: dict[str, Any] | None = None,
    handler: str = "",
    endpoint_url: str = "",
    timeout_seconds: float = 5.0,
    personal_data: bool = True,
    log_bodies: bool = False,
    at: datetime | None = None,
) -> DataService:
    """Publish a data service of ``provider``: answered in-process by a built-in registry
    (``handler``) or by a remote system at ``endpoint_url``."""
    try:
        ident = ServiceId(provider.subsystem_id, service_code)
    except IdentifierError as exc:
        raise ValidationError({"service_code": str(exc)}) from exc
    if bool(handler) == bool(endpoint_url):
        raise ValidationError(
            {"handler": _("Give either a built-in handler or a remote endpoint, not both or neither.")}
        )
    if handler:
        from onestop.exchange.registries import handler_exists

        if not handler_exists(handler):
            raise ValidationError({"handler": _("There is no built-in registry function of that name.")})
    if timeout_seconds <= 0 or timeout_seconds > 60:
        raise ValidationError({"timeout_seconds": _("The timeout must be between 0 and 60 seconds.")})
    now = at or timezone.now()
    service = DataService(
        provider=provider,
        service_code=service_code,
        identifier=str(ident),
        version=version,
        owner=owner or provider.agency,
        openapi=openapi or {},
        handler=handler,
        endpoint_url=endpoint_url,
        timeout_seconds=timeout_seconds,
        personal_data=personal_data,
        log_bodies=log_bodies,
        created_at=now,
        updated_at=now,
    )
    set_translations(service, "name", name)
    set_translations(service, "description", description)
    service.full_clean(exclude=["identifier"])
    service.save()
    audit_record(
        actor=actor, action="exchange.service.register", target=service, after=data_service_snapshot(service)
    )
    directory_changed()
    return service


@transaction.atomic
def data_service_update(*, actor: Actor, service: DataService, **changes: Any) -> DataService:
    """Change a data service's settings (endpoint, timeout, body logging, active, texts)."""
    allowed = {"endpoint_url", "handler", "timeout_seconds", "log_bodies", "is_active", "version", "openapi"}
    unknown = set(changes) - allowed - {"name", "description"}
    if unknown:
        raise ValidationError({"__all__": f"cannot change {sorted(unknown)}"})
    locked = DataService.objects.select_for_update().get(pk=service.pk)
    before = data_service_snapshot(locked)
    for field, value in changes.items():
        if field in ("name", "description"):
            set_translations(locked, field, value)
        else:
            setattr(locked, field, value)
    if bool(locked.handler) == bool(locked.endpoint_url):
        raise ValidationError(
            {"handler": _("Give either a built-in handler or a remote endpoint, not both or neither.")}
        )
    locked.updated_at = timezone.now()
    locked.full_clean(exclude=["identifier"])
    locked.save()
    audit_record(
        actor=actor,
        action="exchange.service.update",
        target=locked,
        before=before,
        after=data_service_snapshot(locked),
    )
    directory_changed()
    return locked


@transaction.atomic
def purpose_define(
    *, actor: Actor, code: str, name: Translations | str, legal_basis: str, needs_open_matter: bool = True
) -> Purpose:
    """Define a purpose calls may be made for, with its legal basis."""
    purpose = Purpose(code=code, legal_basis=legal_basis, needs_open_matter=needs_open_matter)
    set_translations(purpose, "name", name)
    purpose.full_clean()
    purpose.save()
    audit_record(
        actor=actor,
        action="exchange.purpose.define",
        target=purpose,
        after={
            "code": code,
            "name": _texts(purpose, "name"),
            "legal_basis": legal_basis,
            "needs_open_matter": needs_open_matter,
        },
    )
    directory_changed()
    return purpose


@transaction.atomic
def access_right_grant(
    *,
    actor: Actor,
    client: Member,
    service: DataService,
    purposes: Iterable[Purpose],
    at: datetime | None = None,
) -> AccessRight:
    """Let ``client`` call ``service`` for ``purposes``. Granting again replaces the purposes (and
    restores a revoked right)."""
    chosen = sorted({p.code: p for p in purposes}.values(), key=lambda p: p.code)
    if not chosen:
        raise ValidationError({"purposes": _("Name at least one purpose the right may be used for.")})
    now = at or timezone.now()
    right = AccessRight.objects.select_for_update().filter(client=client, service=service).first()
    before = None
    if right is None:
        right = AccessRight.objects.create(
            client=client,
            service=service,
            granted_at=now,
            granted_by=actor if isinstance(actor, User) else None,
        )
    else:
        before = {
            "purposes": sorted(p.code for p in right.purposes.all()),
            "revoked": right.revoked_at is not None,
        }
        right.revoked_at = None
        right.granted_at = now
        right.granted_by = actor if isinstance(actor, User) else None
        right.save(update_fields=["revoked_at", "granted_at", "granted_by"])
    right.purposes.set(chosen)
    audit_record(
        actor=actor,
        action="exchange.right.grant",
        target=right,
        before=before,
        after={
            "client": client.identifier,
            "service": service.identifier,
            "purposes": [p.code for p in chosen],
        },
    )
    directory_changed()
    return right


@transaction.atomic
def access_right_revoke(
    *, actor: Actor, right: AccessRight, reason: str, at: datetime | None = None
) -> AccessRight:
    """Withdraw a right; calls are refused from then on (other processes: within the TTL)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the right is revoked.")})
    locked = AccessRight.objects.select_for_update().get(pk=right.pk)
    if locked.revoked_at is None:
        locked.revoked_at = at or timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="exchange.right.revoke",
            target=locked,
            before={"client": locked.client.identifier, "service": locked.service.identifier},
            reason=reason,
        )
        directory_changed()
    return locked
