"""Data exchange benchmark: what the X-Road-style exchange adds to a registry look-up, and how many
exchanges per second the loopback HTTP path carries with logging on.

For each database (a temporary SQLite file; PostgreSQL database ``onestop_bench_exchange`` when
reachable), with a small directory (the civil registry's ``person-v1`` service, a passport office's
back office with a right for ``service-delivery``) and 200 citizens, each with an open application
that the purpose binding accepts:

* ``exchange.inprocess``: the same person look-up as a direct call of the registry function and as a
  full exchange through the in-process transport (client message and signature, provider checks:
  directory, signature, right, purpose, open matter; the registry call; the log INSERT). Prints
  p50/p95 of both and the added milliseconds. Target: p95 overhead <= 5 ms.
* ``exchange.http``: the same over loopback HTTP to a gunicorn server (2 workers x 4 threads):
  one client, sequential calls. Target: p95 overhead <= 10 ms.
* ``exchange.throughput``: 16 client threads for a few seconds over loopback HTTP, logging on at
  both ends, a sealer process sealing the log every second as the scheduler does. Prints
  exchanges/s (target >= 200/s), its ratio to a trivial Django view at the same concurrency on the
  same server, p50/p95, and the sealing lag p95 (sealed_at - started_at) of the entries written.

    python -m bench exchange
    ONESTOP_BENCH_BACKENDS=sqlite .venv/bin/python -m bench.bench_exchange
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

SUBJECTS = 200
INPROCESS_CALLS = 1500
HTTP_CALLS = 600
THROUGHPUT_SECONDS = 8.0
THROUGHPUT_THREADS = 16
PG_DATABASE = os.environ.get("ONESTOP_BENCH_EXCHANGE_DATABASE", "onestop_bench_exchange")
CLIENT = "DEV/GOV/MIGRATION-SERVICE/back-office"
SERVICE = "DEV/GOV/CIVREG/civil-registry/person-v1"


def main() -> int:
    from bench.harness import (
        PYTHON,
        REPO,
        backends,
        gunicorn_server,
        load,
        migrate,
        postgres_reachable,
        report,
        run_python,
        skip,
        temporary_database,
    )

    started = time.monotonic()
    failed = False
    seed_key = base64.b64encode(secrets.token_bytes(32)).decode()  # a throw-away deployment key
    for backend in backends():
        if backend == "postgres" and (reason := postgres_reachable()):
            skip("exchange  postgres", f"PostgreSQL is unreachable ({reason})")
            continue
        try:
            with temporary_database(backend, postgres_name=PG_DATABASE, ONESTOP_SIGNING_KEY=seed_key) as env:
                migrate(env)
                subjects_file = Path(env["ONESTOP_VAR_DIR"]) / "subjects.json"
                run_python(env, "bench.bench_exchange", "seed", str(subjects_file), timeout=300)
                print(
                    run_python(
                        env, "bench.bench_exchange", "inprocess", backend, str(subjects_file)
                    ).rstrip(),
                    flush=True,
                )
                with gunicorn_server(env, workers=2, threads=4) as base_url:
                    print(
                        run_python(
                            env, "bench.bench_exchange", "http", backend, str(subjects_file), base_url
                        ).rstrip(),
                        flush=True,
                    )
                    baseline = load(
                        base_url + "/bench/baseline", requests=3000, concurrency=16, max_seconds=6
                    )
                    report(baseline, name="exchange.baseline(trivial view)", backend=backend)
                    sealer = subprocess.Popen(
                        [PYTHON, "-m", "bench.bench_exchange", "sealer"],
                        env=dict(env),
                        cwd=REPO,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    try:
                        print(
                            run_python(
                                env,
                                "bench.bench_exchange",
                                "throughput",
                                backend,
                                str(subjects_file),
                                base_url,
                                f"{baseline.rps:.3f}",
                                timeout=180,
                            ).rstrip(),
                            flush=True,
                        )
                    finally:
                        sealer.terminate()
                        sealer.wait(timeout=10)
        except Exception:  # one backend failing must not hide the other's figures
            print(f"exchange  {backend}  FAILED:", flush=True)
            traceback.print_exc()
            failed = True
    print(f"exchange: {time.monotonic() - started:.1f}s", flush=True)
    return 1 if failed else 0


# --- child processes (Django configured for one database) --------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _birth(n: int):  # noqa: ANN202 -- a date
    from datetime import date, timedelta

    return date(1960, 1, 1) + timedelta(days=n * 37)


def _national_id(n: int) -> str:
    from onestop.core.national_ids import get_validator

    validator = get_validator("KZ")
    for serial in range(n * 3, n * 3 + 10_000):
        try:
            return validator.generate(birth_date=_birth(n), sex="M", serial=serial % 10_000)
        except ValueError:
            continue
    raise RuntimeError("no national ID")


def seed(subjects_file: str) -> None:
    """The directory through its services, the registry's records, and an open application per
    citizen (its tracking number is the X-Road-Issue the purpose binding checks)."""
    import django

    django.setup()
    from django.db import transaction

    from onestop.cases.services import application_start
    from onestop.catalog import services as catalog
    from onestop.core.audit import SystemActor
    from onestop.exchange import services as exchange
    from onestop.exchange.models import RegistryRecord
    from onestop.people import services as people
    from onestop.people.models import Citizen

    actor = SystemActor("bench")
    with transaction.atomic():
        registry_agency = catalog.agency_create(
            actor=actor, code="civil-registry", name={"en": "Civil Registry"}, level="national"
        )
        passport_agency = catalog.agency_create(
            actor=actor, code="migration-service", name={"en": "Migration Service"}, level="national"
        )
        purpose = exchange.purpose_define(
            actor=actor,
            code="service-delivery",
            name={"en": "Delivering a service the person applied for"},
            legal_basis="Law on Public Services (once-only)",
        )
        registry = exchange.member_register(
            actor=actor,
            subsystem="DEV/GOV/CIVREG/civil-registry",
            name="Civil registry",
            agency=registry_agency,
        )
        service = exchange.data_service_register(
            actor=actor,
            provider=registry,
            service_code="person-v1",
            name={"en": "Person"},
            handler="civil-registry.person",
        )
        client = exchange.member_register(
            actor=actor, subsystem=CLIENT, name="Migration service back office", agency=passport_agency
        )
        exchange.access_right_grant(actor=actor, client=client, service=service, purposes=[purpose])
        # The evidence is not mapped to the exchange here, so starting the applications below does
        # not fetch anything: the benchmark's exchanges are the only ones in the log.
        passport = catalog.service_create(
            actor=actor,
            identifier="passport-renewal",
            name={"en": "Renew a passport"},
            agency=passport_agency,
            statutory_time="P10D",
            channels=["counter", "online"],
            status="active",
        )
        people.citizens_import(
            actor=actor,
            rows=[
                people.CitizenRow(
                    national_id=_national_id(n),
                    given_name="Bench",
                    family_name=f"Citizen{n}",
                    date_of_birth=_birth(n),
                    sex="M",
                )
                for n in range(SUBJECTS)
            ],
        )
    RegistryRecord.objects.bulk_create(
        RegistryRecord(
            registry="civil-registry",
            kind="person",
            subject=c.national_id,
            data={
                "national_id": c.national_id,
                "given_name": c.given_name,
                "family_name": c.family_name,
                "sex": c.sex,
                "date_of_birth": c.date_of_birth.isoformat(),
                "citizenship": "KZ",
                "status": "alive",
            },
        )
        for c in Citizen.objects.all()
    )
    pairs = []
    for citizen in Citizen.objects.order_by("pk"):
        application = application_start(actor=actor, citizen=citizen, channel="counter", services=[passport])
        pairs.append((citizen.national_id, application.tracking_number))
    Path(subjects_file).write_text(json.dumps(pairs))


def _subjects(subjects_file: str) -> list[tuple[str, str]]:
    return [tuple(pair) for pair in json.loads(Path(subjects_file).read_text())]  # type: ignore[misc]


def _timed_direct(subjects: list[tuple[str, str]], n: int) -> list[float]:
    from onestop.exchange.registries import RegistryRequest, call

    out = []
    for i in range(n):
        subject, _issue = subjects[i % len(subjects)]
        started = time.perf_counter()
        response = call("civil-registry.person", RegistryRequest(subject=subject))
        out.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response
    return out


def _timed_exchange(subjects: list[tuple[str, str]], n: int) -> list[float]:
    from onestop.exchange.client import exchange_call

    out = []
    for i in range(n):
        subject, issue = subjects[i % len(subjects)]
        started = time.perf_counter()
        result = exchange_call(
            client=CLIENT, service=SERVICE, subject=subject, issue=issue, user_id="KZ-STAFF-1"
        )
        out.append((time.perf_counter() - started) * 1000)
        assert result.status == 200, result
    return out


def _overhead_line(
    name: str, backend: str, direct: list[float], exchanged: list[float], target: float
) -> str:
    added50 = _pct(exchanged, 0.5) - _pct(direct, 0.5)
    added95 = _pct(exchanged, 0.95) - _pct(direct, 0.95)
    verdict = "ok" if added95 <= target else f"ABOVE TARGET {target:g}ms"
    return (
        f"{name}  {backend}  n={len(exchanged)}  direct p50={_pct(direct, 0.5):.2f}ms p95={_pct(direct, 0.95):.2f}ms  "
        f"exchange p50={_pct(exchanged, 0.5):.2f}ms p95={_pct(exchanged, 0.95):.2f}ms  "
        f"added p50={added50:.2f}ms p95={added95:.2f}ms  (ratio {(_pct(direct, 0.5) / _pct(exchanged, 0.5)):.3f})  "
        f"{verdict}"
    )


def inprocess(backend: str, subjects_file: str) -> None:
    import django

    django.setup()
    subjects = _subjects(subjects_file)
    _timed_direct(subjects, 100)  # warm-up: imports, connection, directory snapshot
    _timed_exchange(subjects, 100)
    direct: list[float] = []
    exchanged: list[float] = []
    for _round in range(3):  # interleaved rounds, so machine noise hits both sides alike
        direct += _timed_direct(subjects, INPROCESS_CALLS // 3)
        exchanged += _timed_exchange(subjects, INPROCESS_CALLS // 3)
    print(_overhead_line("exchange.inprocess", backend, direct, exchanged, 5.0))


def _point_at(base_url: str) -> None:
    from onestop.core.audit import SystemActor
    from onestop.exchange import directory
    from onestop.exchange import services as exchange
    from onestop.exchange.models import DataService

    service = DataService.objects.get(identifier=SERVICE)
    exchange.data_service_update(actor=SystemActor("bench"), service=service, endpoint_url=base_url)
    directory.reset()


def http(backend: str, subjects_file: str, base_url: str) -> None:
    import django

    django.setup()
    _point_at(base_url)
    subjects = _subjects(subjects_file)
    _timed_direct(subjects, 100)
    _timed_exchange(subjects, 100)
    direct: list[float] = []
    exchanged: list[float] = []
    for _round in range(3):
        direct += _timed_direct(subjects, HTTP_CALLS // 3)
        exchanged += _timed_exchange(subjects, HTTP_CALLS // 3)
    print(_overhead_line("exchange.http", backend, direct, exchanged, 10.0))


def throughput(backend: str, subjects_file: str, base_url: str, baseline_rps: str) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from onestop.exchange.client import ExchangeError, exchange_call
    from onestop.exchange.models import ExchangeLogEntry

    _point_at(base_url)
    subjects = _subjects(subjects_file)
    _timed_exchange(subjects, 50)
    window_start = timezone.now()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + THROUGHPUT_SECONDS

    def worker(offset: int) -> None:
        mine: list[float] = []
        i = offset
        while time.monotonic() < stop_at:
            subject, issue = subjects[i % len(subjects)]
            i += THROUGHPUT_THREADS
            started = time.perf_counter()
            try:
                exchange_call(
                    client=CLIENT, service=SERVICE, subject=subject, issue=issue, user_id="KZ-STAFF-1"
                )
            except ExchangeError as exc:
                with lock:
                    errors.append(str(exc))
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THROUGHPUT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    rate = len(latencies) / seconds
    ratio = rate / float(baseline_rps) if float(baseline_rps) else 0.0
    verdict = "ok" if rate >= 200 else "BELOW TARGET 200/s"
    line = (
        f"exchange.throughput  {backend}  c={THROUGHPUT_THREADS}  exchanges/s={rate:.0f} "
        f"(ratio {ratio:.2f} vs trivial view {float(baseline_rps):.0f} req/s)  "
        f"p50={_pct(latencies, 0.5):.1f}ms p95={_pct(latencies, 0.95):.1f}ms  n={len(latencies)}  {verdict}"
    )
    if errors:
        line += f"  errors={len(errors)} ({errors[0]})"
    print(line, flush=True)
    # Sealing lag of the entries written under load (both sides' rows), once the sealer caught up.
    written = ExchangeLogEntry.objects.filter(started_at__gte=window_start)
    deadline = time.monotonic() + 30
    while written.filter(seq__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    lags = [
        (row.sealed_at - row.started_at).total_seconds()
        for row in written.filter(seq__isnull=False)
        .annotate(lag_base=F("started_at"))
        .only("sealed_at", "started_at")
    ]
    unsealed = written.filter(seq__isnull=True).count()
    print(
        f"exchange.sealing_lag  {backend}  entries={len(lags)}  p50={_pct(lags, 0.5):.2f}s  "
        f"p95={_pct(lags, 0.95):.2f}s  max={max(lags, default=0):.2f}s  unsealed_after_30s={unsealed}",
        flush=True,
    )


def sealer() -> None:
    """Seal the exchange log every second, as ``onestop scheduler`` does, until terminated."""
    import django

    django.setup()
    from onestop.exchange.sealing import exchange_log_seal

    while True:
        exchange_log_seal()
        time.sleep(1.0)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"seed": seed, "inprocess": inprocess, "http": http, "throughput": throughput, "sealer": sealer}[command](
        *args
    )
