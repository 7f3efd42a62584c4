"""Back-office benchmarks on PostgreSQL (database ``onestop_bench_cases``), over 1,000,000 cases:

- ``cases.worklist``: an officer's worklist, the first page of 50 from the selector
  ``onestop.cases.selectors.worklist`` evaluated in process (the role check, the page query and
  model instantiation; no HTTP, no template), in the order and with the filters the office
  worklist page uses. Median and p95 at 1 user, and at 16 concurrent users spread over
  **4 processes × 4 threads**, each user on its own connection, asking back to back (no think time).
  Why 4 × 4: the web tier runs gunicorn, whose guideline is 2-4 workers per core (this machine has
  2), and ``onestop up`` runs each worker with 4 threads; 16 threads in one process would measure
  Python's GIL (one core for everything), 16 single-threaded processes would be a deployment nobody
  runs on 2 cores. Threads inside a worker still share its GIL, as they do in production. On 2 cores
  16 back-to-back users queue for the CPU, so the 16-user median is about 8 × the CPU time of one
  request. Targets: median <= 50 ms at 1 user and <= 150 ms at 16 (Open Zaak publishes 140–200 /
  240–310 ms for its case list).
- ``cases.sla_sweep``, two figures, both over the full 1M-row table:
  - *steady state* (the target, <= 0.5 s): the per-minute job as it runs in production. The open
    cases are first put (untimed, then VACUUM ANALYZE, as autovacuum would) in the SLA states the
    sweep one minute before ``T0`` left; then ten sweeps run at ``T0``, ``T0`` + 1 min, … each
    marking the cases that crossed a threshold in its minute (the seed spreads submissions, so
    about 7 cases cross each threshold per minute). Median and slowest sweep.
  - *catch-up* (no target; context): every open case reset to "on track" (untimed), then two sweeps
    of up to 2 × 5,000 marks each (each mark an event, and a notification to the assignee, and for
    a breach to the agency head), reported as marks per second.
- ``cases.submit``: applications with three 0.4 MB PDF attachments through the services
  (``application_start``, ``application_add_service``, ``document_store`` ×3, ``application_submit``),
  per second and p95, from 4 processes at once (web workers: one connection each, no shared
  interpreter lock), from their common start to the last finish. Target >= 20/s.

The 1M cases are generated once with ``INSERT … SELECT generate_series`` and the database is kept
(a ``bench_cases_marker`` table says it is complete, which seed version and when it was seeded:
``T0``, the "now" the data was generated around), so later runs skip the minutes of set-up. A kept
database of another seed version is dropped and generated again; drop it yourself to regenerate.

    python -m bench cases          # the first run seeds for about 6 minutes: add --timeout 900
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench.harness import bench_env, migrate, postgres_reachable, postgres_url, run_python, skip

POSTGRES_DATABASE = "onestop_bench_cases"
#: Bump when the generated data changes: a kept database of another version is generated again.
SEED_VERSION = 2
CASES = 1_000_000
AGENCIES = 20
SERVICES = 40
OFFICERS_PER_AGENCY = 10
# Of all cases, still open: 200,000, about 1,000 per officer. Open cases come in blocks of
# SERVICES × OFFICERS_PER_AGENCY consecutive ids, so every service and every officer has them.
OPEN_SHARE = 0.2
OPEN_BLOCK = SERVICES * OFFICERS_PER_AGENCY
# Open cases were submitted between 3 and 18 days before T0, spread to the second; their statutory
# deadline is 14 days after submission and they are at risk after 10.5 days (75 %).
OPEN_SPREAD_SECONDS = 15 * 24 * 3600
WORKLIST_TARGETS = {1: 50.0, 16: 150.0}
WORKLIST_LAYOUT = {1: (1, 1), 16: (4, 4)}  # users: (processes, threads per process)
WORKLIST_REQUESTS = {1: 100, 16: 320}
SWEEP_TARGET = 0.5
STEADY_MINUTES = 10
CATCH_UP_SWEEPS = 2
SUBMIT_TARGET = 20.0
SUBMISSIONS = 80
SUBMIT_PROCESSES = 4  # web workers submitting at once, one connection each
PLAIN_CREATES = 500  # per process, for the submissions' baseline
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
        out = run_python(env, "bench.bench_cases", "seed", timeout=900)
        print(out.strip().splitlines()[-1], flush=True)
        print(run_python(env, "bench.bench_cases", "measure", timeout=900).rstrip(), flush=True)
    except Exception:
        print("cases  postgres  FAILED:", flush=True)
        traceback.print_exc()
        return 1
    print(f"cases: {time.monotonic() - started:.1f}s", flush=True)
    return 0


def _seed_version(conn: Any) -> int | None:
    """The kept database's seed version: None when it is incomplete, 1 for the marker without one."""
    if conn.execute("SELECT to_regclass('bench_cases_marker')").fetchone()[0] is None:
        return None
    versioned = conn.execute(
        "SELECT 1 FROM information_schema.columns"
        " WHERE table_name = 'bench_cases_marker' AND column_name = 'seed_version'"
    ).fetchone()
    if versioned is None:
        return 1
    row = conn.execute("SELECT max(seed_version) FROM bench_cases_marker").fetchone()
    return None if row is None else row[0]


def _ensure_database() -> None:
    """Keep a complete database of this seed version (marker present); anything else, such as a run
    stopped half-way or data generated by an older version of this file, is dropped and created again."""
    import psycopg
    from psycopg import sql

    from bench.harness import POSTGRES_ADMIN_URL

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [POSTGRES_DATABASE]).fetchone()
    if exists:
        with psycopg.connect(postgres_url(POSTGRES_DATABASE), autocommit=True) as conn:
            if _seed_version(conn) == SEED_VERSION:
                return
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        name = sql.Identifier(POSTGRES_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


# --- child process: seeding -------------------------------------------------------------------


def seed() -> str:
    """Reference rows through the services (agencies with ten officers and a head each, services,
    citizens), then 1M applications, items and cases by set-based SQL, then VACUUM ANALYZE."""
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
            # The head a breach escalates to (a notification each, as in production).
            head = people.staff_create(
                actor=actor,
                username=f"bench-head-{a}",
                password="Qz7-Worklist-Load-91",
                first_name="Aru",
                last_name=f"Head{a}",
            )
            people.role_grant(actor=actor, user=head, role=Role.AGENCY_HEAD, agency=agency)
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
    # now() is the transaction's start: the moment T0 every timestamp below is generated around,
    # recorded in the marker (same transaction) for the sweep benchmark.
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
        # Open cases: a block of OPEN_BLOCK ids in every `open_every` (every service and officer has
        # some), in the four open statuses in turn, submitted at a pseudo-random second between 3
        # and 18 days before T0 (a multiplicative hash of the id spreads them evenly), so each minute
        # around T0 some of them cross their at-risk moment and some their statutory deadline, as in a
        # live system. The clock of a case waiting for the citizen stopped two days after submission.
        # Closed cases: the last year, decided within a week.
        cursor.execute(
            f"""
            INSERT INTO cases_case (id, application_id, item_id, number, citizen_id, service_id, agency_id,
                assignee_id, status, submitted_at, statutory_due_at, target_due_at, clock_stopped_at,
                sla_state, at_risk_at, decided_at, closed_at, version)
            SELECT g, g, g, 'B' || g || '-1', {low} + g % {span}, ({service_ids})[1 + g % {SERVICES}],
                ({agency_ids})[1 + g % {SERVICES}],
                ({officer_ids})[1 + (((g % {SERVICES}) / {SERVICES // AGENCIES}) * {OFFICERS_PER_AGENCY})
                                  + (g / {SERVICES}) % {OFFICERS_PER_AGENCY}],
                st, sub, sub + interval '14 days', sub + interval '7 days',
                CASE WHEN st = 'information_requested' THEN sub + interval '2 days' END,
                'on_track', sub + interval '10.5 days',
                CASE WHEN st = 'closed' THEN sub + interval '5 days' END,
                CASE WHEN st = 'closed' THEN sub + interval '6 days' END,
                1
            FROM (SELECT g, st,
                         CASE WHEN st <> 'closed'
                              THEN now() - interval '3 days'
                                   - ((g::bigint * 2654435761) % {OPEN_SPREAD_SECONDS}) * interval '1 second'
                              ELSE now() - ((g % 365) || ' days')::interval - interval '20 days' END AS sub
                  FROM (SELECT g, CASE WHEN (g / {OPEN_BLOCK}) % {open_every} = 0
                                       THEN (ARRAY['submitted','in_review','information_requested','resubmitted'])
                                            [1 + (g + g / {OPEN_BLOCK}) % 4]
                                       ELSE 'closed' END AS st
                        FROM generate_series(1, {CASES}) g) s) t
            """
        )
        for table in ("cases_application", "cases_applicationitem", "cases_case"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute(
            "CREATE TABLE bench_cases_marker (done_at timestamptz NOT NULL DEFAULT now(), seed_version int NOT NULL)"
        )
        cursor.execute("INSERT INTO bench_cases_marker (seed_version) VALUES (%s)", [SEED_VERSION])
    with connection.cursor() as cursor:
        # Statistics and the visibility map, as autovacuum would have them on a live database.
        cursor.execute("VACUUM ANALYZE")
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


def _worklist(users: int, *, plain: bool = False) -> tuple[list[float], list[float]]:
    """Latencies (ms) of ``users`` concurrent users spread over processes (WORKLIST_LAYOUT), each
    on its own connection, asking back to back for the first page of 50 of an officer's worklist,
    and the Python CPU time (ms) of each request (meaningful with one thread per process).
    All users start together, after two untimed requests each (connection, caches). With ``plain``,
    the baseline in the same layout: the first 50 cases of the table by primary key, no filter, no
    scope, no ordering work (the cheapest page of 50 the ORM can read from this table)."""
    import multiprocessing

    from django.db import connections

    from onestop.cases.models import Case
    from onestop.cases.workflow import OPEN_STATUSES
    from onestop.people.models import User

    processes, threads = WORKLIST_LAYOUT[users]
    per_user = WORKLIST_REQUESTS[users] // users
    busy = (
        Case.objects.filter(status__in=OPEN_STATUSES, pk__lte=20_000).order_by().values("assignee").distinct()
    )
    officers = list(User.objects.filter(pk__in=busy).order_by("pk"))
    assert officers, "no officer with open cases"
    connections.close_all()  # the children open their own; none is shared across fork()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes * threads, timeout=300)
    results = context.Queue()
    children = [
        context.Process(
            target=_worklist_process,
            args=(p, threads, per_user, officers, barrier, results, plain),
            daemon=True,
        )
        for p in range(processes)
    ]
    for child in children:
        child.start()
    latencies: list[float] = []
    cpu: list[float] = []
    errors: list[str] = []
    for _child in children:
        mine, mine_cpu, failed = results.get(timeout=600)
        latencies.extend(mine)
        cpu.extend(mine_cpu)
        errors.extend(failed)
    for child in children:
        child.join(timeout=60)
    if errors:
        raise RuntimeError(f"{len(errors)} worklist user(s) failed: {errors[0]}")
    return latencies, cpu


def _worklist_process(
    index: int, threads: int, per_user: int, officers: list[Any], barrier: Any, results: Any, plain: bool
) -> None:
    """One web worker: ``threads`` users, each with its own connection."""
    import threading

    from django.db import connection

    from onestop.cases.models import Case
    from onestop.cases.selectors import worklist

    def page(officer: Any) -> list[Any]:
        if plain:
            return list(Case.objects.order_by("pk")[:50])
        return list(worklist(officer)[:50])

    latencies: list[float] = []
    cpu: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def user(number: int) -> None:
        mine: list[float] = []
        mine_cpu: list[float] = []
        try:
            picks = [officers[(number * 7 + n) % len(officers)] for n in range(per_user + 2)]
            for officer in picks[:2]:
                page(officer)
            barrier.wait()
            for officer in picks[2:]:
                started, started_cpu = time.perf_counter(), time.process_time()
                rows = page(officer)
                mine.append((time.perf_counter() - started) * 1000)
                mine_cpu.append((time.process_time() - started_cpu) * 1000)
                assert len(rows) == 50, "the officer has a full first page"
        except Exception as exc:  # reported by the parent, never hidden
            barrier.abort()
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
        finally:
            connection.close()
        with lock:
            latencies.extend(mine)
            cpu.extend(mine_cpu)

    workers = [threading.Thread(target=user, args=(index * threads + t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((latencies, cpu, errors))


def _seeded_at() -> Any:
    """T0: the moment the data was generated around (see seed())."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT done_at FROM bench_cases_marker")
        return cursor.fetchone()[0]


def _sla_states_as_of(moment: Any, *, reset: bool = False) -> int:
    """Untimed set-up: put every case whose clock runs in the SLA state the per-minute sweep had
    left them in at ``moment`` (or, with ``reset``, back to "on track"), touching only the rows
    whose state differs; clear the earlier runs' SLA events and notifications; then VACUUM ANALYZE
    the case table, as autovacuum would, so the timed sweeps do not wade through this set-up's
    dead index entries. Returns how many cases changed."""
    from django.db import connection

    from onestop.cases.models import CLOCK_RUNNING

    state = (
        "'on_track'"
        if reset
        else "CASE WHEN statutory_due_at <= %(at)s THEN 'breached'"
        " WHEN at_risk_at <= %(at)s THEN 'at_risk' ELSE 'on_track' END"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE cases_case SET sla_state = s.state,
                escalated_at = CASE WHEN s.state = 'breached' THEN cases_case.statutory_due_at END
            FROM (SELECT id, {state} AS state FROM cases_case WHERE status = ANY(%(running)s)) s
            WHERE cases_case.id = s.id AND cases_case.sla_state <> s.state
            """,
            {"at": moment, "running": list(CLOCK_RUNNING)},
        )
        changed = cursor.rowcount
        cursor.execute("DELETE FROM cases_caseevent WHERE kind LIKE 'sla_%%'")
        cursor.execute("DELETE FROM notify_notification")
        cursor.execute("VACUUM ANALYZE cases_case")
    return changed


def _one_row_update() -> list[float]:
    """The sweep's baseline: seconds to set one case's SLA state through the ORM (autocommit), the
    cost of marking a single case by hand, 200 times."""
    from django.db.models import F

    from onestop.cases.models import Case

    pks = list(Case.objects.order_by("pk").values_list("pk", flat=True)[:200])
    seconds: list[float] = []
    for pk in pks:
        started = time.perf_counter()
        Case.objects.filter(pk=pk).update(sla_state=F("sla_state"))
        seconds.append(time.perf_counter() - started)
    return seconds


def _sweep_steady() -> tuple[list[float], list[int]]:
    """The per-minute job: STEADY_MINUTES sweeps one minute apart from T0, the first one minute
    after the state it finds. Seconds and cases marked per sweep."""
    from datetime import timedelta

    from onestop.cases.services.sla import sla_sweep

    t0 = _seeded_at()
    _sla_states_as_of(t0 - timedelta(minutes=1))
    seconds: list[float] = []
    marked: list[int] = []
    for minute in range(STEADY_MINUTES):
        started = time.perf_counter()
        result = sla_sweep(at=t0 + timedelta(minutes=minute))
        seconds.append(time.perf_counter() - started)
        marked.append(result.total)
    return seconds, marked


def _sweep_catch_up() -> tuple[float, int, int]:
    """After every open case was reset to "on track": CATCH_UP_SWEEPS sweeps at T0, each up to two
    batches of 5,000. Seconds, cases marked, and how many cases the reset put back."""
    from onestop.cases.services.sla import sla_sweep

    t0 = _seeded_at()
    reset = _sla_states_as_of(t0, reset=True)
    seconds = 0.0
    marked = 0
    for _ in range(CATCH_UP_SWEEPS):
        started = time.perf_counter()
        marked += sla_sweep(at=t0).total
        seconds += time.perf_counter() - started
    return seconds, marked, reset


def _submissions(*, plain: bool = False) -> tuple[float, float, int, str]:
    """Submissions/s and p95 (ms) from SUBMIT_PROCESSES processes at once, as web workers would run
    them (one connection each, no shared interpreter lock), and the errors. The rate counts from the
    common start to the last finish. With ``plain``, the baseline in the same processes: a minimal
    create (one INSERT of one row in a transaction, as the front office's ``bench.create`` view),
    PLAIN_CREATES per process."""
    import multiprocessing

    from django.db import connections

    from onestop.catalog.models import Service
    from onestop.people.models import Citizen

    service = Service.objects.prefetch_related("evidence_requirements").order_by("pk").first()
    assert service is not None
    citizens = list(Citizen.objects.order_by("pk").values_list("pk", flat=True)[:SUBMISSIONS])
    if plain:  # made once, before the workers start (concurrent CREATE TABLE IF NOT EXISTS can fail)
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_cases_row (id bigserial PRIMARY KEY, at timestamptz)"
            )
    connections.close_all()  # the children open their own; none is shared across fork()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(SUBMIT_PROCESSES, timeout=300)
    results = context.Queue()
    children = [
        context.Process(
            target=_plain_create_process if plain else _submission_process,
            args=(service.pk, citizens[index::SUBMIT_PROCESSES], barrier, results),
            daemon=True,
        )
        for index in range(SUBMIT_PROCESSES)
    ]
    for child in children:
        child.start()
    latencies: list[float] = []
    errors: list[str] = []
    first_start, last_end = float("inf"), 0.0
    for _child in children:
        mine, failed, began, ended = results.get(timeout=600)
        latencies.extend(mine)
        errors.extend(failed)
        first_start, last_end = min(first_start, began), max(last_end, ended)
    for child in children:
        child.join(timeout=60)
    seconds = last_end - first_start
    rate = len(latencies) / seconds if seconds > 0 else 0.0
    p95 = _percentile(latencies, 0.95) if latencies else 0.0
    return rate, p95, len(errors), errors[0] if errors else ""


def _plain_create_process(_service_pk: int, _citizen_pks: list[int], barrier: Any, results: Any) -> None:
    """The submissions' baseline: one web worker making PLAIN_CREATES minimal creates."""
    from django.db import connection, transaction
    from django.utils import timezone

    latencies: list[float] = []
    barrier.wait()
    began = time.time()
    for _ in range(PLAIN_CREATES):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_cases_row (at) VALUES (%s)", [timezone.now()])
        latencies.append((time.perf_counter() - started) * 1000)
    ended = time.time()
    connection.close()
    results.put((latencies, [], began, ended))


def _submission_process(service_pk: int, citizen_pks: list[int], barrier: Any, results: Any) -> None:
    """One web worker submitting, one after the other, an application for each citizen."""
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
    service = Service.objects.get(pk=service_pk)
    evidence = [req.evidence_type for req in service.evidence_requirements.select_related("evidence_type")]
    citizens = list(Citizen.objects.filter(pk__in=citizen_pks).order_by("pk"))
    body = b"%PDF-1.7\n" + b"0" * (ATTACHMENT_BYTES - 16) + b"\n%%EOF\n"
    latencies: list[float] = []
    errors: list[str] = []
    barrier.wait()
    began = time.time()
    for citizen in citizens:
        started = time.perf_counter()
        try:
            application = application_start(actor=actor, citizen=citizen, channel="online")
            application_add_service(actor=actor, application=application, service=service)
            for k, kind in enumerate(evidence[:3]):
                upload = SimpleUploadedFile(f"scan-{k}.pdf", body, content_type="application/pdf")
                document_store(actor=actor, application=application, uploaded_file=upload, evidence_type=kind)
            application_submit(actor=actor, application=application)
        except Exception as exc:  # a figure with errors is reported, not hidden
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    ended = time.time()
    connection.close()
    results.put((latencies, errors, began, ended))


def measure() -> str:
    import os

    import django

    django.setup()
    # Context for the worklist figures: on 2 shared cores, other work queues with these users.
    lines = [f"cases  load average {os.getloadavg()[0]:.1f} before the worklist runs ({os.cpu_count()} CPUs)"]
    for users in (1, 16):
        processes, threads = WORKLIST_LAYOUT[users]
        try:
            baseline, _cpu = _worklist(users, plain=True)
            latencies, cpu = _worklist(users)
        except Exception as exc:
            lines.append(f"cases.worklist  postgres  users={users}  FAILED: {type(exc).__name__}: {exc}")
            continue
        median, p95 = statistics.median(latencies), _percentile(latencies, 0.95)
        plain = statistics.median(baseline)
        target = WORKLIST_TARGETS[users]
        verdict = "ok" if median <= target else f"ABOVE TARGET {target:g}ms"
        lines.append(
            f"bench.plain_page  postgres  users={users}  median={plain:.1f}ms"
            f" p95={_percentile(baseline, 0.95):.1f}ms  (50 cases by primary key, same layout)"
        )
        lines.append(
            f"cases.worklist  postgres  users={users} ({processes} process{'es' if processes > 1 else ''}"
            f" × {threads} thread{'s' if threads > 1 else ''})  median={median:.1f}ms p95={p95:.1f}ms"
            f" (ratio {plain / median:.2f} vs the plain page)"
            f"  n={len(latencies)}  (selector, first page of 50, 1M cases; target median <= {target:g}ms)"
            f"  {verdict}"
            + (f"  [Python CPU per request: median {statistics.median(cpu):.1f}ms]" if threads == 1 else "")
        )
    try:
        one_row = _one_row_update()
        lines.append(
            f"bench.one_row_update  postgres  median={statistics.median(one_row) * 1000:.2f}ms"
            f" p95={_percentile(one_row, 0.95) * 1000:.2f}ms  (one case's SLA state set through the ORM)"
        )
        seconds, marked = _sweep_steady()
        median = statistics.median(seconds)
        verdict = "ok" if median <= SWEEP_TARGET else f"ABOVE TARGET {SWEEP_TARGET:g}s"
        lines.append(
            f"cases.sla_sweep  postgres  steady state: median={median:.3f}s"
            f" p95={_percentile(seconds, 0.95):.3f}s max={max(seconds):.3f}s per"
            f" minute's sweep over {CASES:,} cases (= {median / statistics.median(one_row):.0f} one-row updates;"
            f" {STEADY_MINUTES} sweeps a minute apart, marking"
            f" {min(marked)}-{max(marked)} cases each; target <= {SWEEP_TARGET:g}s)  {verdict}"
        )
    except Exception as exc:
        lines.append(f"cases.sla_sweep  postgres  steady state  FAILED: {type(exc).__name__}: {exc}")
    try:
        seconds, marked, reset = _sweep_catch_up()
        rate = marked / seconds if seconds else 0.0
        lines.append(
            f"cases.sla_sweep  postgres  catch-up: {rate:,.0f} marks/s ({marked:,} cases marked in"
            f" {CATCH_UP_SWEEPS} sweeps, {seconds:.2f}s, after resetting {reset:,} cases to on track;"
            f" each mark an event and 1-2 notifications; no target)"
        )
    except Exception as exc:
        lines.append(f"cases.sla_sweep  postgres  catch-up  FAILED: {type(exc).__name__}: {exc}")
    try:
        base_rate, base_p95, _errors, _first = _submissions(plain=True)
        lines.append(
            f"bench.create  postgres  processes={SUBMIT_PROCESSES}  {base_rate:.0f} creates/s p95={base_p95:.1f}ms"
            "  (one INSERT in a transaction, same processes)"
        )
        rate, p95, errors, first = _submissions()
        verdict = "ok" if rate >= SUBMIT_TARGET else f"BELOW TARGET {SUBMIT_TARGET:g}/s"
        line = (
            f"cases.submit  postgres  processes={SUBMIT_PROCESSES}  {rate:.1f} submissions/s p95={p95:.0f}ms "
            f"(ratio {rate / base_rate:.3f} vs the minimal create; 3 × 0.4 MB PDF through the services;"
            f" target >= {SUBMIT_TARGET:g}/s)  {verdict}"
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
