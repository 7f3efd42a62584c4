"""Reads of centres shared by the portal, the desk, kiosks and boards."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from onestop.catalog.models import Service
from onestop.centres.models import Centre


def centre_by_code(code: str) -> Centre:
    """The centre with this code (codes are upper case; the lookup forgives lower case in URLs).
    Raises ``Centre.DoesNotExist``."""
    return Centre.objects.select_related("region").get(code=code.upper())


def centres_offering(service: Service) -> QuerySet[Centre]:
    """Centres open to the public that offer ``service``, with their opening hours prefetched."""
    return (
        Centre.objects.filter(is_active=True, services=service)
        .select_related("region")
        .prefetch_related("opening_hours")
        .order_by("code")
    )


def open_now(centre: Centre, at: datetime | None = None) -> bool:
    """Whether the centre is open at ``at`` (default: now), by its weekly opening hours in the
    deployment's time zone. A centre closed to the public is never open."""
    if not centre.is_active:
        return False
    local = timezone.localtime(at or timezone.now())
    moment, weekday = local.time(), local.weekday()
    # Iterating .all() uses prefetched hours when the caller prefetched them (lists of centres).
    return any(h.weekday == weekday and h.opens <= moment < h.closes for h in centre.opening_hours.all())
