"""Background jobs of the front office."""

from __future__ import annotations

from django_tasks import task

from onestop.core.scheduling import register_periodic
from onestop.queueing.services.dayclose import day_close_due

#: Every 5 minutes: closing times differ between centres, and a late close only delays figures.
DAY_CLOSE_EVERY_SECONDS = 300.0


@task()
def close_finished_days() -> int:
    """Close, as not served, the tickets left open when each centre's day ended."""
    return day_close_due()


register_periodic(close_finished_days, DAY_CLOSE_EVERY_SECONDS)
