"""Background job sending webhook deliveries (see ``onestop.cases.webhooks``).

Registered with the scheduler when ``cases/tasks.py`` is imported (it imports this module), so the
one scheduler enqueues it and any worker runs it; concurrent runs are safe because every attempt is
claimed by compare-and-set.
"""

from __future__ import annotations

from django_tasks import task

from onestop.cases.webhooks import deliver_due
from onestop.core.scheduling import register_periodic

#: Every 10 seconds: agencies' systems expect events within seconds, and an idle pass is one
#: indexed query.
DELIVER_EVERY_SECONDS = 10.0


@task()
def deliver_webhooks() -> int:
    """Send the due webhook deliveries; returns how many attempts were made."""
    return deliver_due().attempted


register_periodic(deliver_webhooks, DELIVER_EVERY_SECONDS)
