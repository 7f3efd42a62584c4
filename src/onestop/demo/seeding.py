"""Writes the demo country into the database, every row through the owning app's services.

The whole seed runs in one transaction: a failure half-way leaves no half-built country behind,
and on SQLite one commit instead of thousands keeps the seed well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from tqdm import tqdm

from onestop.catalog import services as catalog
from onestop.catalog.models import Agency, EvidenceType, LegalResource, LifeEvent, Output, Service
from onestop.centres import services as centres
from onestop.centres.models import Centre
from onestop.core.audit import SystemActor, audit_record
from onestop.core.calendar import is_business_day
from onestop.core.models import AuditEvent, Region
from onestop.core.services import region_create
from onestop.demo.cases import BACK_OFFICE_STEPS, seed_back_office
from onestop.demo.data.agencies import AGENCIES
from onestop.demo.data.centres import CENTRES
from onestop.demo.data.places import REGIONS
from onestop.demo.data.reference import EVIDENCE_TYPES, LEGAL_BASE_URL, LEGAL_RESOURCES, LIFE_EVENTS, OUTPUTS
from onestop.demo.exchange_seed import seed_exchange
from onestop.demo.frontoffice import GROUP_BY_PREFIX, plan_profiles, plan_queues
from onestop.demo.generator import COUNTRY, DemoCountry
from onestop.demo.history import CounterPlan, QueuePlan, centre_profile, simulate_centre_day
from onestop.people import services as people
from onestop.people.models import Citizen, User
from onestop.queueing.services import counters as counters_services
from onestop.queueing.services.devices import device_register
from onestop.queueing.services.history import history_import

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
    queues: int = 0
    profiles: int = 0
    devices: int = 0
    tickets: int = 0
    cases: int = 0
    open_cases: int = 0
    data_services: int = 0
    registry_records: int = 0
    evidence_fetched: int = 0
    # centre code → device kind ("kiosk", "board") → raw token, shown once and stored in var/
    device_tokens: dict[str, dict[str, str]] = field(default_factory=dict)


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


# --- Front office -----------------------------------------------------------------------------

DEFAULT_HISTORY_DAYS = 60
DEMO_MARKER_ACTION = "demo.seed"


@dataclass
class CentreFrontOffice:
    centre: Centre
    queues: list[QueuePlan]
    counters: list[CounterPlan]


def seed_front_office(
    country: DemoCountry,
    centre_map: dict[str, Centre],
    services: dict[str, Service],
    counts: SeedCounts,
    show: bool,
) -> dict[str, CentreFrontOffice]:
    """Queues by service group, a work profile for every counter, a kiosk and a board per centre."""
    agency_of = {plan.identifier: plan.agency for plan in country.services}
    offered = dict(country.centre_services)
    operators: dict[str, list[str]] = {}
    for staff in country.staff:  # the printed demo operator comes first, so they own counter 1
        if staff.role == "operator":
            operators.setdefault(staff.centre, []).append(staff.username)
    users = {
        u.username: u for u in User.objects.filter(username__in=[n for v in operators.values() for n in v])
    }
    result: dict[str, CentreFrontOffice] = {}
    with _bar("Queues, profiles & devices", len(CENTRES), show) as bar:
        for centre_def in CENTRES:
            centre = centre_map[centre_def.code]
            grouped = plan_queues(
                [(identifier, agency_of[identifier]) for identifier in offered[centre.code]]
            )
            queue_plans: list[QueuePlan] = []
            for position, (prefix, identifiers) in enumerate(grouped.items()):
                group = GROUP_BY_PREFIX[prefix]
                chosen = [services[i] for i in identifiers]
                queue = counters_services.queue_create(
                    actor=ACTOR,
                    centre=centre,
                    prefix=prefix,
                    name=group.name,
                    services=chosen,
                    position=position,
                    allows_remote=group.allows_remote,
                    target_wait_minutes=group.target_wait_minutes,
                )
                # Popularity decides what a simulated visitor comes for; +1 keeps rare services possible.
                queue_plans.append(QueuePlan(queue, chosen, [s.popularity + 1 for s in chosen]))
            queues_by_prefix = {plan.queue.prefix: plan.queue for plan in queue_plans}
            counter_rows = list(centre.counters.order_by("number"))
            staff_here = [users[name] for name in operators.get(centre.code, [])]
            counter_plans: list[CounterPlan] = []
            for index, (counter, prefixes) in enumerate(
                zip(counter_rows, plan_profiles(len(counter_rows), list(queues_by_prefix)), strict=True)
            ):
                counters_services.work_profile_set(
                    actor=ACTOR, counter=counter, queues=[queues_by_prefix[p] for p in prefixes]
                )
                operator = staff_here[index % len(staff_here)] if staff_here else None
                counter_plans.append(CounterPlan(counter, prefixes, operator))
            tokens: dict[str, str] = {}
            for kind, name in (("kiosk", "Entrance kiosk"), ("board", "Waiting-hall board")):
                _device, tokens[kind] = device_register(actor=ACTOR, centre=centre, kind=kind, name=name)
            counts.queues += len(queue_plans)
            counts.profiles += len(counter_plans)
            counts.devices += len(tokens)
            counts.device_tokens[centre.code] = tokens
            result[centre.code] = CentreFrontOffice(centre, queue_plans, counter_plans)
            bar.update(1)
    return result


def _history_days(today: date, days: int) -> list[date]:
    return [today - timedelta(days=n) for n in range(days, 0, -1)]


def _open_hours(centre: Centre) -> dict[int, list[tuple[time, time]]]:
    hours: dict[int, list[tuple[time, time]]] = {}
    for row in centre.opening_hours.order_by("weekday", "opens"):
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    return hours


def seed_history(
    country: DemoCountry,
    front_office: dict[str, CentreFrontOffice],
    counts: SeedCounts,
    show: bool,
    *,
    days: int,
    today: date,
) -> None:
    """``days`` days of simulated visits before ``today`` at every centre, through ``history_import``."""
    if days <= 0:
        return
    citizens = list(Citizen.objects.only("pk").order_by("pk")[:3000])
    calendar = _history_days(today, days)
    with _bar("Front-office history (centre-days)", len(front_office) * len(calendar), show) as bar:
        for code, office in sorted(front_office.items()):
            hours = _open_hours(office.centre)
            profiles = {
                weekday: centre_profile(
                    code=code,
                    hours=periods,
                    queues=office.queues,
                    counters=office.counters,
                    tz=settings.TIME_ZONE,
                )
                for weekday, periods in hours.items()
            }
            visits = []
            for day in calendar:
                # Public holidays close the centres even where the weekday has opening hours.
                closed = day.weekday() < 5 and not is_business_day(day, country=COUNTRY)
                if day.weekday() in profiles and not closed:
                    visits.extend(
                        simulate_centre_day(
                            day=day,
                            seed=country.seed,
                            profile=profiles[day.weekday()],
                            queues=office.queues,
                            counters=office.counters,
                            citizens=citizens,
                        )
                    )
                bar.update(1)
            counts.tickets += history_import(actor=ACTOR, centre=office.centre, visits=visits)
            bar.set_postfix_str(f"{code}: {counts.tickets} tickets")


def seed_cases(
    country: DemoCountry, services: dict[str, Service], counts: SeedCounts, show: bool, *, now: datetime
) -> None:
    """The back office: forms, reason codes, officer profiles and a year of cases (demo/cases.py)."""
    with _bar("Back office", BACK_OFFICE_STEPS, show) as bar:
        result = seed_back_office(country, services, now=now, progress=bar)
    counts.cases, counts.open_cases = result.cases, result.open_cases
    counts.evidence_fetched = result.evidence_fetched


def mark_demo_database(counts: SeedCounts) -> None:
    """Record that this database holds the demo country: the live demo acts only where it finds this."""
    with transaction.atomic():
        audit_record(
            actor=ACTOR,
            action=DEMO_MARKER_ACTION,
            after={"centres": counts.centres, "tickets": counts.tickets, "devices": counts.devices},
        )


def is_demo_database() -> bool:
    """Was this database filled by ``seed_demo``? (The live demo refuses to touch any other.)"""
    return AuditEvent.objects.filter(action=DEMO_MARKER_ACTION, actor_label=ACTOR.label).exists()


def seed_country(
    country: DemoCountry,
    *,
    show_progress: bool = True,
    history_days: int = DEFAULT_HISTORY_DAYS,
    today: date | None = None,
    now: datetime | None = None,
) -> SeedCounts:
    """Write ``country`` (from :func:`onestop.demo.generator.build_country`) into an empty database,
    with its front office (queues, work profiles, kiosks and boards), ``history_days`` days of
    visits before ``today`` and its back office with a year of cases before ``now``."""
    counts = SeedCounts()
    with transaction.atomic():
        regions, agencies = _seed_places_and_agencies(counts, show_progress)
        services = _seed_catalogue(country, agencies, counts, show_progress)
        centre_map = _seed_centres(country, regions, services, counts, show_progress)
        _seed_staff(country, centre_map, agencies, counts, show_progress)
        _seed_citizens(country, counts, show_progress)
        exchange = seed_exchange(country, show=show_progress, today=today or timezone.localdate())
        counts.data_services, counts.registry_records = exchange.directory.services, exchange.records
        front_office = seed_front_office(country, centre_map, services, counts, show_progress)
        seed_history(
            country,
            front_office,
            counts,
            show_progress,
            days=history_days,
            today=today or timezone.localdate(),
        )
        seed_cases(country, services, counts, show_progress, now=now or timezone.now())
        mark_demo_database(counts)
    return counts


def catalogue_is_empty() -> bool:
    return not Service.objects.exists()
