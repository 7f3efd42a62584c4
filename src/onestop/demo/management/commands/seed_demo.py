"""``onestop seed_demo``: fill an empty database with the demo country (``make demo`` runs it).

Refuses to run in production. With ``--if-empty`` a database that already has a catalogue is left
alone, so ``make demo`` can be run again and again.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.demo.data.people import DEMO_LOGINS
from onestop.demo.data.places import COUNTRY_NAME
from onestop.demo.generator import DEFAULT_CITIZENS, DEFAULT_SEED, build_country
from onestop.demo.seeding import catalogue_is_empty, seed_country

DEMO_URL = "http://127.0.0.1:8000"

ROLE_LABELS = {
    "operator": "Counter operator",
    "centre_manager": "Centre manager",
    "officer": "Back-office officer",
    "agency_head": "Agency head",
    "coordinator": "National coordinator",
    "administrator": "Administrator",
    "auditor": "Auditor",
}


def logins_table() -> str:
    """The demo accounts, one per role, as a plain-text table."""
    header = ("Role", "Username", "Password", "Opens")
    rows = [(ROLE_LABELS[login.role], login.username, login.password, login.opens) for login in DEMO_LOGINS]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join([lines[0], rule, *lines[1:]])


class Command(BaseCommand):
    help = "Seed the database with the fictional demo country (refuses in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the catalogue already has services."
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Random seed (the same seed gives the same country).",
        )
        parser.add_argument(
            "--citizens", type=int, default=DEFAULT_CITIZENS, help="How many reference citizens to create."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run in production (ONESTOP_ENV=production): it creates known passwords."
            )
        if options["citizens"] < 0:
            raise CommandError("--citizens cannot be negative.")
        country_name = COUNTRY_NAME["en"]
        if not catalogue_is_empty():
            if not options["if_empty"]:
                raise CommandError(
                    "The database already has a catalogue; seed_demo only fills an empty database. "
                    "Use --if-empty to keep the existing data."
                )
            self.stdout.write(
                f"The database already has a catalogue: reusing the existing data of {country_name}."
            )
        else:
            show_progress = options["verbosity"] > 0
            started = time.monotonic()
            country = build_country(seed=options["seed"], citizens=options["citizens"])
            counts = seed_country(country, show_progress=show_progress)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {country_name} in {time.monotonic() - started:.0f} s: "
                    f"{counts.regions} regions, {counts.agencies} agencies, {counts.services} services, "
                    f"{counts.centres} centres with {counts.counters} counters, {counts.staff} staff, "
                    f"{counts.citizens} citizens."
                )
            )
        self.stdout.write("")
        self.stdout.write(f"Open {DEMO_URL}")
        self.stdout.write("Demo logins (everyone in a role shares its password):")
        self.stdout.write(logins_table())
