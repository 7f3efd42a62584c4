"""``onestop up``: everything one machine needs, in the foreground.

Collects static files, then runs the web server (gunicorn), the task worker (``db_worker``) and,
when installed, the scheduler as child processes. Ctrl-C or SIGTERM stops them all and exits 0; if
any child dies on its own the others are stopped too and the command exits non-zero naming it, so
a supervisor (systemd, a container runtime) sees the failure and restarts the whole set.

Larger deployments run the same three commands as separate services instead (docs/configuration.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

POLL_SECONDS = 0.2


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


def _die_with_parent() -> None:
    """Runs in the child before exec: on Linux, get SIGTERM if ``onestop up`` itself is killed
    (even with SIGKILL), so no server is left orphaned holding the port."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _probe_url(bind: str) -> str | None:
    """The /healthz URL to poll for a gunicorn ``--bind`` value, or None for a unix socket."""
    if bind.startswith(("unix:", "fd://")):
        return None
    host, _, port = bind.rpartition(":")
    if host in {"", "0.0.0.0"}:
        host = "127.0.0.1"
    elif host in {"::", "[::]"}:
        host = "[::1]"
    return f"http://{host}:{port}/healthz"


class Command(BaseCommand):
    help = "Run the web server, the task worker and the scheduler together; Ctrl-C stops them all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("ONESTOP_BIND", "127.0.0.1:8000"),
            help="Address for the web server, HOST:PORT or unix:PATH (default: $ONESTOP_BIND or 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--web-workers", type=int, default=2, help="gunicorn worker processes (default 2)"
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per web worker (default 4)")
        parser.add_argument(
            "--grace", type=float, default=10.0, help="seconds children get to stop before they are killed"
        )
        parser.add_argument(
            "--ready-timeout", type=float, default=60.0, help="seconds to wait for the web server to answer"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        children = self._children(options)
        self._stop_requested: int | None = None
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            failed = self._run(children, bind=options["bind"], ready_timeout=options["ready_timeout"])
        finally:
            self._stop(children, grace=options["grace"])
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failed is not None:
            code = failed.process.returncode if failed.process is not None else 1
            raise CommandError(
                f"the {failed.name} exited (code {code}); stopped the others",
                returncode=code if code > 0 else 1,
            )
        self.stdout.write("onestop up: stopped")

    def _children(self, options: dict[str, Any]) -> list[Child]:
        python = sys.executable
        children = [
            Child(
                "web server",
                [
                    python,
                    "-m",
                    "gunicorn",
                    "onestop.wsgi:application",
                    "--bind",
                    options["bind"],
                    "--workers",
                    str(options["web_workers"]),
                    "--threads",
                    str(options["threads"]),
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    str(int(options["grace"])),
                ],
            ),  # fmt: skip
            # All queues, so a task enqueued on any queue is run; no autoreload even with DEBUG on.
            Child("task worker", [python, "-m", "onestop", "db_worker", "--queue-name", "*", "--no-reload"]),
        ]
        if "scheduler" in get_commands():
            children.append(Child("scheduler", [python, "-m", "onestop", "scheduler"]))
        return children

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop_requested = signum

    def _run(self, children: list[Child], *, bind: str, ready_timeout: float) -> Child | None:
        """Start the children and watch them. Returns the child that died, or None on a stop signal."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "onestop.settings"),
        }
        for child in children:
            if self._stop_requested is not None:
                return None
            # Each child leads its own process group: Ctrl-C in the terminal reaches only this
            # command, which then stops the children in order, and a whole gunicorn tree is one kill.
            child.process = subprocess.Popen(
                child.argv, env=env, process_group=0, preexec_fn=_die_with_parent
            )
            self.stdout.write(f"onestop up: {child.name} started (pid {child.process.pid})")
            self.stdout.flush()
        probe = _probe_url(bind)
        deadline = time.monotonic() + ready_timeout
        announced = probe is None
        if probe is None:
            self.stdout.write(f"onestop up: serving on {bind}")
        while self._stop_requested is None:
            for child in children:
                assert child.process is not None
                if child.process.poll() is not None:
                    self.stderr.write(
                        f"onestop up: the {child.name} exited with code {child.process.returncode}"
                    )
                    return child
            if not announced and probe is not None:
                announced = self._announce_when_ready(probe, deadline)
            time.sleep(POLL_SECONDS)
        return None

    def _announce_when_ready(self, probe: str, deadline: float) -> bool:
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code  # it answers; e.g. 400 when ALLOWED_HOSTS does not list the bind address
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                self.stderr.write(f"onestop up: no answer from {probe} yet; still waiting")
                return True
            return False
        url = probe.removesuffix("healthz")
        if status == 200:
            self.stdout.write(self.style.SUCCESS(f"OneStop is running at {url}  (Ctrl-C stops it)"))
        else:
            self.stdout.write(self.style.WARNING(f"OneStop answers at {url} but /healthz said {status}"))
        self.stdout.flush()
        return True

    def _stop(self, children: list[Child], *, grace: float) -> None:
        running = [c for c in children if c.process is not None and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                # The leader is not reaped yet, so its pid (the group id) cannot have been reused.
                self.stderr.write(f"onestop up: the {child.name} did not stop in {grace:g}s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
