"""The periodic-job scheduler: enqueues when due, never twice while a run is pending, stops on signal."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from onestop.core.scheduling import PeriodicJob, Scheduler, periodic, registered_jobs, unregister_periodic
from onestop.core.tasks import seal_audit_trail


@task()
def sweep_for_tests() -> None:
    """A periodic job of some later app."""


DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = DB_BACKEND


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _queued() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=seal_audit_trail.module_path))


@pytest.mark.django_db
def test_scheduler_does_not_enqueue_again_while_the_previous_run_is_queued_or_running(db_tasks, clock):
    scheduler = Scheduler([PeriodicJob(task=seal_audit_trail, every=1.0)], clock=clock)

    assert scheduler.tick() == [seal_audit_trail.module_path]
    clock.now += 5
    assert scheduler.tick() == []  # still READY: no worker took it yet
    (run,) = _queued()
    run.claim("worker-1")
    clock.now += 5
    assert scheduler.tick() == []  # RUNNING
    run.set_successful(0)
    clock.now += 5
    assert scheduler.tick() == [seal_audit_trail.module_path]
    assert len(_queued()) == 2


@pytest.mark.django_db
def test_scheduler_waits_for_the_interval_between_runs(db_tasks, clock):
    scheduler = Scheduler([PeriodicJob(task=seal_audit_trail, every=10.0)], clock=clock)
    scheduler.tick()
    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL)

    clock.now += 9
    assert scheduler.tick() == []
    clock.now += 1
    assert scheduler.tick() == [seal_audit_trail.module_path]


@pytest.mark.django_db
def test_a_restarted_scheduler_sees_runs_queued_before_it_started(db_tasks, clock):
    Scheduler([PeriodicJob(task=seal_audit_trail, every=1.0)], clock=clock).tick()

    restarted = Scheduler([PeriodicJob(task=seal_audit_trail, every=1.0)], clock=clock)

    assert restarted.tick() == []
    assert len(_queued()) == 1


@pytest.mark.django_db
def test_a_run_whose_worker_died_does_not_block_the_job_forever(db_tasks, clock):
    scheduler = Scheduler(
        [PeriodicJob(task=seal_audit_trail, every=1.0, stale_after_seconds=60)], clock=clock
    )
    scheduler.tick()
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(minutes=5)
    )
    clock.now += 5

    assert scheduler.tick() == [seal_audit_trail.module_path]


@pytest.mark.django_db
def test_with_the_immediate_backend_each_due_tick_runs_the_job(clock):
    scheduler = Scheduler([PeriodicJob(task=seal_audit_trail, every=1.0)], clock=clock)

    assert scheduler.tick() == [seal_audit_trail.module_path]
    clock.now += 1
    assert scheduler.tick() == [seal_audit_trail.module_path]
    assert not DBTaskResult.objects.exists()


def test_sealing_is_registered_at_the_configured_interval(settings):
    settings.ONESTOP_AUDIT_SEAL_INTERVAL = 2.5

    jobs = {job.name: job for job in registered_jobs()}

    assert jobs[seal_audit_trail.module_path].interval() == 2.5


def test_periodic_decorator_registers_a_task_for_the_scheduler():
    try:
        registered = periodic(every_seconds=30)(sweep_for_tests)

        assert registered is sweep_for_tests
        jobs = {job.name: job for job in registered_jobs()}
        assert jobs[sweep_for_tests.module_path].interval() == 30
        assert seal_audit_trail.module_path in jobs
    finally:
        unregister_periodic(sweep_for_tests)


@pytest.mark.django_db
def test_scheduler_command_stops_cleanly_on_sigterm(capsys):
    default = signal.getsignal(signal.SIGTERM)

    def send_sigterm_once_installed() -> None:
        deadline = time.monotonic() + 10
        while signal.getsignal(signal.SIGTERM) is default and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=send_sigterm_once_installed, daemon=True).start()
    started = time.monotonic()

    call_command("scheduler")

    assert time.monotonic() - started < 5
    out = capsys.readouterr().out
    assert "received SIGTERM, stopping" in out
    assert "scheduler stopped" in out
    assert signal.getsignal(signal.SIGTERM) is default
