"""Back-office benchmarks on PostgreSQL (database ``onestop_bench_cases``), over 1,000,000 cases:

- ``cases.worklist``: an officer's worklist, the first page of 50 from the casecore selector
  ``onestop.cases.selectors.worklist`` evaluated in process (query + model instantiation, no HTTP),
  median and p95 at 1 and 16 concurrent users, each on its own connection. Targets: median <= 50 ms
  at 1 user and <= 150 ms at 16 (Open Zaak publishes 140–200 / 240–310 ms for its case list).
- ``cases.sla_sweep``: ``sla_sweep`` over the 1M cases, after putting the open cases' SLA marks back
  to "on track" (untimed), so every run has the same work. Target <= 0.5 s per sweep.
- ``cases.submit``: applications with three 0.4 MB PDF attachments through the services
  (``application_start``, ``application_add_service``, ``document_store`` ×3, ``application_submit``),
  per second and p95, from 4 worker threads. Target >= 20/s.

The 1M cases are generated once with ``INSERT … SELECT generate_series`` and the database is kept
(a ``bench_cases_marker`` table says it is complete), so later runs skip the minute of set-up. Drop
the database to regenerate.

    python -m bench cases
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.harness import bench_env, migrate, postgres_reachable, postgres_url, run_python, skip

POSTGRES_DATABASE = "onestop_bench_cases"
CASES = 1_000_000
AGENCIES = 20
SERVICES = 40
OFFICERS_PER_AGENCY = 10
OPEN_SHARE = 0.2  # of all cases, still open: 200,000 open cases, ~1,000 per officer
WORKLIST_TARGETS = {1: 50.0, 16: 150.0}
SWEEP_TARGET = 0.5
SUBMIT_TARGET = 20.0
SUBMISSIONS = 80
SUBMIT_THREADS = 4
ATTACHMENT_BYTES = 400_000


def main() -> int:
    started = time.monotonic()
    if reason := postgres_reachable():
        skip("cases  postgres", f"PostgreSQL is unreachable ({reason})")
        return 0
    var_dir = Path(tempfile.mkdtemp(prefix="onestop-bench-cases-"))
    env = bench_env(postgres_url(POSTGRES_DATABASE), var_dir)
    try:
        _ensure_database()
        migrate(env)
        out = run_python(env, "bench.bench_cases", "seed", timeout=600)
        print(out.strip().splitlines()[-1], flush=True)
        print(run_python(env, "bench.bench_cases", "measure", timeout=600).rstrip(), flush=True)
    except Exception:
        print("cases  postgres  FAILED:", flush=True)
        traceback.print_exc()
        return 1
    print(f"cases: {time.monotonic() - started:.1f}s", flush=True)
    return 0


def _ensure_database() -> None:
    """Keep a complete database (marker present); anything else, such as a run stopped half-way, is
    dropped and created again."""
    import psycopg
    from psycopg import sql

    from bench.harness import POSTGRES_ADMIN_URL

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [POSTGRES_DATABASE]).fetchone()
    if exists:
        with psycopg.connect(postgres_url(POSTGRES_DATABASE), autocommit=True) as conn:
            row = conn.execute("SELECT to_regclass('bench_cases_marker')").fetchone()
            if row is not None and row[0] is not None:
                return
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        name = sql.Identifier(POSTGRES_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


# --- child process: seeding -------------------------------------------------------------------


def seed() -> str:
    """Reference rows through the services, then 1M applications, items and cases by set-based SQL."""
    import django

    django.setup()
    from django.db import connection, transaction

    from onestop.catalog import services as catalog
    from onestop.catalog.models import Service
    from onestop.core.audit import SystemActor
    from onestop.demo.seeding import _fast_password_hashing
    from onestop.people import services as people
    from onestop.people.models import Role

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_cases_marker')")
        if cursor.fetchone()[0] is not None:
            return json.dumps({"reused": True, "cases": CASES})
    started = time.monotonic()
    actor = SystemActor("bench")
    with transaction.atomic(), _fast_password_hashing():
        evidence = [
            catalog.evidence_type_create(actor=actor, code=f"bench-upload-{n}", name={"en": f"Scan {n}"})
            for n in range(3)
        ]
        officers: list[list[int]] = []
        services: list[tuple[int, int]] = []
        for a in range(AGENCIES):
            agency = catalog.agency_create(
                actor=actor, code=f"bench-agency-{a}", name={"en": f"Agency {a}"}, level="national"
            )
            team = []
            for o in range(OFFICERS_PER_AGENCY):
                user = people.staff_create(
                    actor=actor,
                    username=f"bench-officer-{a}-{o}",
                    password="Qz7-Worklist-Load-91",
                    first_name="Dana",
                    last_name=f"Officer{a}x{o}",
                )
                people.role_grant(actor=actor, user=user, role=Role.OFFICER, agency=agency)
                team.append(user.pk)
            officers.append(team)
            for s in range(SERVICES // AGENCIES):
                service = catalog.service_create(
                    actor=actor,
                    identifier=f"bench-service-{a}-{s}",
                    name={"en": f"Service {a}-{s}"},
                    agency=agency,
                    statutory_time="P10D",
                    target_time="P5D",
                    channels=["counter", "online"],
                    evidence=[catalog.EvidenceRequirement(evidence_type=e, required=True) for e in evidence],
                    status="active",
                )
                services.append((service.pk, agency.pk))
        people.citizens_import(
            actor=actor,
            rows=[
                people.CitizenRow(
                    national_id=_national_id(n), given_name="Bench", family_name=f"Citizen{n}", patronymic="",
                    date_of_birth=_birth(n), sex="F", phone="", email="", preferred_language="en",
                )
                for n in range(2000)
            ],
        )  # fmt: skip
    assert Service.objects.count() == SERVICES
    service_ids = "ARRAY[" + ",".join(str(s) for s, _a in services) + "]"
    agency_ids = "ARRAY[" + ",".join(str(a) for _s, a in services) + "]"
    officer_ids = "ARRAY[" + ",".join(str(o) for team in officers for o in team) + "]"
    open_every = round(1 / OPEN_SHARE)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM people_citizen")
        low, high = cursor.fetchone()
        span = high - low + 1
        cursor.execute(
            f"""
            INSERT INTO cases_application (id, citizen_id, channel, status, tracking_number, created_at,
                updated_at, submitted_at, fee_total, fee_currency, token)
            SELECT g, {low} + g % {span}, CASE WHEN g % 3 = 0 THEN 'online' ELSE 'counter' END, 'submitted',
                'B' || g, s, s, s, 0, 'KZT', md5(g::text)::uuid
            FROM (SELECT g, now() - ((g % 365) || ' days')::interval - ((g % 480) || ' minutes')::interval AS s
                  FROM generate_series(1, {CASES}) g) t
            """
        )
        cursor.execute(
            f"""
            INSERT INTO cases_applicationitem (id, application_id, service_id, answers, fee_amount, fee_currency, exemption)
            SELECT g, g, ({service_ids})[1 + g % {SERVICES}], '{{}}', 0, 'KZT', '' FROM generate_series(1, {CASES}) g
            """
        )
        # Open cases are recent (the last 30 days); their deadlines spread around now, so the sweep
        # finds some at risk and some breached, as a live system would each minute.
        cursor.execute(
            f"""
            INSERT INTO cases_case (id, application_id, item_id, number, citizen_id, service_id, agency_id,
                assignee_id, status, submitted_at, statutory_due_at, target_due_at, sla_state, at_risk_at,
                decided_at, closed_at, version)
            SELECT g, g, g, 'B' || g || '-1', {low} + g % {span}, ({service_ids})[1 + g % {SERVICES}],
                ({agency_ids})[1 + g % {SERVICES}],
                ({officer_ids})[1 + (((g % {SERVICES}) / {SERVICES // AGENCIES}) * {OFFICERS_PER_AGENCY})
                                  + (g / {SERVICES}) % {OFFICERS_PER_AGENCY}],
                CASE WHEN g % {open_every} = 0
                     THEN (ARRAY['submitted','in_review','information_requested','resubmitted'])[1 + (g / {open_every}) % 4]
                     ELSE 'closed' END,
                sub, sub + interval '14 days', sub + interval '7 days', 'on_track', sub + interval '10.5 days',
                CASE WHEN g % {open_every} = 0 THEN NULL ELSE sub + interval '5 days' END,
                CASE WHEN g % {open_every} = 0 THEN NULL ELSE sub + interval '6 days' END,
                1
            FROM (SELECT g, CASE WHEN g % {open_every} = 0
                                 THEN now() - ((g % 43200) || ' minutes')::interval * 0.5 - interval '3 days'
                                 ELSE now() - ((g % 365) || ' days')::interval - interval '20 days' END AS sub
                  FROM generate_series(1, {CASES}) g) t
            """
        )
        for table in ("cases_application", "cases_applicationitem", "cases_case"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("CREATE TABLE bench_cases_marker (done_at timestamptz NOT NULL DEFAULT now())")
        cursor.execute("INSERT INTO bench_cases_marker DEFAULT VALUES")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    return json.dumps({"reused": False, "cases": CASES, "seconds": round(time.monotonic() - started, 1)})


def _birth(n: int):  # noqa: ANN202 -- a date; the child process imports nothing at module level
    from datetime import date, timedelta

    return date(1960, 1, 1) + timedelta(days=n * 7)


def _national_id(n: int) -> str:
    from onestop.core.national_ids import get_validator

    validator = get_validator("KZ")
    for serial in range(n * 3, n * 3 + 10_000):
        try:
            return validator.generate(birth_date=_birth(n), sex="F", serial=serial % 10_000)
        except ValueError:
            continue
    raise RuntimeError("no national ID")


# --- child process: measuring -----------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _worklist(users: int, rounds: int) -> list[float]:
    import threading

    from django.db import connection

    from onestop.cases.models import Case
    from onestop.cases.selectors import worklist
    from onestop.cases.workflow import OPEN_STATUSES
    from onestop.people.models import User

    # Officers of agencies whose services have open cases (the generator spreads open work unevenly).
    busy = (
        Case.objects.filter(status__in=OPEN_STATUSES, pk__lte=20_000).order_by().values("assignee").distinct()
    )
    officers = list(User.objects.filter(pk__in=busy).order_by("pk"))
    latencies: list[float] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        mine: list[float] = []
        for n in range(rounds):
            officer = officers[(index * 7 + n) % len(officers)]
            started = time.perf_counter()
            page = list(worklist(officer)[:50])
            mine.append((time.perf_counter() - started) * 1000)
            assert page, "the officer has open cases"
        with lock:
            latencies.extend(mine)
        connection.close()

    work(0)  # warm-up: imports, first connection
    latencies.clear()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def _sweep() -> tuple[float, int]:
    from django.db import connection

    from onestop.cases.services.sla import sla_sweep

    with connection.cursor() as cursor:
        # Same work on every run: the open cases' marks go back to "on track" (untimed).
        cursor.execute(
            "UPDATE cases_case SET sla_state = 'on_track', escalated_at = NULL WHERE sla_state <> 'on_track'"
        )
        cursor.execute("DELETE FROM cases_caseevent WHERE kind LIKE 'sla_%%'")
        cursor.execute("DELETE FROM notify_notification")
    started = time.perf_counter()
    result = sla_sweep()
    seconds = time.perf_counter() - started
    # A second sweep right after has nothing left to do: the steady-state cost of the minute job.
    return seconds, result.total


def _submissions() -> tuple[float, float, int, str]:
    import threading

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from onestop.cases.documents import document_store
    from onestop.cases.services.applications import (
        application_add_service,
        application_start,
        application_submit,
    )
    from onestop.catalog.models import Service
    from onestop.core.audit import SystemActor
    from onestop.people.models import Citizen

    actor = SystemActor("bench")
    service = Service.objects.prefetch_related("evidence_requirements").order_by("pk").first()
    assert service is not None
    evidence = [req.evidence_type for req in service.evidence_requirements.select_related("evidence_type")]
    citizens = list(Citizen.objects.order_by("pk")[:SUBMISSIONS])
    body = b"%PDF-1.7\n" + b"0" * (ATTACHMENT_BYTES - 16) + b"\n%%EOF\n"
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        for n in range(index, SUBMISSIONS, SUBMIT_THREADS):
            started = time.perf_counter()
            try:
                application = application_start(actor=actor, citizen=citizens[n], channel="online")
                application_add_service(actor=actor, application=application, service=service)
                for k, kind in enumerate(evidence[:3]):
                    upload = SimpleUploadedFile(f"scan-{k}.pdf", body, content_type="application/pdf")
                    document_store(
                        actor=actor, application=application, uploaded_file=upload, evidence_type=kind
                    )
                application_submit(actor=actor, application=application)
            except Exception as exc:  # a figure with errors is reported, not hidden
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(SUBMIT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    rate = len(latencies) / seconds if seconds else 0.0
    p95 = _percentile(latencies, 0.95) if latencies else 0.0
    return rate, p95, len(errors), errors[0] if errors else ""


def measure() -> str:
    import django

    django.setup()
    lines = []
    for users in (1, 16):
        try:
            latencies = _worklist(users, rounds=60 if users == 1 else 15)
        except Exception as exc:
            lines.append(f"cases.worklist  postgres  users={users}  FAILED: {type(exc).__name__}: {exc}")
            continue
        median, p95 = statistics.median(latencies), _percentile(latencies, 0.95)
        target = WORKLIST_TARGETS[users]
        verdict = "ok" if median <= target else f"ABOVE TARGET {target:g}ms"
        lines.append(
            f"cases.worklist  postgres  users={users}  median={median:.1f}ms p95={p95:.1f}ms  "
            f"(selector, first page of 50, 1M cases; target median <= {target:g}ms)  {verdict}"
        )
    try:
        seconds, changed = _sweep()
        verdict = "ok" if seconds <= SWEEP_TARGET else f"ABOVE TARGET {SWEEP_TARGET:g}s"
        lines.append(
            f"cases.sla_sweep  postgres  {seconds:.3f}s per sweep over {CASES:,} cases "
            f"({changed} marked; target <= {SWEEP_TARGET:g}s)  {verdict}"
        )
    except Exception as exc:
        lines.append(f"cases.sla_sweep  postgres  FAILED: {type(exc).__name__}: {exc}")
    try:
        rate, p95, errors, first = _submissions()
        verdict = "ok" if rate >= SUBMIT_TARGET else f"BELOW TARGET {SUBMIT_TARGET:g}/s"
        line = (
            f"cases.submit  postgres  threads={SUBMIT_THREADS}  {rate:.1f} submissions/s p95={p95:.0f}ms "
            f"(3 × 0.4 MB PDF through the services; target >= {SUBMIT_TARGET:g}/s)  {verdict}"
        )
        if errors:
            line += f"  errors={errors} ({first})"
        lines.append(line)
    except Exception as exc:
        lines.append(f"cases.submit  postgres  FAILED: {type(exc).__name__}: {exc}")
    return "\n".join(lines)


if __name__ == "__main__":
    step = sys.argv[1:2]
    if step == ["seed"]:
        print(seed())
    elif step == ["measure"]:
        print(measure())
    else:
        sys.exit(main())
