"""Every write of the directory: members, data services, purposes and access rights. Each is one
transaction with its audit event, and drops the directory snapshot of this process on commit (other
processes reload within ``ONESTOP_EXCHANGE_DIRECTORY_TTL``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
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
from onestop.exchange.models import (
    AccessRight,
    DataService,
    ExchangeLogEntry,
    Member,
    Purpose,
    RegistryRecord,
)
from onestop.people.models import User

IDENTIFIER_MAX_LENGTH = 1024  # DataService.identifier's column


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
    if len(str(ident)) > IDENTIFIER_MAX_LENGTH:
        raise ValidationError({"service_code": _("The service identifier is too long.")})
    if not handler and not endpoint_url:
        raise ValidationError(
            {"handler": _("Give a built-in handler (served here), a remote endpoint, or both.")}
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
    if not locked.handler and not locked.endpoint_url:
        raise ValidationError(
            {"handler": _("Give a built-in handler (served here), a remote endpoint, or both.")}
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


# --- Purposes, removals, and the built-in registries' records ---------------------------------


def purpose_snapshot(purpose: Purpose) -> dict[str, Any]:
    return {
        "code": purpose.code,
        "name": _texts(purpose, "name"),
        "legal_basis": purpose.legal_basis,
        "needs_open_matter": purpose.needs_open_matter,
    }


@transaction.atomic
def purpose_update(
    *,
    actor: Actor,
    purpose: Purpose,
    name: Translations | str | None = None,
    legal_basis: str | None = None,
    needs_open_matter: bool | None = None,
) -> Purpose:
    """Rename a purpose, restate its legal basis or change whether it needs an open matter (its
    code is what rights and calls name, so it stays)."""
    locked = Purpose.objects.select_for_update().get(pk=purpose.pk)
    before = purpose_snapshot(locked)
    set_translations(locked, "name", name)
    if legal_basis is not None:
        locked.legal_basis = legal_basis
    if needs_open_matter is not None:
        locked.needs_open_matter = needs_open_matter
    locked.full_clean()
    locked.save()
    audit_record(
        actor=actor,
        action="exchange.purpose.update",
        target=locked,
        before=before,
        after=purpose_snapshot(locked),
    )
    directory_changed()
    return locked


@transaction.atomic
def purpose_delete(*, actor: Actor, purpose: Purpose) -> None:
    """Remove a purpose no access right names (revoked rights included: they are the record of
    what was allowed)."""
    if purpose.rights.exists():
        raise ValidationError({"purpose": _("Access rights name this purpose; change or revoke them first.")})
    audit_record(
        actor=actor, action="exchange.purpose.delete", target=purpose, before=purpose_snapshot(purpose)
    )
    purpose.delete()
    directory_changed()


@transaction.atomic
def member_delete(*, actor: Actor, member: Member) -> None:
    """Remove a member subsystem that offers no data service and holds no access right (revoked
    ones included); otherwise deactivate it with :func:`member_update`."""
    if member.services.exists() or member.rights.exists():
        raise ValidationError(
            {
                "member": _(
                    "This subsystem offers data services or holds access rights; deactivate it instead."
                )
            }
        )
    if ExchangeLogEntry.objects.filter(logged_by=member.identifier).exists():
        # Its key (in the directory) is what proves the entries it signed: without it, verification
        # would report honest entries as forged.
        raise ValidationError(
            {"member": _("The exchange log holds entries this subsystem signed; deactivate it instead.")}
        )
    audit_record(actor=actor, action="exchange.member.delete", target=member, before=member_snapshot(member))
    member.delete()
    directory_changed()


@transaction.atomic
def data_service_delete(*, actor: Actor, service: DataService) -> None:
    """Remove a data service no access right names (revoked ones included); otherwise deactivate it
    with :func:`data_service_update`."""
    if service.rights.exists():
        raise ValidationError({"service": _("Access rights name this data service; deactivate it instead.")})
    audit_record(
        actor=actor, action="exchange.service.delete", target=service, before=data_service_snapshot(service)
    )
    service.delete()
    directory_changed()


@dataclass(frozen=True)
class RegistryRecordRow:
    """One record for a built-in registry: the subject's national ID, what kind of record it is, its
    data (English field names, ISO dates) and when it was in force."""

    registry: str
    kind: str
    subject: str
    data: dict[str, Any]
    valid_from: date | None = None
    valid_until: date | None = None


@transaction.atomic
def registry_records_import(
    *, actor: Actor, records: Iterable[RegistryRecordRow], batch_size: int = 5000
) -> int:
    """Load records into the built-in registries (reference data: the demo country's, or an
    agency's extract), in batches with one audit event per batch counting what it added per
    registry and kind. Returns how many were added; a malformed row refuses the whole load."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    fields = {f.name: f for f in RegistryRecord._meta.concrete_fields}
    widths = {name: fields[name].max_length or 0 for name in ("registry", "kind", "subject")}
    columns = [
        fields[name].column for name in ("registry", "kind", "subject", "data", "valid_from", "valid_until")
    ]
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    # Plain executemany: bulk_create spends about ten times the database's own time building model
    # instances and preparing each field, and a country's registries are tens of thousands of rows.
    sql = (
        f"INSERT INTO {quote(RegistryRecord._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    added = 0
    batch: list[RegistryRecordRow] = []

    def flush() -> None:
        nonlocal added
        if not batch:
            return
        date_value = connection.ops.adapt_datefield_value
        params = [
            (
                r.registry,
                r.kind,
                r.subject,
                fields["data"].get_db_prep_save(r.data, connection),
                date_value(r.valid_from),
                date_value(r.valid_until),
            )
            for r in batch
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        counts: dict[str, int] = {}
        for record in batch:
            key = f"{record.registry}/{record.kind}"
            counts[key] = counts.get(key, 0) + 1
        audit_record(
            actor=actor,
            action="exchange.registry.import",
            extra={"count": len(batch), "records": dict(sorted(counts.items()))},
        )
        added += len(batch)
        batch.clear()

    for number, record in enumerate(records, start=1):
        for name, width in widths.items():
            value = getattr(record, name)
            if not value or len(value) > width:
                raise ValidationError(
                    _("Record %(n)d: the %(field)s must be given, in at most %(width)d characters.")
                    % {"n": number, "field": name, "width": width}
                )
        if not isinstance(record.data, dict):
            raise ValidationError(_("Record %(n)d: the data must be a JSON object.") % {"n": number})
        batch.append(record)
        if len(batch) >= batch_size:
            flush()
    flush()
    return added
