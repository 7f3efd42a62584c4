"""``onestop catalog_import FILE [--dry-run] [--format csv|xlsx] [--kind services|agencies|life-events]``:
load catalogue rows from a CSV or XLSX file with the same rules as the admin import. Any bad row
means nothing is imported; the command prints each problem and exits 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from import_export.formats.base_formats import CSV, XLSX

from onestop.catalog.resources import AgencyResource, LifeEventResource, ServiceResource, import_problems

RESOURCES = {"services": ServiceResource, "agencies": AgencyResource, "life-events": LifeEventResource}


class Command(BaseCommand):
    help = "Import catalogue rows (services by default) from a CSV or XLSX file; all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check every row; write nothing.")
        parser.add_argument("--format", choices=["csv", "xlsx"], help="Default: from the file's extension.")
        parser.add_argument("--kind", choices=sorted(RESOURCES), default="services")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        fmt = options["format"] or path.suffix.lower().lstrip(".")
        if fmt == "csv":
            dataset = CSV().create_dataset(path.read_text(encoding="utf-8-sig"))
        elif fmt == "xlsx":
            dataset = XLSX().create_dataset(path.read_bytes())
        else:
            raise CommandError("Give --format csv or --format xlsx.")
        resource = RESOURCES[options["kind"]]()
        result = resource.import_data(dataset, dry_run=options["dry_run"], raise_errors=False)
        problems = import_problems(result)
        if problems:
            for number, column, message in problems:
                where = f"row {number}" + (f", {column}" if column else "")
                self.stderr.write(f"{where}: {message}")
            self.stderr.write(f"{len(problems)} problem(s); nothing was imported.")
            raise SystemExit(1)
        totals = result.totals
        verb = "would import" if options["dry_run"] else "imported"
        self.stdout.write(
            f"{verb} {len(dataset)} row(s): {totals['new']} new, {totals['update']} updated, "
            f"{totals['skip']} unchanged."
        )
