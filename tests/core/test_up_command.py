"""``onestop up`` as an operator runs it: against a fresh SQLite database, it answers /healthz, stops
every child on Ctrl-C and exits 0, and stops everything and fails loudly when one child dies."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive:
            return []
        time.sleep(0.2)
    return [pid for pid in pids if _alive(pid)]


@dataclass
class Up:
    process: subprocess.Popen[str]
    port: int
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def read_until(self, pattern: str, seconds: float = STARTUP_SECONDS) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r}; output so far:\n{''.join(self.seen)}")

    def children(self) -> dict[str, int]:
        found = {}
        for line in self.seen:
            if match := re.search(r"onestop up: (.+) started \(pid (\d+)\)", line):
                found[match.group(1)] = int(match.group(2))
        return found

    def rest_of_output(self, seconds: float = 5) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.seen.append(self.lines.get(timeout=0.2))
            except queue.Empty:
                if self.process.poll() is not None:
                    break
        return "".join(self.seen)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A throwaway deployment directory with a migrated SQLite database."""
    root: Path = tmp_path_factory.mktemp("up")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "DATABASE_URL": f"sqlite:///{root / 'onestop.sqlite3'}",
        "ONESTOP_VAR_DIR": str(root),
        "ONESTOP_STATIC_ROOT": str(root / "static"),
        "ONESTOP_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([sys.executable, "-m", "onestop", "migrate", "-v0"], env=env, check=True, timeout=300)
    return env


@pytest.fixture
def up(site: dict[str, str]) -> Iterator[Up]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "onestop",
            "up",
            "--bind",
            f"127.0.0.1:{port}",
            "--web-workers",
            "1",
            "--threads",
            "2",
        ],
        env=site,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = Up(process=process, port=port)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            running.lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    yield running
    # Leave nothing behind even when the test failed half-way: only the processes this test started.
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid in running.children().values():
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_up_serves_healthz_and_ctrl_c_stops_every_child(up: Up) -> None:
    match = up.read_until(r"OneStop is running at (http://\S+)")
    assert match.group(1) == f"http://127.0.0.1:{up.port}/"
    with urllib.request.urlopen(f"http://127.0.0.1:{up.port}/healthz", timeout=10) as response:
        assert response.status == 200
    children = up.children()
    assert {"web server", "task worker"} <= set(children)
    assert all(_alive(pid) for pid in children.values())

    up.process.send_signal(signal.SIGINT)

    assert up.process.wait(timeout=30) == 0
    assert _wait_gone(list(children.values())) == []
    assert "onestop up: stopped" in up.rest_of_output()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{up.port}/healthz", timeout=2)


def test_up_stops_everything_and_fails_naming_the_child_that_died(up: Up) -> None:
    up.read_until(r"OneStop is running at")
    children = up.children()

    os.kill(children["task worker"], signal.SIGKILL)

    assert up.process.wait(timeout=30) != 0
    output = up.rest_of_output()
    assert "the task worker exited" in output
    assert _wait_gone(list(children.values())) == []
