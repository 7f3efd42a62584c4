"""``onestop exchange verify|seal|bootstrap``: the exchange log's chain by hand, and the directory's
first entries."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.audit import SystemActor
from onestop.exchange.sealing import exchange_log_seal
from onestop.exchange.verification import exchange_log_verify


class Command(BaseCommand):
    help = "Verify and seal the signed exchange log; publish the built-in registries in the directory."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser(
            "verify",
            help="Re-compute the chain and check every signature; exit 1 naming the first bad entry.",
        )
        seal = sub.add_parser("seal", help="Seal every committed unsealed log entry now.")
        seal.add_argument("--batch-size", type=int, default=5000)
        sub.add_parser(
            "bootstrap",
            help="Register this deployment's member subsystems and built-in registry services (idempotent).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "verify":
            self._verify()
        elif subcommand == "seal":
            if options["batch_size"] < 1:
                raise CommandError("--batch-size must be at least 1")
            sealed = exchange_log_seal(batch_size=options["batch_size"])
            self.stdout.write(f"sealed {sealed} entries")
        elif subcommand == "bootstrap":
            # Imported here: the bootstrap pulls in the registries' catalogue, which verify and seal
            # do not need.
            from onestop.exchange.bootstrap import directory_bootstrap

            try:
                result = directory_bootstrap(actor=SystemActor("exchange-bootstrap"), agency_for_subsystem={})
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            self.stdout.write(str(result))

    def _verify(self) -> None:
        report = exchange_log_verify()
        first = report.problem
        if first is None:
            self.stdout.write(f"OK: {report.summary_line()}")
            return
        self.stdout.write(f"TAMPERED: {first}")
        for other in report.problems:
            if other is not first:
                self.stdout.write(f"  also: {other}")
        self.stdout.write(report.summary_line())
        raise CommandError(f"exchange log verification failed: {first}", returncode=1)
