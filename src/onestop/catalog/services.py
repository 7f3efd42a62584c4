"""Every write to the catalogue: agencies, life events, evidence types, outputs, legal resources and
services with their channels, evidence requirements and fees.

Each function is keyword-only, runs in one transaction, validates with ``full_clean`` and records an
audit event in that same transaction. Rule violations raise Django's ``ValidationError`` so that the
admin, forms and the API can show them next to the field concerned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from onestop.catalog.models import (
    Agency,
    DurationUnit,
    EvidenceType,
    Fee,
    FeeExemption,
    LegalResource,
    LifeEvent,
    Output,
    Service,
    ServiceChannel,
    ServiceEvidence,
)
from onestop.core.audit import Actor, audit_record
from onestop.core.i18n import Translations, get_translations, set_translations
from onestop.core.models import Region


@dataclass(frozen=True)
class ExemptionSpec:
    """A beneficiary group that pays less: ``discount_percent`` 100 means it pays nothing."""

    group: str
    description: Translations
    discount_percent: int = 100


@dataclass(frozen=True)
class FeeSpec:
    """A published fee; ``currency`` None means the deployment's ``ONESTOP_CURRENCY``."""

    label: Translations
    amount: Decimal
    currency: str | None = None
    exemptions: Sequence[ExemptionSpec] = field(default_factory=tuple)


@dataclass(frozen=True)
class EvidenceRequirement:
    """One piece of evidence a service asks for."""

    evidence_type: EvidenceType
    required: bool = True
    note: Translations | None = None


# --- snapshots for the audit trail ------------------------------------------------------------


def _translations(instance: models.Model, name: str) -> dict[str, str]:
    return {lang: text for lang, text in get_translations(instance, name).items() if text}


def agency_snapshot(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name": _translations(agency, "name"),
        "level": agency.level,
        "parent": agency.parent.code if agency.parent_id and agency.parent else None,
        "region": agency.region.code if agency.region_id and agency.region else None,
        "is_active": agency.is_active,
    }


def service_snapshot(service: Service) -> dict[str, Any]:
    """What the audit trail keeps of a service: enough to see what changed, not every column."""
    return {
        "identifier": service.identifier,
        "name": _translations(service, "name"),
        "agency": service.agency.code,
        "status": service.status,
        "statutory_time": service.statutory_time,
        "statutory_time_unit": service.statutory_time_unit,
        "target_time": service.target_time,
        "target_time_unit": service.target_time_unit,
        "popularity": service.popularity,
        "channels": sorted(c.kind for c in service.channels.all()),
        "life_events": sorted(e.code for e in service.life_events.all()),
        "outputs": sorted(o.code for o in service.outputs.all()),
        "legal_resources": sorted(r.code for r in service.legal_resources.all()),
        "evidence": [
            {"type": r.evidence_type.code, "required": r.required}
            for r in service.evidence_requirements.select_related("evidence_type")
        ],
        "fees": [
            {
                "label": getattr(fee, "label_en", ""),  # modeltranslation column
                "amount": str(fee.amount),
                "currency": fee.currency,
                "exemptions": {e.group: e.discount_percent for e in fee.exemptions.all()},
            }
            for fee in service.fees.all()
        ],
    }


# --- reference data ---------------------------------------------------------------------------


@transaction.atomic
def agency_create(
    *,
    actor: Actor,
    code: str,
    name: Translations,
    level: str,
    parent: Agency | None = None,
    region: Region | None = None,
    description: Translations | None = None,
    website: str = "",
    email: str = "",
    phone: str = "",
) -> Agency:
    """Register a public organisation competent for services."""
    agency = Agency(
        code=code, level=level, parent=parent, region=region, website=website, email=email, phone=phone
    )
    set_translations(agency, "name", name)
    set_translations(agency, "description", description)
    agency.full_clean()
    agency.save()
    audit_record(actor=actor, action="agency.create", target=agency, after=agency_snapshot(agency))
    return agency


AGENCY_FIELDS = {"level", "parent", "region", "website", "email", "phone", "is_active"}


@transaction.atomic
def agency_update(*, actor: Actor, agency: Agency, **changes: Any) -> Agency:
    """Change an agency. ``name``/``description`` take translations; ``is_active=False`` keeps its
    services published but stops new ones from being published."""
    unknown = set(changes) - AGENCY_FIELDS - {"name", "description"}
    if unknown:
        raise TypeError(f"agency_update() got unexpected fields: {', '.join(sorted(unknown))}")
    before = agency_snapshot(agency)
    for name in ("name", "description"):
        if name in changes:
            set_translations(agency, name, changes.pop(name))
    for name, value in changes.items():
        setattr(agency, name, value)
    agency.full_clean()
    agency.save()
    audit_record(
        actor=actor, action="agency.update", target=agency, before=before, after=agency_snapshot(agency)
    )
    return agency


@transaction.atomic
def life_event_create(
    *,
    actor: Actor,
    code: str,
    name: Translations,
    description: Translations | None = None,
    audience: str = "person",
    position: int = 0,
) -> LifeEvent:
    """Add a life event that groups services (birth of a child, moving house, starting a business)."""
    event = LifeEvent(code=code, audience=audience, position=position)
    set_translations(event, "name", name)
    set_translations(event, "description", description)
    event.full_clean()
    event.save()
    audit_record(
        actor=actor,
        action="life_event.create",
        target=event,
        after={"code": code, "name": _translations(event, "name"), "audience": audience},
    )
    return event


@transaction.atomic
def evidence_type_create(
    *,
    actor: Actor,
    code: str,
    name: Translations,
    description: Translations | None = None,
    exchange_service: str = "",
) -> EvidenceType:
    """Add a kind of evidence; with ``exchange_service`` the state fetches it from that registry."""
    evidence_type = EvidenceType(code=code, exchange_service=exchange_service)
    set_translations(evidence_type, "name", name)
    set_translations(evidence_type, "description", description)
    evidence_type.full_clean()
    evidence_type.save()
    audit_record(
        actor=actor,
        action="evidence_type.create",
        target=evidence_type,
        after={
            "code": code,
            "name": _translations(evidence_type, "name"),
            "exchange_service": exchange_service,
        },
    )
    return evidence_type


@transaction.atomic
def output_create(
    *,
    actor: Actor,
    code: str,
    name: Translations,
    kind: str,
    description: Translations | None = None,
    validity: str = "",
) -> Output:
    """Add something services produce: a certificate, licence, registration, decision."""
    output = Output(code=code, kind=kind, validity=validity)
    set_translations(output, "name", name)
    set_translations(output, "description", description)
    output.full_clean()
    output.save()
    audit_record(
        actor=actor,
        action="output.create",
        target=output,
        after={"code": code, "name": _translations(output, "name"), "kind": kind, "validity": validity},
    )
    return output


@transaction.atomic
def legal_resource_create(*, actor: Actor, code: str, title: Translations, url: str = "") -> LegalResource:
    """Add a law or regulation that services rest on."""
    resource = LegalResource(code=code, url=url)
    set_translations(resource, "title", title)
    resource.full_clean()
    resource.save()
    audit_record(
        actor=actor,
        action="legal_resource.create",
        target=resource,
        after={"code": code, "title": _translations(resource, "title"), "url": url},
    )
    return resource


# --- services ---------------------------------------------------------------------------------


def _check_channels(channels: Iterable[str]) -> list[str]:
    kinds = list(dict.fromkeys(channels))
    unknown = [k for k in kinds if k not in ServiceChannel.Kind.values]
    if unknown:
        raise ValidationError(
            {"channels": _("Unknown channel(s): %(kinds)s.") % {"kinds": ", ".join(unknown)}},
            code="unknown_channel",
        )
    return kinds


def _set_channels(service: Service, kinds: list[str]) -> None:
    service.channels.exclude(kind__in=kinds).delete()
    existing = set(service.channels.values_list("kind", flat=True))
    ServiceChannel.objects.bulk_create(
        [ServiceChannel(service=service, kind=k) for k in kinds if k not in existing]
    )


def _set_evidence(service: Service, evidence: Iterable[EvidenceRequirement]) -> None:
    service.evidence_requirements.all().delete()
    for position, requirement in enumerate(evidence):
        row = ServiceEvidence(
            service=service,
            evidence_type=requirement.evidence_type,
            required=requirement.required,
            position=position,
        )
        set_translations(row, "note", requirement.note)
        row.full_clean()
        row.save()


def _set_fees(service: Service, fees: Iterable[FeeSpec]) -> None:
    service.fees.all().delete()
    for spec in fees:
        fee = Fee(service=service, amount=spec.amount, currency=spec.currency or settings.ONESTOP_CURRENCY)
        set_translations(fee, "label", spec.label)
        fee.full_clean()
        fee.save()
        for exemption_spec in spec.exemptions:
            exemption = FeeExemption(
                fee=fee, group=exemption_spec.group, discount_percent=exemption_spec.discount_percent
            )
            set_translations(exemption, "description", exemption_spec.description)
            exemption.full_clean()
            exemption.save()


def publish_problems(service: Service) -> dict[str, str]:
    """Why ``service`` cannot be published (field → message); empty when it can."""
    problems: dict[str, str] = {}
    if not service.agency.is_active:
        problems["agency"] = _("The competent agency is not active.")
    if not service.channels.exists():
        problems["channels"] = _("Add at least one channel through which the service is obtained.")
    if not service.statutory_time:
        problems["statutory_time"] = _("Give the statutory processing time.")
    return problems


def _require_publishable(service: Service) -> None:
    if problems := publish_problems(service):
        raise ValidationError(problems, code="not_publishable")


@transaction.atomic
def service_create(
    *,
    actor: Actor,
    identifier: str,
    name: Translations,
    agency: Agency,
    statutory_time: str,
    statutory_time_unit: str = DurationUnit.BUSINESS_DAYS,
    target_time: str = "",
    target_time_unit: str = DurationUnit.BUSINESS_DAYS,
    description: Translations | None = None,
    keywords: Translations | None = None,
    life_events: Iterable[LifeEvent] = (),
    channels: Iterable[str] = (),
    outputs: Iterable[Output] = (),
    legal_resources: Iterable[LegalResource] = (),
    evidence: Iterable[EvidenceRequirement] = (),
    fees: Iterable[FeeSpec] = (),
    popularity: int = 0,
    status: str = Service.Status.DRAFT,
) -> Service:
    """Add a service with its channels, evidence and fees. Created ``active``, it must meet the same
    rules as :func:`service_publish`."""
    kinds = _check_channels(channels)
    service = Service(
        identifier=identifier,
        agency=agency,
        statutory_time=statutory_time,
        statutory_time_unit=statutory_time_unit,
        target_time=target_time,
        target_time_unit=target_time_unit,
        popularity=popularity,
        status=status,
    )
    set_translations(service, "name", name)
    set_translations(service, "description", description)
    set_translations(service, "keywords", keywords)
    service.full_clean()
    service.save()
    service.life_events.set(life_events)
    service.outputs.set(outputs)
    service.legal_resources.set(legal_resources)
    _set_channels(service, kinds)
    _set_evidence(service, evidence)
    _set_fees(service, fees)
    if service.status == Service.Status.ACTIVE:
        _require_publishable(service)
    audit_record(actor=actor, action="service.create", target=service, after=service_snapshot(service))
    return service


SERVICE_SCALAR_FIELDS = {
    "identifier",
    "agency",
    "statutory_time",
    "statutory_time_unit",
    "target_time",
    "target_time_unit",
    "popularity",
}
SERVICE_TRANSLATED_FIELDS = {"name", "description", "keywords"}
SERVICE_RELATIONS = {"life_events", "outputs", "legal_resources", "channels", "evidence", "fees"}


@transaction.atomic
def service_update(*, actor: Actor, service: Service, **changes: Any) -> Service:
    """Change a service. Takes any keyword of :func:`service_create` except ``status`` (use
    :func:`service_publish` / :func:`service_withdraw`); relations given replace the old ones. An
    active service must stay publishable."""
    unknown = set(changes) - SERVICE_SCALAR_FIELDS - SERVICE_TRANSLATED_FIELDS - SERVICE_RELATIONS
    if unknown:
        raise TypeError(f"service_update() got unexpected fields: {', '.join(sorted(unknown))}")
    before = service_snapshot(service)
    for name in SERVICE_TRANSLATED_FIELDS & set(changes):
        set_translations(service, name, changes[name])
    for name in SERVICE_SCALAR_FIELDS & set(changes):
        setattr(service, name, changes[name])
    service.full_clean()
    service.save()
    if "life_events" in changes:
        service.life_events.set(changes["life_events"])
    if "outputs" in changes:
        service.outputs.set(changes["outputs"])
    if "legal_resources" in changes:
        service.legal_resources.set(changes["legal_resources"])
    if "channels" in changes:
        _set_channels(service, _check_channels(changes["channels"]))
    if "evidence" in changes:
        _set_evidence(service, changes["evidence"])
    if "fees" in changes:
        _set_fees(service, changes["fees"])
    if service.status == Service.Status.ACTIVE:
        _require_publishable(service)
    audit_record(
        actor=actor, action="service.update", target=service, before=before, after=service_snapshot(service)
    )
    return service


def _transition(service: Service, *, sources: Sequence[str], target: str) -> str:
    """Compare-and-set the status: a concurrent change makes this fail instead of being overwritten."""
    current = service.status
    if current not in sources:
        raise ValidationError(
            _("A %(status)s service cannot become %(target)s.") % {"status": current, "target": target},
            code="invalid_transition",
        )
    changed = Service.objects.filter(pk=service.pk, status=current).update(status=target)
    if changed != 1:
        raise ValidationError(
            _("The service was changed meanwhile; reload it and try again."), code="conflict"
        )
    service.refresh_from_db(fields=["status", "updated_at"])
    return current


@transaction.atomic
def service_publish(*, actor: Actor, service: Service) -> Service:
    """Make a draft or withdrawn service active. Needs an active agency, at least one channel and a
    statutory processing time."""
    _require_publishable(service)
    before = _transition(
        service, sources=[Service.Status.DRAFT, Service.Status.WITHDRAWN], target=Service.Status.ACTIVE
    )
    audit_record(
        actor=actor,
        action="service.publish",
        target=service,
        before={"status": before},
        after={"status": service.status},
    )
    return service


@transaction.atomic
def service_withdraw(*, actor: Actor, service: Service, reason: str) -> Service:
    """Stop offering an active service; the reason is kept in the audit trail."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the service is withdrawn.")}, code="reason_required")
    before = _transition(
        service, sources=[Service.Status.ACTIVE, Service.Status.DRAFT], target=Service.Status.WITHDRAWN
    )
    audit_record(
        actor=actor,
        action="service.withdraw",
        target=service,
        before={"status": before},
        after={"status": service.status},
        reason=reason,
    )
    return service
