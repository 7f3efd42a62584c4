"""``onestop scheduler``: the one process that enqueues periodic jobs for the task workers."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.core.scheduling import Scheduler, registered_jobs


class Command(BaseCommand):
    help = "Enqueue each registered periodic task when it is due (run exactly one of these)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="enqueue what is due now, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = registered_jobs()
        scheduler = Scheduler(jobs)
        for job in jobs:
            self.stdout.write(f"scheduling {job.name} every {job.interval():g}s")
        if options["once"]:
            for name in scheduler.tick():
                self.stdout.write(f"enqueued {name}")
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stdout.write(f"received {signal.Signals(signum).name}, stopping")
            scheduler.stop()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            scheduler.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("scheduler stopped")
