"""Shared tools for the benchmarks in ``bench/``: a throw-away database, a real gunicorn server on a
free port, a bounded load generator and the one-line ratio report.

Benchmarks report ratios against a baseline measured in the same run on the same server, because
these machines are shared and noisy: an absolute req/s means little, "the catalogue list serves at
0.6 of a trivial Django view" is comparable from run to run.

Typical use in a ``bench/bench_<name>.py``::

    with temporary_database("sqlite") as env:
        migrate(env)
        with gunicorn_server(env) as base_url:
            baseline = load(base_url + "/bench/baseline", requests=400, concurrency=8)
            measured = load(base_url + "/api/v1/services/", requests=400, concurrency=8)
    ratio(measured, baseline, name="catalog.list", backend="sqlite")
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES_ADMIN_URL = os.environ.get(
    "ONESTOP_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


# --- environment and databases ----------------------------------------------------------------


def bench_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for every process of one benchmark: its own database and var/ directory, the
    bench URLconf (which adds the baseline view), development mode and quiet logs."""
    pythonpath = os.pathsep.join(
        p for p in (str(REPO), str(REPO / "src"), os.environ.get("PYTHONPATH", "")) if p
    )
    env = {
        **os.environ,
        "PYTHONPATH": pythonpath,
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "DATABASE_URL": database_url,
        "ONESTOP_ENV": "development",
        "ONESTOP_DEBUG": "false",
        "ONESTOP_VAR_DIR": str(var_dir),
        "ONESTOP_URLCONF": "bench.urls_bench",
        "ONESTOP_LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def postgres_url(database: str) -> str:
    parts = urllib.parse.urlsplit(POSTGRES_ADMIN_URL)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database))


def postgres_reachable(timeout: float = 3.0) -> str | None:
    """None when PostgreSQL answers, else the reason it does not (for the skip line)."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=int(max(1, timeout))):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _recreate_postgres_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_postgres_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def temporary_database(
    backend: str, *, postgres_name: str = "onestop_bench", **extra_env: str
) -> Iterator[dict[str, str]]:
    """Yield the environment of a fresh, empty database: a SQLite file in a temporary directory, or
    the PostgreSQL database ``postgres_name`` dropped and created again (and dropped afterwards).
    Check :func:`postgres_reachable` first to skip PostgreSQL cleanly."""
    var_dir = Path(tempfile.mkdtemp(prefix=f"onestop-bench-{backend}-"))
    try:
        if backend == "sqlite":
            yield bench_env(f"sqlite:///{var_dir / 'bench.sqlite3'}", var_dir, **extra_env)
        elif backend == "postgres":
            _recreate_postgres_database(postgres_name)
            try:
                yield bench_env(postgres_url(postgres_name), var_dir, **extra_env)
            finally:
                with contextlib.suppress(Exception):
                    _drop_postgres_database(postgres_name)
        else:
            raise ValueError(f"unknown backend {backend!r}: use 'sqlite' or 'postgres'")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def manage(env: Mapping[str, str], *args: str, timeout: float = 120.0) -> None:
    """Run ``onestop <args>`` in a child process with the benchmark's environment; raise on failure
    with its output, so a broken migration shows why."""
    result = subprocess.run(
        [PYTHON, "-m", "onestop", *args],
        env=dict(env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"onestop {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


def migrate(env: Mapping[str, str]) -> None:
    manage(env, "migrate", "--noinput")


def run_python(env: Mapping[str, str], module: str, *args: str, timeout: float = 120.0) -> str:
    """Run ``python -m <module> <args>`` (e.g. a bench's seeding step, which needs Django set up
    against this benchmark's database) and return its standard output."""
    result = subprocess.run(
        [PYTHON, "-m", module, *args],
        env=dict(env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"python -m {module} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result.stdout


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn_server(
    env: Mapping[str, str],
    *,
    workers: int = 2,
    threads: int = 4,
    ready_path: str = "/healthz",
    ready_timeout: float = 30.0,
) -> Iterator[str]:
    """Run gunicorn (as ``onestop up`` does) on a free loopback port; yield its base URL once
    ``ready_path`` answers 200, and stop the whole process group on exit."""
    port = free_port()
    argv = [
        PYTHON, "-m", "gunicorn", "onestop.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--graceful-timeout", "5",
        "--log-level", "warning",
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            argv, env=dict(env), cwd=REPO, stdout=log, stderr=subprocess.STDOUT, process_group=0
        )
        try:
            _wait_ready(process, base_url + ready_path, ready_timeout, log)
            yield base_url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str, timeout: float, log: object) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}:\n{_read_log(log)}")
        try:
            status, _ = _get_once(url, timeout=2.0)
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:g}s ({last}):\n{_read_log(log)}")


def _read_log(log: object) -> str:
    if not hasattr(log, "seek") or not hasattr(log, "read"):
        return ""
    log.seek(0)
    return log.read().decode(errors="replace")[-4000:]


def _get_once(url: str, timeout: float) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- the load generator -----------------------------------------------------------------------


@dataclass
class LoadResult:
    url: str
    concurrency: int
    requests: int  # completed with the expected status
    errors: int  # wrong status, timeouts, broken connections
    seconds: float
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        """Latency at quantile ``q`` (0–1) in milliseconds, nearest-rank; 0 with no samples."""
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
        return ordered[index]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p95(self) -> float:
        return self.percentile(0.95)


def load(
    url: str,
    *,
    requests: int = 400,
    concurrency: int = 8,
    max_seconds: float = 20.0,
    warmup: int = 16,
    expect_status: int = 200,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> LoadResult:
    """Issue ``requests`` GETs to ``url`` from ``concurrency`` threads, each on its own keep-alive
    connection, and time them. Stops by itself after ``requests`` or ``max_seconds``, whichever
    comes first (the figures then cover what was done). ``warmup`` requests run first, untimed, so
    lazy imports and connection set-up in the workers do not count."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    send_headers = {"Accept": "application/json", **(headers or {})}

    for _ in range(warmup):
        with contextlib.suppress(OSError):
            _get_once(url, timeout=timeout)

    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    errors = 0
    first_error = ""
    deadline = time.monotonic() + max_seconds

    def take_ticket() -> bool:
        nonlocal issued
        with lock:
            if issued >= requests or time.monotonic() > deadline:
                return False
            issued += 1
            return True

    def record(latency_ms: float | None, error: str = "") -> None:
        nonlocal errors, first_error
        with lock:
            if latency_ms is not None:
                latencies.append(latency_ms)
            else:
                errors += 1
                first_error = first_error or error

    def worker() -> None:
        conn: http.client.HTTPConnection | None = None
        while take_ticket():
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            started = time.perf_counter()
            try:
                conn.request("GET", target, headers=send_headers)
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status == expect_status:
                    record(elapsed)
                else:
                    record(None, f"HTTP {response.status}")
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                record(None, f"{type(exc).__name__}: {exc}")
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + max_seconds)
    seconds = time.perf_counter() - started
    return LoadResult(
        url=url,
        concurrency=concurrency,
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        latencies_ms=latencies,
        first_error=first_error,
    )


# --- reporting --------------------------------------------------------------------------------


def ratio(
    measured: LoadResult,
    baseline: LoadResult,
    *,
    name: str,
    backend: str,
    target: float | None = None,
) -> float:
    """Print one line comparing ``measured`` with ``baseline`` and return the req/s ratio.

    ``catalog.list  sqlite  c=8  req/s=412 (ratio 0.63 vs baseline 654)  p50=11.2ms p95=19.8ms``

    With ``target``, the line ends in ``ok`` or ``BELOW TARGET 0.5``; errors are always shown.
    """
    value = measured.rps / baseline.rps if baseline.rps > 0 else 0.0
    line = (
        f"{name}  {backend}  c={measured.concurrency}  req/s={measured.rps:.0f} "
        f"(ratio {value:.2f} vs baseline {baseline.rps:.0f})  p50={measured.p50:.1f}ms p95={measured.p95:.1f}ms"
    )
    if measured.errors or baseline.errors:
        line += (
            f"  errors={measured.errors}/{baseline.errors} ({measured.first_error or baseline.first_error})"
        )
    if target is not None:
        line += "  ok" if value >= target else f"  BELOW TARGET {target:g}"
    print(line, flush=True)
    return value


def report(result: LoadResult, *, name: str, backend: str) -> None:
    """Print one line for a figure with no ratio (the baseline itself, for instance)."""
    line = (
        f"{name}  {backend}  c={result.concurrency}  req/s={result.rps:.0f}  "
        f"p50={result.p50:.1f}ms p95={result.p95:.1f}ms  n={result.requests}"
    )
    if result.errors:
        line += f"  errors={result.errors} ({result.first_error})"
    print(line, flush=True)


def skip(name: str, reason: str) -> None:
    print(f"{name}  SKIPPED: {reason}", flush=True)


def backends(requested: Sequence[str] | None = None) -> list[str]:
    """The database backends to run: ``ONESTOP_BENCH_BACKENDS`` (comma-separated) or both."""
    if requested:
        return list(requested)
    raw = os.environ.get("ONESTOP_BENCH_BACKENDS", "sqlite,postgres")
    return [b.strip() for b in raw.split(",") if b.strip()]
