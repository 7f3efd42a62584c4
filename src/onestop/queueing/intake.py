"""What issuing a ticket at a centre needs to know, kept in memory for a few seconds.

Every kiosk press asks the same questions: is this centre open, which queue has this prefix, does
the centre offer these services, does the queue handle them. The answers change when an
administrator edits the centre, its queues or the catalogue, which is rare; asking the database
three times per ticket is not. So each web process keeps a snapshot per centre:

- for at most ``ONESTOP_QUEUE_CONFIG_CACHE_SECONDS`` (default 5; ``0`` reads the database every
  time), the same bound the device-token check uses: a change made in another process reaches this
  one within that time;
- dropped at once in this process when a centre, queue or service is saved or deleted, or the
  services of a centre or queue change (model signals, again when the transaction commits).

The snapshot holds model instances; callers treat them as read-only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from onestop.catalog.models import Service
from onestop.centres.models import Centre
from onestop.queueing.models import Queue


@dataclass(frozen=True)
class Intake:
    """One centre's ticket-issuing configuration at the moment it was read."""

    centre: Centre
    #: Open queues by prefix.
    queues: Mapping[str, Queue]
    #: Service ids each queue (open or not) handles; an empty set means "whatever the centre offers".
    queue_services: Mapping[int, frozenset[int]]
    #: Services the centre offers, by identifier.
    services: Mapping[str, Service]
    #: Their ids.
    offered: frozenset[int]

    def handles(self, queue: Queue, service_id: int) -> bool:
        listed = self.queue_services.get(queue.pk, frozenset())
        return not listed or service_id in listed


_lock = threading.Lock()
#: Per thread (each has its own connection): whether its open transaction changed the configuration.
_pending = threading.local()
_generation = 0
_snapshots: dict[str, tuple[float, int, Intake]] = {}


def _ttl() -> float:
    return float(getattr(settings, "ONESTOP_QUEUE_CONFIG_CACHE_SECONDS", 5.0))


def centre_intake(code: str) -> Intake | None:
    """The issuing configuration of the centre with ``code`` (active or not), or None if there is
    no such centre."""
    ttl = _ttl()
    now = time.monotonic()
    if ttl > 0:
        kept = _snapshots.get(code)
        if kept is not None and kept[1] == _generation and now - kept[0] < ttl:
            return kept[2]
    in_transaction = connection.in_atomic_block
    if not in_transaction:
        _pending.changed = False  # whatever this thread's last transaction changed has ended
    generation = _generation  # read before the queries: a change during them invalidates the result
    intake = _load(code)
    # Not kept when this thread's open transaction changed the configuration: it would hold rows that
    # a rollback may take back (a commit drops the snapshots anyway).
    if intake is not None and ttl > 0 and not (in_transaction and getattr(_pending, "changed", False)):
        with _lock:
            if generation == _generation:
                _snapshots[code] = (now, generation, intake)
    return intake


def _load(code: str) -> Intake | None:
    centre = Centre.objects.filter(code=code).first()
    if centre is None:
        return None
    queues = list(Queue.objects.filter(centre=centre))
    listed: dict[int, set[int]] = {queue.pk: set() for queue in queues}
    for queue_id, service_id in Queue.services.through.objects.filter(queue__centre=centre).values_list(
        "queue_id", "service_id"
    ):
        listed[queue_id].add(service_id)
    services = {service.identifier: service for service in centre.services.all()}
    return Intake(
        centre=centre,
        queues={queue.prefix: queue for queue in queues if queue.is_active},
        queue_services={pk: frozenset(ids) for pk, ids in listed.items()},
        services=services,
        offered=frozenset(service.pk for service in services.values()),
    )


def intake_forget(**_signal: Any) -> None:
    """Drop every snapshot of this process, now and again when the current transaction commits
    (a snapshot read in between would still hold the old rows). Until this thread's transaction
    ends, it keeps no new snapshot either (see :func:`centre_intake`)."""
    _bump()
    if connection.in_atomic_block:
        _pending.changed = True
    transaction.on_commit(_committed)


def _committed() -> None:
    _pending.changed = False
    _bump()


def _bump() -> None:
    global _generation
    with _lock:
        _generation += 1
        _snapshots.clear()


def intake_reset() -> None:
    """Forget every snapshot of this process (tests)."""
    _bump()


def connect_signals() -> None:
    """Called from the app config: what invalidates the snapshots."""
    for model in (Centre, Queue, Service):
        post_save.connect(intake_forget, sender=model, dispatch_uid=f"intake-save-{model.__name__}")
        post_delete.connect(intake_forget, sender=model, dispatch_uid=f"intake-delete-{model.__name__}")
    for through in (Centre.services.through, Queue.services.through):
        m2m_changed.connect(intake_forget, sender=through, dispatch_uid=f"intake-m2m-{through.__name__}")


__all__ = ["Intake", "centre_intake", "connect_signals", "intake_forget", "intake_reset"]
