"""Periodic jobs: a registry that apps fill from their ``tasks.py``, and the loop ``onestop scheduler``
runs to enqueue each job when it is due.

Register a Django Tasks task with ``register_periodic(task, every_seconds)`` or the decorator::

    @periodic(every_seconds=60)
    @task()
    def sweep_deadlines() -> int: ...

One scheduler process enqueues; any number of ``db_worker`` processes run the jobs. A job is never
enqueued again while its previous run is still queued or running, so a slow run (or workers that are
all down) does not pile up copies. A run stuck in RUNNING longer than ``stale_after_seconds`` (its
worker died) no longer blocks the next one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

TaskT = TypeVar("TaskT", bound=Task[Any, Any])
Interval = float | Callable[[], float]


@dataclass
class PeriodicJob:
    """A registered job and the scheduler's memory of it."""

    task: Task[Any, Any]
    every: Interval
    stale_after_seconds: float | None = None
    next_due: float = 0.0  # time.monotonic() value; 0 = due at once
    last_result: TaskResult[Any] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.task.module_path

    def interval(self) -> float:
        value = self.every() if callable(self.every) else self.every
        return max(float(value), 0.05)

    def stale_after(self) -> float:
        if self.stale_after_seconds is not None:
            return self.stale_after_seconds
        return max(600.0, 10 * self.interval())


_registry: dict[str, PeriodicJob] = {}


def register_periodic(
    task: Task[Any, Any], every_seconds: Interval, *, stale_after_seconds: float | None = None
) -> None:
    """Run ``task`` (no arguments) every ``every_seconds`` seconds; a callable is read at each run,
    so an interval can follow a setting. Registering the same task again replaces it."""
    _registry[task.module_path] = PeriodicJob(
        task=task, every=every_seconds, stale_after_seconds=stale_after_seconds
    )


def periodic(
    every_seconds: Interval, *, stale_after_seconds: float | None = None
) -> Callable[[TaskT], TaskT]:
    """Decorator form of :func:`register_periodic`; goes above ``@task()``."""

    def decorate(task: TaskT) -> TaskT:
        register_periodic(task, every_seconds, stale_after_seconds=stale_after_seconds)
        return task

    return decorate


def registered_jobs() -> list[PeriodicJob]:
    """Every registered job, after importing each installed app's ``tasks`` module."""
    autodiscover_modules("tasks")
    return list(_registry.values())


def unregister_periodic(task: Task[Any, Any]) -> None:
    _registry.pop(task.module_path, None)


def _in_flight(job: PeriodicJob) -> bool:
    """Is a previous run of ``job`` still queued or running (and not abandoned)?"""
    backend = job.task.get_backend()
    stale_before = timezone.now() - timedelta(seconds=job.stale_after())
    if isinstance(backend, DatabaseBackend):
        # Ask the queue itself, so a restarted scheduler (or one that lost its memory) still sees
        # the runs enqueued before it started.
        pending = DBTaskResult.objects.filter(task_path=job.task.module_path, backend_name=backend.alias)
        return (
            pending.filter(status=TaskResultStatus.READY).exists()
            or pending.filter(status=TaskResultStatus.RUNNING, started_at__gte=stale_before).exists()
        )
    result = job.last_result
    if result is None:
        return False
    if backend.supports_get_result:
        try:
            result.refresh()
        except TaskResultDoesNotExist:
            return False
    if result.status == TaskResultStatus.RUNNING:
        return result.started_at is None or result.started_at >= stale_before
    return result.status == TaskResultStatus.READY


class Scheduler:
    """Enqueues due jobs. ``tick()`` is one pass; ``run()`` loops until ``stop()`` is called."""

    def __init__(self, jobs: list[PeriodicJob], *, clock: Callable[[], float] = time.monotonic) -> None:
        self.jobs = jobs
        self.clock = clock
        self._stop = threading.Event()

    def tick(self) -> list[str]:
        """Enqueue every due job that has no run in flight; returns the names enqueued."""
        now = self.clock()
        enqueued = []
        for job in self.jobs:
            if now < job.next_due:
                continue
            job.next_due = now + job.interval()
            if _in_flight(job):
                logger.info("%s: previous run still queued or running, not enqueued again", job.name)
                continue
            try:
                job.last_result = job.task.enqueue()
            except Exception:
                # One broken job (or a database hiccup) must not stop the others being scheduled.
                logger.exception("%s: could not be enqueued", job.name)
                continue
            enqueued.append(job.name)
        return enqueued

    def seconds_until_due(self) -> float:
        if not self.jobs:
            return 1.0
        return max(0.0, min(job.next_due for job in self.jobs) - self.clock())

    def run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            # Wake at least once a second so an interval read from settings takes effect soon.
            self._stop.wait(min(self.seconds_until_due(), 1.0))

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()
