"""Reads of the catalogue shared by the portal, the desk, the API and the exports.

Lists come prefetched (agency, channels, life events, fees) so that rendering a page of services costs
a fixed number of queries, whatever its length.
"""

from __future__ import annotations

import hashlib
import re

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from onestop.catalog.models import Agency, LifeEvent, Service, ServiceEvidence
from onestop.core.i18n import content_languages
from onestop.core.models import AuditEvent

SEARCHED_FIELDS = ("name", "keywords", "description")


def _word_lookup() -> str:
    # SQLite's LIKE and LOWER() fold ASCII only, so "паспорт" would not find "Паспорт". Django's SQLite
    # backend evaluates REGEXP with Python's re, which folds case across all of Unicode; PostgreSQL's
    # ILIKE already does, and is the lookup its trigram indexes can serve.
    return "icontains" if connection.vendor == "postgresql" else "iregex"


def search_condition(query: str) -> Q:
    """Every word of ``query`` must appear (any case) in the name, keywords or description of the
    service, in any content language."""
    lookup = _word_lookup()
    condition = Q()
    for word in query.split():
        value = word if lookup == "icontains" else re.escape(word)
        any_field = Q()
        for field in SEARCHED_FIELDS:
            for lang in content_languages():
                any_field |= Q(**{f"{field}_{lang}__{lookup}": value})
        condition &= any_field
    return condition


def service_list_queryset() -> QuerySet[Service]:
    """Active services with what a list shows, prefetched."""
    return (
        Service.objects.filter(status=Service.Status.ACTIVE)
        .select_related("agency")
        .prefetch_related("channels", "life_events", "fees__exemptions")
    )


def service_search(
    *,
    query: str = "",
    agency: Agency | None = None,
    life_event: LifeEvent | None = None,
    channel: str = "",
    centre_code: str = "",
) -> QuerySet[Service]:
    """Active services matching every given criterion, most popular first."""
    qs = service_list_queryset()
    if query.strip():
        qs = qs.filter(search_condition(query))
    if agency is not None:
        qs = qs.filter(agency=agency)
    if life_event is not None:
        qs = qs.filter(life_events=life_event)
    if channel:
        qs = qs.filter(channels__kind=channel)
    if centre_code:
        # Reverse side of centres.Centre.services; catalog must not import the centres app.
        qs = qs.filter(centres__code=centre_code)
    return qs.order_by("-popularity", "identifier")


def service_for_page(identifier: str) -> Service:
    """One active service with everything its page shows. Raises ``Service.DoesNotExist``."""
    return (
        Service.objects.filter(status=Service.Status.ACTIVE)
        .select_related("agency")
        .prefetch_related(
            "channels",
            "life_events",
            "outputs",
            "legal_resources",
            "fees__exemptions",
            Prefetch(
                "evidence_requirements",
                queryset=ServiceEvidence.objects.select_related("evidence_type"),
            ),
        )
        .get(identifier=identifier)
    )


def _active_services() -> Q:
    return Q(services__status=Service.Status.ACTIVE)


def life_events_with_counts() -> QuerySet[LifeEvent]:
    """Every life event, annotated ``service_count``: how many active services it groups."""
    return LifeEvent.objects.annotate(service_count=Count("services", filter=_active_services())).order_by(
        "position", "code"
    )


def agencies_with_counts() -> QuerySet[Agency]:
    """Every agency, annotated ``service_count``: how many active services it is competent for."""
    return (
        Agency.objects.select_related("region", "parent")
        .annotate(service_count=Count("services", filter=_active_services()))
        .order_by("name", "code")
    )


# Changes to these tables alter the export even when no service row changes.
_CATALOGUE_TARGETS = [
    "catalog.agency",
    "catalog.lifeevent",
    "catalog.evidencetype",
    "catalog.output",
    "catalog.legalresource",
    "catalog.service",
    "catalog.servicechannel",
    "catalog.serviceevidence",
    "catalog.fee",
    "catalog.feeexemption",
    "core.region",
    "centres.centre",  # which centres offer a service (the API's centre filter)
]


def catalogue_version() -> str:
    """A short fingerprint of the public catalogue's state, cheap to compute (one query).

    Caches of catalogue reads (the API, the CPSV-AP export) put it in their keys, so any change —
    a service edited or published, an agency renamed, a fee changed — makes old entries unreachable."""
    # One round trip of plain SQL: this runs on every cached API read, where the ORM's own
    # overhead for two aggregates cost more than the queries themselves.
    placeholders = ", ".join(["%s"] * len(_CATALOGUE_TARGETS))
    service_table = Service._meta.db_table
    audit_table = AuditEvent._meta.db_table
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {service_table}),"
        f" (SELECT COUNT(*) FROM {service_table} WHERE status = %s),"
        f" (SELECT MAX(updated_at) FROM {service_table}),"
        f" (SELECT MAX(id) FROM {audit_table} WHERE target_type IN ({placeholders}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Service.Status.ACTIVE.value, *_CATALOGUE_TARGETS])
        row = cursor.fetchone()
    raw = ":".join(str(value) for value in row)
    return hashlib.sha256(raw.encode()).hexdigest()[:20]
