"""The circuit breaker on its own, with a clock the test moves: closed → open after consecutive
failures → half-open with a single trial → closed again (or open again)."""

from __future__ import annotations

import threading

import pytest

from onestop.exchange import breaker
from onestop.exchange.breaker import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(clock: Clock, *, threshold: int = 3, reset: float = 30.0) -> CircuitBreaker:
    return CircuitBreaker(
        key="https://registry.example", threshold=threshold, reset_seconds=reset, clock=clock
    )


def test_breaker_stays_closed_below_the_threshold(clock):
    cb = make(clock)

    cb.record_failure()
    cb.record_failure()

    assert cb.state is BreakerState.CLOSED
    assert cb.allow()


def test_consecutive_failures_open_the_breaker_and_calls_fail_fast(clock):
    cb = make(clock)

    for _ in range(3):
        assert cb.allow()
        cb.record_failure()

    assert cb.state is BreakerState.OPEN
    assert not cb.allow()
    clock.advance(29.9)
    assert not cb.allow()
    assert cb.retry_after() == pytest.approx(0.1)


def test_a_success_in_between_resets_the_count(clock):
    cb = make(clock)

    cb.record_failure()
    cb.record_failure()
    cb.record_success()
    cb.record_failure()
    cb.record_failure()

    assert cb.state is BreakerState.CLOSED
    assert cb.failures == 2


def test_after_the_reset_period_one_trial_goes_through_and_its_success_closes(clock):
    cb = make(clock)
    for _ in range(3):
        cb.record_failure()

    clock.advance(30)

    assert cb.state is BreakerState.HALF_OPEN
    assert cb.allow()  # the trial
    assert not cb.allow()  # everyone else still fails fast while it runs
    cb.record_success()
    assert cb.state is BreakerState.CLOSED
    assert cb.allow() and cb.allow()
    assert cb.failures == 0


def test_a_failed_trial_opens_the_breaker_for_another_period(clock):
    cb = make(clock)
    for _ in range(3):
        cb.record_failure()
    clock.advance(30)
    assert cb.allow()

    cb.record_failure()

    assert cb.state is BreakerState.OPEN
    assert not cb.allow()
    clock.advance(30)
    assert cb.allow()


def test_a_trial_that_never_reports_back_is_given_up_after_a_period(clock):
    cb = make(clock)
    for _ in range(3):
        cb.record_failure()
    clock.advance(30)
    assert cb.allow()  # this caller crashes and never records anything

    clock.advance(10)
    assert not cb.allow()
    clock.advance(20)
    assert cb.allow()


def test_only_one_of_many_concurrent_callers_gets_the_trial(clock):
    cb = make(clock, threshold=1)
    cb.record_failure()
    clock.advance(30)
    start = threading.Barrier(16)
    allowed: list[bool] = []
    lock = threading.Lock()

    def caller() -> None:
        start.wait()
        verdict = cb.allow()
        with lock:
            allowed.append(verdict)

    threads = [threading.Thread(target=caller) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(allowed) == [False] * 15 + [True]


def test_breakers_are_per_provider_and_follow_the_settings(settings):
    settings.ONESTOP_EXCHANGE_BREAKER_FAILURES = 1
    settings.ONESTOP_EXCHANGE_BREAKER_RESET = 60.0

    down = breaker.breaker_for("https://down.example")
    down.record_failure()

    assert breaker.breaker_for("https://down.example") is down
    assert down.threshold == 1 and down.reset_seconds == 60.0
    assert breaker.breaker_for("https://up.example").allow()
    assert breaker.breaker_states() == {
        "https://down.example": BreakerState.OPEN,
        "https://up.example": BreakerState.CLOSED,
    }


def test_reset_all_forgets_every_breaker(settings):
    settings.ONESTOP_EXCHANGE_BREAKER_FAILURES = 1
    breaker.breaker_for("https://down.example").record_failure()

    breaker.reset_all()

    assert breaker.breaker_states() == {}
    assert breaker.breaker_for("https://down.example").allow()
