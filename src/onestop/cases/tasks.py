"""Background jobs of the back office: the SLA sweep and the retry of evidence fetches here,
webhook delivery in :mod:`onestop.cases.webhook_tasks` (imported so that the scheduler's discovery
of ``tasks`` modules registers it too)."""

from __future__ import annotations

from django_tasks import task

from onestop.cases import webhook_tasks
from onestop.cases.services.evidence import evidence_retry_due
from onestop.cases.services.sla import sla_sweep
from onestop.core.scheduling import register_periodic

#: Every minute: at-risk and breach marks are read by officers and heads through the day, and an
#: idle sweep is two indexed queries.
SLA_SWEEP_EVERY_SECONDS = 60.0
#: Every 30 seconds: the shortest back-off is a minute, so an item is retried at most half a
#: minute late; an idle run is one query on a partial index.
EVIDENCE_RETRY_EVERY_SECONDS = 30.0


@task()
def sweep_sla() -> int:
    """Mark cases at risk or breached and escalate breaches; returns how many cases changed."""
    return sla_sweep().total


@task()
def retry_evidence_fetches() -> int:
    """Fetch again the evidence items whose registry was unavailable and whose back-off is over;
    returns how many were tried."""
    return evidence_retry_due()


register_periodic(sweep_sla, SLA_SWEEP_EVERY_SECONDS)
register_periodic(retry_evidence_fetches, EVIDENCE_RETRY_EVERY_SECONDS)

__all__ = ["retry_evidence_fetches", "sweep_sla", "webhook_tasks"]
