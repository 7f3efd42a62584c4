"""Background jobs of the back office: the SLA sweep here, webhook delivery in
:mod:`onestop.cases.webhook_tasks` (imported so that the scheduler's discovery of ``tasks`` modules
registers it too)."""

from __future__ import annotations

from django_tasks import task

from onestop.cases import webhook_tasks
from onestop.cases.services.sla import sla_sweep
from onestop.core.scheduling import register_periodic

#: Every minute: at-risk and breach marks are read by officers and heads through the day, and an
#: idle sweep is two indexed queries.
SLA_SWEEP_EVERY_SECONDS = 60.0


@task()
def sweep_sla() -> int:
    """Mark cases at risk or breached and escalate breaches; returns how many cases changed."""
    return sla_sweep().total


register_periodic(sweep_sla, SLA_SWEEP_EVERY_SECONDS)

__all__ = ["sweep_sla", "webhook_tasks"]
