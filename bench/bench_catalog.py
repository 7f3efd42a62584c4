"""Catalogue list benchmark: ``GET /api/v1/services/`` against a minimal Django JSON view.

For each database (a temporary SQLite file; PostgreSQL database ``onestop_bench`` when reachable)
it migrates an empty database, seeds a realistic catalogue of ~150 active services (reference data
through the catalogue's service functions, the services themselves in bulk), starts gunicorn (2 workers x 4 threads, as ``onestop up``) and
loads both URLs at concurrency 8 over loopback. The figure is the list's requests/s as a ratio of
the baseline's on the same server in the same run; the target is >= 0.5.

    python -m bench catalog
    ONESTOP_BENCH_BACKENDS=sqlite python -m bench catalog
"""

from __future__ import annotations

import sys
import time
import traceback
from typing import TYPE_CHECKING, Any

from bench.harness import (
    LoadResult,
    gunicorn_server,
    load,
    migrate,
    postgres_reachable,
    ratio,
    report,
    run_python,
    skip,
    temporary_database,
)
from bench.harness import backends as selected_backends

if TYPE_CHECKING:
    from django.db.models import Model

SERVICES = 150
CONCURRENCY = 8
REQUESTS_PER_ROUND = 200
ROUND_SECONDS = 5.0  # a slow list stops early; its figures cover what it did
ROUNDS = 2  # interleaved baseline/list rounds; the best of each counts (shared, noisy machines)
TARGET = 0.5
LIST_URL = "/api/v1/services/"
BASELINE_URL = "/bench/baseline"


def main() -> int:
    started = time.monotonic()
    failed = False
    for backend in selected_backends():
        if backend == "postgres" and (reason := postgres_reachable()):
            skip("catalog.list  postgres", f"PostgreSQL is unreachable ({reason})")
            continue
        try:
            failed |= not run_backend(backend)
        except Exception:  # one backend failing must not hide the other's figures
            print(f"catalog.list  {backend}  FAILED:", flush=True)
            traceback.print_exc()
            failed = True
    print(f"catalog: {time.monotonic() - started:.1f}s", flush=True)
    return 1 if failed else 0


def run_backend(backend: str) -> bool:
    with temporary_database(backend) as env:
        setup = time.monotonic()
        migrate(env)
        seeded = run_python(env, "bench.bench_catalog", "seed", str(SERVICES)).strip()
        print(f"catalog.setup  {backend}  {seeded} in {time.monotonic() - setup:.1f}s", flush=True)
        with gunicorn_server(env, workers=2, threads=4) as base_url:
            baselines: list[LoadResult] = []
            lists: list[LoadResult] = []
            for _ in range(ROUNDS):
                baselines.append(
                    load(base_url + BASELINE_URL, requests=REQUESTS_PER_ROUND, concurrency=CONCURRENCY)
                )
                lists.append(
                    load(
                        base_url + LIST_URL,
                        requests=REQUESTS_PER_ROUND,
                        concurrency=CONCURRENCY,
                        max_seconds=ROUND_SECONDS,
                    )
                )
    baseline = max(baselines, key=lambda r: r.rps)
    measured = max(lists, key=lambda r: r.rps)
    report(baseline, name="bench.baseline", backend=backend)
    ratio(measured, baseline, name="catalog.list", backend=backend, target=TARGET)
    errors = sum(r.errors for r in baselines + lists)
    return errors == 0 and measured.requests > 0


def seed(count: int) -> str:
    """Create the catalogue in the database named by DATABASE_URL (run in a child process)."""
    import django

    django.setup()
    from decimal import Decimal

    from django.db import transaction

    from onestop.catalog import services as catalog
    from onestop.catalog.models import Fee, FeeExemption, Service, ServiceChannel, ServiceEvidence
    from onestop.core.audit import SystemActor

    actor = SystemActor("bench")
    with transaction.atomic():
        agencies = [
            catalog.agency_create(
                actor=actor,
                code=f"agency-{n}",
                name={"en": f"Ministry {n}", "ru": f"Министерство {n}", "kk": f"Министрлік {n}"},
                level="national",
            )
            for n in range(12)
        ]
        events = [
            catalog.life_event_create(
                actor=actor,
                code=f"event-{n}",
                name={"en": f"Life event {n}", "ru": f"Событие {n}", "kk": f"Оқиға {n}"},
                audience="business" if n % 4 == 0 else "person",
                position=n,
            )
            for n in range(15)
        ]
        evidence = [
            catalog.evidence_type_create(
                actor=actor,
                code=f"evidence-{n}",
                name={"en": f"Document {n}", "ru": f"Документ {n}"},
                exchange_service=f"GOV/7000000{n % 10}/registry/doc-{n}" if n % 2 else "",
            )
            for n in range(20)
        ]
        outputs = [
            catalog.output_create(
                actor=actor, code=f"output-{n}", name={"en": f"Certificate {n}"}, kind="certificate"
            )
            for n in range(10)
        ]
        laws = [
            catalog.legal_resource_create(
                actor=actor, code=f"law-{n}", title={"en": f"Law No. {n}"}, url=f"https://laws.example/{n}"
            )
            for n in range(10)
        ]
        # 150 service_create() calls take ~10 s (validation, audit, one query per relation); the
        # list being measured only reads, so the services themselves are bulk-created.
        services = Service.objects.bulk_create(
            [
                Service(
                    identifier=f"service-{n:03d}",
                    name=f"Public service {n}",
                    name_en=f"Public service {n}",
                    name_ru=f"Государственная услуга {n}",
                    name_kk=f"Мемлекеттік қызмет {n}",
                    description=f"What service {n} does, who may apply and what they receive.",
                    description_en=f"What service {n} does, who may apply and what they receive.",
                    keywords=f"service {n}, certificate, registration",
                    keywords_en=f"service {n}, certificate, registration",
                    agency=agencies[n % len(agencies)],
                    statutory_time=f"P{5 + n % 20}D",
                    target_time=f"P{2 + n % 5}D",
                    popularity=10_000 - n,
                    status=Service.Status.ACTIVE,
                )
                for n in range(count)
            ]
        )
        if any(service.pk is None for service in services):  # backends without RETURNING ids
            services = list(Service.objects.order_by("identifier"))
        _bulk_link(
            Service.life_events.through,
            [
                {"service": service, "lifeevent": event}
                for n, service in enumerate(services)
                for event in {events[n % len(events)], events[(n * 7) % len(events)]}
            ],
        )
        _bulk_link(
            Service.outputs.through,
            [{"service": s, "output": outputs[n % len(outputs)]} for n, s in enumerate(services)],
        )
        _bulk_link(
            Service.legal_resources.through,
            [{"service": s, "legalresource": laws[n % len(laws)]} for n, s in enumerate(services)],
        )
        ServiceChannel.objects.bulk_create(
            [
                ServiceChannel(service=s, kind=kind)
                for n, s in enumerate(services)
                for kind in (["counter", "online"] if n % 3 else ["counter"])
            ]
        )
        ServiceEvidence.objects.bulk_create(
            [
                ServiceEvidence(
                    service=s, evidence_type=evidence[(n + k) % len(evidence)], required=k == 0, position=k
                )
                for n, s in enumerate(services)
                for k in (0, 1)
            ]
        )
        fees = Fee.objects.bulk_create(
            [
                Fee(
                    service=s,
                    label="State duty",
                    label_en="State duty",
                    amount=Decimal(1000 + 37 * n),
                    currency="KZT",
                )
                for n, s in enumerate(services)
                if n % 2
            ]
        )
        if any(fee.pk is None for fee in fees):
            fees = list(Fee.objects.order_by("id"))
        FeeExemption.objects.bulk_create(
            [
                FeeExemption(
                    fee=fee,
                    group="disability",
                    description="People with disabilities",
                    description_en="People with disabilities",
                    discount_percent=100,
                )
                for fee in fees
            ]
        )
    return f"seeded {count} services"


def _bulk_link(through: type[Model], rows: list[dict[str, Any]]) -> None:
    """Many-to-many rows in one INSERT, through Django's auto-created link model."""
    through._default_manager.bulk_create([through(**row) for row in rows])


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        print(seed(int(sys.argv[2]) if len(sys.argv) > 2 else SERVICES))
    else:
        sys.exit(main())
