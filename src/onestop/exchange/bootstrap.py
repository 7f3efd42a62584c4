"""Fill the directory for the built-in registries: purposes, one hosted member subsystem per
registry with its data services, a back-office client subsystem for every agency whose services
need evidence fetched, and the rights those services need for ``service-delivery``.

Idempotent: what is already in the directory is left as it is, so running it again after an
administrator changed something (revoked a right, deactivated a service, re-keyed a member) undoes
nothing; it only adds what is missing (for instance the rights of a service added to the
catalogue since). Every write goes through ``exchange.services`` and is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from onestop.catalog.models import Agency, Service, ServiceEvidence
from onestop.core.audit import Actor
from onestop.exchange import services
from onestop.exchange.directory import BACK_OFFICE_SUBSYSTEM
from onestop.exchange.identifiers import IdentifierError, ServiceId, SubsystemId
from onestop.exchange.models import AccessRight, DataService, Member, Purpose
from onestop.exchange.registries.catalogue import BUILTIN_REGISTRIES, BUILTIN_SERVICES, MEMBER_CLASS


@dataclass(frozen=True)
class PurposeDef:
    code: str
    name: dict[str, str]
    legal_basis: str
    needs_open_matter: bool


SERVICE_DELIVERY = "service-delivery"

PURPOSES: tuple[PurposeDef, ...] = (
    PurposeDef(
        SERVICE_DELIVERY,
        {
            "en": "Delivering a public service the person applied for",
            "ru": "Оказание государственной услуги по заявлению лица",
            "kk": "Адамның өтініші бойынша мемлекеттік қызмет көрсету",
            "ka": "პირის განცხადებით საჯარო მომსახურების გაწევა",
        },
        "Law on public services: an agency obtains from state registers the data a service needs "
        "instead of asking the applicant for it (once-only principle)",
        True,
    ),
    PurposeDef(
        "tax-control",
        {
            "en": "Tax control by the tax authority",
            "ru": "Налоговый контроль",
            "kk": "Салықтық бақылау",
            "ka": "საგადასახადო კონტროლი",
        },
        "Tax code: the tax authority may obtain a taxpayer's data from state registers for a tax "
        "audit or desk review",
        False,
    ),
    PurposeDef(
        "statistics",
        {
            "en": "Official statistics",
            "ru": "Официальная статистика",
            "kk": "Ресми статистика",
            "ka": "ოფიციალური სტატისტიკა",
        },
        "Law on official statistics: register data for statistical production, published only in aggregate",
        False,
    ),
)


@dataclass
class BootstrapResult:
    """What one run added (zero everywhere on a second run)."""

    purposes: int = 0
    members: int = 0  # registry subsystems
    services: int = 0
    clients: int = 0  # back-office subsystems
    rights: int = 0
    # Data services named by the catalogue's evidence that no directory entry offers.
    unresolved: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        line = (
            f"added {self.purposes} purposes, {self.members} registry subsystems, {self.services} data "
            f"services, {self.clients} back-office subsystems, {self.rights} access rights"
        )
        if self.unresolved:
            line += f"; no provider for: {', '.join(self.unresolved)}"
        return line


def _agency_name(agency: Agency) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(agency.name)


def _purposes(actor: Actor, result: BootstrapResult) -> dict[str, Purpose]:
    existing = {p.code: p for p in Purpose.objects.filter(code__in=[d.code for d in PURPOSES])}
    for definition in PURPOSES:
        if definition.code not in existing:
            existing[definition.code] = services.purpose_define(
                actor=actor,
                code=definition.code,
                name=definition.name,
                legal_basis=definition.legal_basis,
                needs_open_matter=definition.needs_open_matter,
            )
            result.purposes += 1
    return existing


def _registries(
    actor: Actor,
    instance: str,
    agencies: Mapping[str, Agency],
    mapping: Mapping[str, str],
    result: BootstrapResult,
) -> None:
    wanted = {str(r.subsystem_id(instance)): r for r in BUILTIN_REGISTRIES}
    members = {m.identifier: m for m in Member.objects.filter(identifier__in=list(wanted))}
    for identifier, registry in wanted.items():
        if identifier not in members:
            members[identifier] = services.member_register(
                actor=actor,
                subsystem=registry.subsystem_id(instance),
                name=registry.name,
                agency=agencies.get(mapping.get(registry.subsystem, registry.agency_hint)),
                hosted=True,
            )
            result.members += 1
    offered = {str(b.service_id(instance)): b for b in BUILTIN_SERVICES}
    present = set(
        DataService.objects.filter(identifier__in=list(offered)).values_list("identifier", flat=True)
    )
    for identifier, builtin in offered.items():
        if identifier in present:
            continue
        services.data_service_register(
            actor=actor,
            provider=members[str(builtin.registry.subsystem_id(instance))],
            service_code=builtin.service_code,
            name=builtin.name,
            description=builtin.description,
            version=builtin.version,
            openapi=builtin.openapi,
            handler=builtin.handler,
        )
        result.services += 1


def _evidence_needs(instance: str, result: BootstrapResult) -> dict[str, set[str]]:
    """Agency code → identifiers of the data services its catalogue services fetch evidence from
    (withdrawn services left out)."""
    rows = (
        ServiceEvidence.objects.exclude(evidence_type__exchange_service="")
        .exclude(service__status=Service.Status.WITHDRAWN)
        .values_list("service__agency__code", "evidence_type__exchange_service")
        .distinct()
    )
    needs: dict[str, set[str]] = {}
    for agency_code, value in rows:
        try:
            identifier = str(ServiceId.parse(value, instance=instance))
        except IdentifierError:
            if value not in result.unresolved:
                result.unresolved.append(value)
            continue
        needs.setdefault(agency_code, set()).add(identifier)
    return needs


def _clients(actor: Actor, instance: str, purpose: Purpose, result: BootstrapResult) -> None:
    needs = _evidence_needs(instance, result)
    agencies = {a.code: a for a in Agency.objects.filter(code__in=list(needs))}
    clients = {
        m.agency_id: m
        for m in Member.objects.filter(
            agency__in=list(agencies.values()), subsystem_code=BACK_OFFICE_SUBSYSTEM
        )
    }
    in_directory = {s.identifier: s for s in DataService.objects.all()}
    granted = set(AccessRight.objects.values_list("client_id", "service_id"))
    for agency_code in sorted(needs):
        agency = agencies[agency_code]
        client = clients.get(agency.pk)
        if client is None:
            client = services.member_register(
                actor=actor,
                subsystem=SubsystemId(instance, MEMBER_CLASS, agency.code.upper(), BACK_OFFICE_SUBSYSTEM),
                name=f"{_agency_name(agency)}: back office",
                agency=agency,
                hosted=True,
            )
            result.clients += 1
        for identifier in sorted(needs[agency_code]):
            service = in_directory.get(identifier)
            if service is None:
                if identifier not in result.unresolved:
                    result.unresolved.append(identifier)
                continue
            if (client.pk, service.pk) in granted:
                continue  # also when revoked: an administrator's revocation stands
            services.access_right_grant(actor=actor, client=client, service=service, purposes=[purpose])
            granted.add((client.pk, service.pk))
            result.rights += 1


@transaction.atomic
def directory_bootstrap(*, actor: Actor, agency_for_subsystem: Mapping[str, str]) -> BootstrapResult:
    """Publish the built-in registries and grant the catalogue's evidence needs, adding only what
    the directory lacks. ``agency_for_subsystem`` maps a registry subsystem code
    (``civil-registry``) to the code of the agency that keeps it; a registry it does not name goes
    to the agency whose code is the registry's ``agency_hint``, if there is one. A mapping naming
    an unknown subsystem or agency is refused (ValidationError) before anything is written."""
    instance = settings.ONESTOP_EXCHANGE_INSTANCE
    subsystems = {r.subsystem for r in BUILTIN_REGISTRIES}
    strangers = sorted(set(agency_for_subsystem) - subsystems)
    if strangers:
        raise ValidationError(
            _("No built-in registry has the subsystem code %(codes)s.") % {"codes": ", ".join(strangers)}
        )
    codes = set(agency_for_subsystem.values()) | {r.agency_hint for r in BUILTIN_REGISTRIES}
    agencies = {a.code: a for a in Agency.objects.filter(code__in=sorted(codes))}
    missing = sorted(set(agency_for_subsystem.values()) - set(agencies))
    if missing:
        raise ValidationError(
            _("There is no agency with the code %(codes)s.") % {"codes": ", ".join(missing)}
        )
    result = BootstrapResult()
    purposes = _purposes(actor, result)
    _registries(actor, instance, agencies, agency_for_subsystem, result)
    _clients(actor, instance, purposes[SERVICE_DELIVERY], result)
    result.unresolved.sort()
    return result
