"""``onestop audit verify|seal|checkpoint|export-checkpoints``: the audit trail's chain, by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.sealing import audit_checkpoint, audit_seal
from onestop.core.verification import audit_verify, export_checkpoints, load_exported_checkpoints


class Command(BaseCommand):
    help = "Verify, seal and checkpoint the tamper-evident audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Re-compute the chain; exit 1 naming the first bad row.")
        verify.add_argument("--checkpoints", metavar="FILE", help="exported checkpoints to check against")
        seal = sub.add_parser("seal", help="Seal every committed unsealed event now.")
        seal.add_argument("--batch-size", type=int, default=5000)
        sub.add_parser("checkpoint", help="Seal, then sign a checkpoint at the chain head.")
        export = sub.add_parser(
            "export-checkpoints", help="Write the signed checkpoints and public key as JSON."
        )
        export.add_argument("file", metavar="FILE", help="where to write ('-' for standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "verify":
            self._verify(options["checkpoints"])
        elif subcommand == "seal":
            sealed = audit_seal(batch_size=options["batch_size"])
            self.stdout.write(f"sealed {sealed} events")
        elif subcommand == "checkpoint":
            sealed = audit_seal()
            checkpoint = audit_checkpoint()
            if checkpoint is None:
                self.stdout.write("nothing sealed yet: no checkpoint")
            else:
                self.stdout.write(
                    f"sealed {sealed} events; checkpoint at seq {checkpoint.seq} hash {checkpoint.hash}"
                )
        elif subcommand == "export-checkpoints":
            self._export(options["file"])

    def _verify(self, checkpoints_file: str | None) -> None:
        exported = None
        if checkpoints_file:
            try:
                exported = load_exported_checkpoints(checkpoints_file)
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read {checkpoints_file}: {exc}") from exc
        report = audit_verify(checkpoints=exported)
        first = report.problem
        if first is None:
            self.stdout.write(f"OK: {report.summary_line()}")
            return
        self.stdout.write(f"TAMPERED: {first}")
        for other in report.problems:
            if other is not first:
                self.stdout.write(f"  also: {other}")
        self.stdout.write(report.summary_line())
        raise CommandError(f"audit trail verification failed: {first}", returncode=1)

    def _export(self, file: str) -> None:
        document = export_checkpoints()
        text = json.dumps(document, indent=2) + "\n"
        if file == "-":
            self.stdout.write(text, ending="")
            return
        Path(file).write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {len(document['checkpoints'])} checkpoints to {file}")
