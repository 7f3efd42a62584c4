"""Background jobs of the kernel."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from onestop.core.scheduling import register_periodic
from onestop.core.sealing import audit_seal


@task()
def seal_audit_trail() -> int:
    """Chain the audit events committed since the last run; returns how many were sealed."""
    return audit_seal()


def _seal_interval() -> float:
    return float(settings.ONESTOP_AUDIT_SEAL_INTERVAL)


register_periodic(seal_audit_trail, _seal_interval)
