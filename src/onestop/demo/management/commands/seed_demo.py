"""``onestop seed_demo``: fill an empty database with the demo country (``make demo`` runs it).

Refuses to run in production. With ``--if-empty`` a database that already has a catalogue is left
alone, so ``make demo`` can be run again and again. The kiosk and board tokens exist only as hashes
in the database, so the raw ones are kept in ``var/demo-devices.txt`` (mode 0600) for the next run to
print them again.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.demo.cases import demo_citizen_national_id
from onestop.demo.data.people import DEMO_LOGINS
from onestop.demo.data.places import COUNTRY_NAME
from onestop.demo.frontoffice import MAIN_CENTRE, device_urls
from onestop.demo.generator import DEFAULT_CITIZENS, DEFAULT_SEED, build_country
from onestop.demo.seeding import DEFAULT_HISTORY_DAYS, catalogue_is_empty, seed_country

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
    citizen = demo_citizen_national_id()
    if citizen:
        # The demo eID asks only for a national ID: no password.
        rows.append(("Citizen (demo eID)", citizen, "-", "/account/sign-in/ — applications in every state"))
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join([lines[0], rule, *lines[1:]])


def devices_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-devices.txt"


def write_device_tokens(tokens: dict[str, dict[str, str]]) -> Path:
    """Store every centre's device URLs (tokens included) in a file only the owner can read."""
    path = devices_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Demo kiosks and boards: centre, device, URL with its token (secret; regenerate with a new seed).",
        *(
            f"{code} {kind} {url}"
            for code in sorted(tokens)
            for kind, url in device_urls(DEMO_URL, code, tokens[code]).items()
        ),
    ]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    path.chmod(0o600)  # an older file keeps its mode on O_CREAT; make sure it is private now
    return path


def read_device_urls(centre_code: str) -> dict[str, str]:
    """The stored kiosk/board URLs of ``centre_code`` (empty when the file is missing)."""
    path = devices_file()
    if not path.exists():
        return {}
    urls: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == centre_code:
            urls[parts[1]] = parts[2]
    return urls


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
        parser.add_argument(
            "--history-days",
            type=int,
            default=DEFAULT_HISTORY_DAYS,
            help="Days of simulated front-office history before today (0 for none).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run in production (ONESTOP_ENV=production): it creates known passwords."
            )
        if options["citizens"] < 0:
            raise CommandError("--citizens cannot be negative.")
        if options["history_days"] < 0:
            raise CommandError("--history-days cannot be negative.")
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
            counts = seed_country(country, show_progress=show_progress, history_days=options["history_days"])
            path = write_device_tokens(counts.device_tokens)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {country_name} in {time.monotonic() - started:.0f} s: "
                    f"{counts.regions} regions, {counts.agencies} agencies, {counts.services} services, "
                    f"{counts.centres} centres with {counts.counters} counters, {counts.staff} staff, "
                    f"{counts.citizens} citizens; {counts.queues} queues, {counts.devices} kiosks and "
                    f"boards, {counts.tickets} past tickets over {options['history_days']} days; "
                    f"{counts.cases} cases over a year, {counts.open_cases} still open; "
                    f"{counts.data_services} registry data services holding {counts.registry_records} "
                    f"records, {counts.evidence_fetched} evidence items fetched through the exchange."
                )
            )
            self.stdout.write(f"Device tokens of every centre: {path}")
        self.stdout.write("")
        self.stdout.write(f"Open {DEMO_URL}")
        self.stdout.write("Demo logins (everyone in a role shares its password):")
        self.stdout.write(logins_table())
        urls = read_device_urls(MAIN_CENTRE)
        if urls:
            self.stdout.write("")
            self.stdout.write(f"Devices of {MAIN_CENTRE} (no login needed; the token is the key):")
            for kind in ("kiosk", "board"):
                if kind in urls:
                    self.stdout.write(f"  {kind.capitalize():<6} {urls[kind]}")
        if settings.ONESTOP_DEMO_LIVE:
            self.stdout.write("Live queue: simulated visitors and operators keep the queues moving.")
