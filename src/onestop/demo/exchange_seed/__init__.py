"""The demo's data exchange: the directory for the built-in registries, and what those registries
hold on every demo citizen.

:func:`seed_exchange` runs ``directory_bootstrap`` with the demo's mapping of registry subsystems
to the agencies that keep them, then loads the registries. :func:`build_registry_records` plans the
records; it is pure and deterministic (its own ``random.Random`` seeded from the country's seed,
nothing iterated in hash order), so the same seed on the same day gives the same records. The
shares are what one would expect in a country like Dalaria: everybody has a person and a birth
record, an address, a clinic and a criminal record (clean for nearly all); about two thirds of the
adults are or were married, half own their home, a third drive their own car; pensions come with
age; a minority owe tax. The demo citizens the demo signs in as get every kind of record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tqdm import tqdm

from onestop.core.audit import SystemActor
from onestop.demo.exchange_seed.assets import asset_records
from onestop.demo.exchange_seed.civil import civil_records, home_and_health_records
from onestop.demo.exchange_seed.lives import Builder, plan_lives
from onestop.demo.exchange_seed.welfare import welfare_records
from onestop.demo.generator import DemoCountry
from onestop.exchange.bootstrap import BootstrapResult, directory_bootstrap
from onestop.exchange.services import RegistryRecordRow, registry_records_import

ACTOR = SystemActor("demo-seed")
BATCH = 5000

# Which of Dalaria's agencies keeps each built-in registry subsystem.
SUBSYSTEM_AGENCIES: dict[str, str] = {
    "civil-registry": "civil-registry",
    "address-registry": "migration-service",
    "property-registry": "property-registry",
    "land-cadastre": "land-committee",
    "business-registry": "business-registry",
    "vehicle-registry": "vehicle-registry",
    "tax-authority": "state-revenue",
    "social-insurance": "pension-fund",
    "special-records": "legal-statistics",
    "education-registry": "min-education",
    "health-registry": "min-health",
}


@dataclass(frozen=True)
class ExchangeSeedResult:
    directory: BootstrapResult
    records: int


def build_registry_records(country: DemoCountry, *, today: date) -> list[RegistryRecordRow]:
    """Every registry record of the demo's citizens, as of ``today``."""
    builder = Builder(country, today)
    for life in plan_lives(builder, country.citizens):
        civil_records(builder, life)
        home_and_health_records(builder, life)
        asset_records(builder, life)
        welfare_records(builder, life)
    return builder.plans


def seed_exchange(country: DemoCountry, *, show: bool, today: date) -> ExchangeSeedResult:
    """Bootstrap the directory (audited as the demo seed) and load the registries."""
    with tqdm(
        total=2, desc="Data exchange", unit="", disable=not show, leave=True, dynamic_ncols=True
    ) as bar:
        directory = directory_bootstrap(actor=ACTOR, agency_for_subsystem=SUBSYSTEM_AGENCIES)
        bar.update(1)
        plans = build_registry_records(country, today=today)
        count = registry_records_import(actor=ACTOR, records=plans, batch_size=BATCH)
        bar.update(1)
        bar.set_postfix_str(f"{directory.services} data services, {directory.rights} rights, {count} records")
    return ExchangeSeedResult(directory, count)
