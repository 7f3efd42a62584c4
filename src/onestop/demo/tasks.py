"""Background job of the demo: the live queue (see ``onestop.demo.live``).

It is registered with the scheduler only when ``ONESTOP_DEMO_LIVE`` is on (``make demo`` sets it), so
a real deployment's scheduler never even enqueues it; and the job itself refuses to act unless the
setting is on, the deployment is not production and the database carries the demo seed's marker.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from onestop.core.scheduling import register_periodic
from onestop.demo.live import live_step
from onestop.demo.seeding import is_demo_database

LIVE_EVERY_SECONDS = 3.0


def demo_live_allowed() -> bool:
    """Is the live demo on, outside production, on a database filled by ``seed_demo``?"""
    return bool(settings.ONESTOP_DEMO_LIVE) and not settings.PRODUCTION and is_demo_database()


@task()
def demo_live_step() -> int:
    """Move the demo's queues one step; returns how many ticket actions were taken (0 when off)."""
    if not demo_live_allowed():
        return 0
    # No enclosing transaction: each service commits on its own, so boards see each call at once
    # and the web requests never wait behind a whole step.
    return live_step().actions


if settings.ONESTOP_DEMO_LIVE:
    register_periodic(demo_live_step, LIVE_EVERY_SECONDS)
