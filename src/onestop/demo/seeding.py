"""Writes the demo country into the database, every row through the owning app's services.

The whole seed runs in one transaction: a failure half-way leaves no half-built country behind,
and on SQLite one commit instead of thousands keeps the seed well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction
from django.test.utils import override_settings
from tqdm import tqdm

from onestop.catalog import services as catalog
from onestop.catalog.models import Agency, EvidenceType, LegalResource, LifeEvent, Output, Service
from onestop.centres import services as centres
from onestop.centres.models import Centre
from onestop.core.audit import SystemActor
from onestop.core.models import Region
from onestop.core.services import region_create
from onestop.demo.data.agencies import AGENCIES
from onestop.demo.data.centres import CENTRES
from onestop.demo.data.places import REGIONS
from onestop.demo.data.reference import EVIDENCE_TYPES, LEGAL_BASE_URL, LEGAL_RESOURCES, LIFE_EVENTS, OUTPUTS
from onestop.demo.generator import DemoCountry
from onestop.people import services as people
from onestop.people.models import User

ACTOR = SystemActor("demo-seed")


class DemoSeedPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds, used only while seeding.

    A hundred-odd staff accounts at Django's full work factor would take most of a minute, for
    passwords that are printed on the screen anyway. The hashes use the standard algorithm name, so
    the normal hasher verifies them and, because the round count differs, re-hashes each password at
    full strength the first time its owner signs in.
    """

    iterations = 20_000


@contextmanager
def _fast_password_hashing() -> Iterator[None]:
    hasher = f"{DemoSeedPasswordHasher.__module__}.{DemoSeedPasswordHasher.__qualname__}"
    with override_settings(PASSWORD_HASHERS=[hasher, *settings.PASSWORD_HASHERS]):
        yield


@dataclass
class SeedCounts:
    regions: int = 0
    agencies: int = 0
    services: int = 0
    centres: int = 0
    counters: int = 0
    staff: int = 0
    citizens: int = 0


def _bar(desc: str, total: int, show: bool) -> Any:
    return tqdm(total=total, desc=desc, unit="", disable=not show, leave=True, dynamic_ncols=True)


def _seed_places_and_agencies(counts: SeedCounts, show: bool) -> tuple[dict[str, Region], dict[str, Agency]]:
    regions: dict[str, Region] = {}
    agencies: dict[str, Agency] = {}
    with _bar("Regions & agencies", len(REGIONS) + len(AGENCIES), show) as bar:
        for region_def in REGIONS:
            regions[region_def.code] = region_create(actor=ACTOR, code=region_def.code, name=region_def.name)
            bar.update(1)
        for agency_def in AGENCIES:  # parents come first in AGENCIES
            domain = agency_def.domain or agency_def.code
            agencies[agency_def.code] = catalog.agency_create(
                actor=ACTOR,
                code=agency_def.code,
                name=agency_def.name,
                level=agency_def.level,
                parent=agencies[agency_def.parent] if agency_def.parent else None,
                region=regions[agency_def.region] if agency_def.region else None,
                description=agency_def.description,
                website=f"https://{domain}.gov.dalaria.example/",
                email=f"info@{domain}.gov.dalaria.example",
                phone="1414",
            )
            bar.update(1)
    counts.regions, counts.agencies = len(regions), len(agencies)
    return regions, agencies


def _seed_catalogue(
    country: DemoCountry, agencies: dict[str, Agency], counts: SeedCounts, show: bool
) -> dict[str, Service]:
    reference_total = len(LIFE_EVENTS) + len(EVIDENCE_TYPES) + len(OUTPUTS) + len(LEGAL_RESOURCES)
    events: dict[str, LifeEvent] = {}
    evidence: dict[str, EvidenceType] = {}
    outputs: dict[str, Output] = {}
    legal: dict[str, LegalResource] = {}
    services: dict[str, Service] = {}
    with _bar("Catalogue", reference_total + len(country.services), show) as bar:
        for position, event_def in enumerate(LIFE_EVENTS):
            events[event_def.code] = catalog.life_event_create(
                actor=ACTOR,
                code=event_def.code,
                name=event_def.name,
                description=event_def.description,
                audience=event_def.audience,
                position=position,
            )
            bar.update(1)
        for evidence_def in EVIDENCE_TYPES:
            evidence[evidence_def.code] = catalog.evidence_type_create(
                actor=ACTOR,
                code=evidence_def.code,
                name=evidence_def.name,
                exchange_service=evidence_def.exchange_service,
            )
            bar.update(1)
        for output_def in OUTPUTS:
            outputs[output_def.code] = catalog.output_create(
                actor=ACTOR,
                code=output_def.code,
                name=output_def.name,
                kind=output_def.kind,
                validity=output_def.validity,
            )
            bar.update(1)
        for legal_def in LEGAL_RESOURCES:
            legal[legal_def.code] = catalog.legal_resource_create(
                actor=ACTOR, code=legal_def.code, title=legal_def.title, url=LEGAL_BASE_URL + legal_def.path
            )
            bar.update(1)
        for plan in country.services:
            service = catalog.service_create(
                actor=ACTOR,
                identifier=plan.identifier,
                name=plan.name,
                description=plan.description or None,
                agency=agencies[plan.agency],
                statutory_time=plan.statutory_time,
                statutory_time_unit=plan.time_unit,
                target_time=plan.target_time,
                target_time_unit=plan.time_unit,
                life_events=[events[code] for code in plan.life_events],
                channels=plan.channels,
                outputs=[outputs[code] for code in plan.outputs],
                legal_resources=[legal[code] for code in plan.legal],
                evidence=[
                    catalog.EvidenceRequirement(evidence_type=evidence[code], required=required)
                    for code, required in plan.evidence
                ],
                fees=[
                    catalog.FeeSpec(
                        label=fee.label,
                        amount=fee.amount,
                        exemptions=[
                            catalog.ExemptionSpec(
                                group=e.group, description=e.description, discount_percent=e.discount_percent
                            )
                            for e in fee.exemptions
                        ],
                    )
                    for fee in plan.fees
                ],
                popularity=plan.popularity,
            )
            services[plan.identifier] = catalog.service_publish(actor=ACTOR, service=service)
            bar.update(1)
    counts.services = len(services)
    return services


def _seed_centres(
    country: DemoCountry,
    regions: dict[str, Region],
    services: dict[str, Service],
    counts: SeedCounts,
    show: bool,
) -> dict[str, Centre]:
    offered = dict(country.centre_services)
    result: dict[str, Centre] = {}
    with _bar("Centres & counters", sum(1 + c.counters for c in CENTRES), show) as bar:
        for centre_def in CENTRES:
            centre = centres.centre_create(
                actor=ACTOR,
                code=centre_def.code,
                name=centre_def.name,
                kind=centre_def.kind,
                region=regions[centre_def.region],
                address=centre_def.address,
                latitude=Decimal(centre_def.latitude),
                longitude=Decimal(centre_def.longitude),
                phone=centre_def.phone,
                services=[services[identifier] for identifier in offered[centre_def.code]],
                opening_hours=centre_def.hours,
            )
            bar.update(1)
            for number in range(1, centre_def.counters + 1):
                centres.counter_create(actor=ACTOR, centre=centre, number=number, label=f"Counter {number}")
                counts.counters += 1
                bar.update(1)
            result[centre_def.code] = centre
    counts.centres = len(result)
    return result


def _seed_staff(
    country: DemoCountry,
    centre_map: dict[str, Centre],
    agencies: dict[str, Agency],
    counts: SeedCounts,
    show: bool,
) -> None:
    with _fast_password_hashing(), _bar("Staff", len(country.staff), show) as bar:
        for plan in country.staff:
            user: User = people.staff_create(
                actor=ACTOR,
                username=plan.username,
                password=plan.password,
                first_name=plan.first_name,
                last_name=plan.last_name,
                email=plan.email,
                preferred_language=plan.preferred_language,
            )
            people.role_grant(
                actor=ACTOR,
                user=user,
                role=plan.role,
                centre=centre_map[plan.centre] if plan.centre else None,
                agency=agencies[plan.agency] if plan.agency else None,
            )
            bar.update(1)
    counts.staff = len(country.staff)


def _seed_citizens(country: DemoCountry, counts: SeedCounts, show: bool) -> None:
    batch = 500
    with _bar("Citizens", len(country.citizens), show) as bar:
        for start in range(0, len(country.citizens), batch):
            chunk = country.citizens[start : start + batch]
            counts.citizens += people.citizens_import(
                actor=ACTOR,
                rows=[
                    people.CitizenRow(
                        national_id=c.national_id,
                        given_name=c.given_name,
                        family_name=c.family_name,
                        patronymic=c.patronymic,
                        date_of_birth=c.date_of_birth,
                        sex=c.sex,
                        phone=c.phone,
                        email=c.email,
                        preferred_language=c.preferred_language,
                    )
                    for c in chunk
                ],
                batch_size=batch,
            )
            bar.update(len(chunk))


def seed_country(country: DemoCountry, *, show_progress: bool = True) -> SeedCounts:
    """Write ``country`` (from :func:`onestop.demo.generator.build_country`) into an empty database."""
    counts = SeedCounts()
    with transaction.atomic():
        regions, agencies = _seed_places_and_agencies(counts, show_progress)
        services = _seed_catalogue(country, agencies, counts, show_progress)
        centre_map = _seed_centres(country, regions, services, counts, show_progress)
        _seed_staff(country, centre_map, agencies, counts, show_progress)
        _seed_citizens(country, counts, show_progress)
    return counts


def catalogue_is_empty() -> bool:
    return not Service.objects.exists()
