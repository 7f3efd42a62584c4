"""A circuit breaker per provider, so a registry that is down costs one fast refusal per call
instead of a timeout per call (and per retry) for every application started meanwhile.

Closed: calls go through; ``ONESTOP_EXCHANGE_BREAKER_FAILURES`` consecutive unavailability
failures (timeouts, network errors, service failures) open it. Open: calls fail at once for
``ONESTOP_EXCHANGE_BREAKER_RESET`` seconds. Then half-open: one trial call goes through while the
others still fail fast; its success closes the breaker, its failure opens it for another period.
A refusal (access denied, bad request) proves the provider is up, so it counts as a success.

State lives in memory per process (each web or worker process learns on its own, within a few
calls, that a provider is down): nothing is shared, nothing is written on the request path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum

from django.conf import settings


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """The breaker of one provider. ``clock`` is a monotonic clock in seconds (injectable for
    tests)."""

    def __init__(
        self,
        *,
        key: str,
        threshold: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.key = key
        self.threshold = max(1, threshold)
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_started_at: float | None = None

    @property
    def state(self) -> BreakerState:
        """The state as a caller would find it now (an open breaker whose period is over reads as
        half-open)."""
        with self._lock:
            if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.reset_seconds:
                return BreakerState.HALF_OPEN
            return self._state

    @property
    def failures(self) -> int:
        with self._lock:
            return self._failures

    def retry_after(self) -> float:
        """Seconds until an open breaker lets a trial through (0 when it would now)."""
        with self._lock:
            if self._state is not BreakerState.OPEN:
                return 0.0
            return max(0.0, self.reset_seconds - (self._clock() - self._opened_at))

    def allow(self) -> bool:
        """May a call go to the provider now? In half-open state only one caller at a time gets
        True (the trial); a trial that never reported back is given up after one reset period, so
        a crashed caller cannot keep the breaker shut."""
        with self._lock:
            now = self._clock()
            if self._state is BreakerState.CLOSED:
                return True
            if self._state is BreakerState.OPEN:
                if now - self._opened_at < self.reset_seconds:
                    return False
                self._state = BreakerState.HALF_OPEN
                self._trial_started_at = None
            if self._trial_started_at is not None and now - self._trial_started_at < self.reset_seconds:
                return False
            self._trial_started_at = now
            return True

    def record_success(self) -> None:
        """The provider answered (with data or a refusal): close the breaker."""
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._trial_started_at = None

    def record_failure(self) -> None:
        """The provider was unavailable: count it; open at the threshold, or again at once after a
        failed trial."""
        with self._lock:
            self._failures += 1
            if self._state is BreakerState.HALF_OPEN or self._failures >= self.threshold:
                self._state = BreakerState.OPEN
                self._opened_at = self._clock()
                self._trial_started_at = None


_lock = threading.Lock()
_breakers: dict[str, CircuitBreaker] = {}


def breaker_for(key: str) -> CircuitBreaker:
    """This process's breaker for a provider (its endpoint base URL, or its subsystem identifier
    when it is answered in-process), created with the current settings on first use."""
    with _lock:
        breaker = _breakers.get(key)
        if breaker is None:
            breaker = CircuitBreaker(
                key=key,
                threshold=int(settings.ONESTOP_EXCHANGE_BREAKER_FAILURES),
                reset_seconds=float(settings.ONESTOP_EXCHANGE_BREAKER_RESET),
            )
            _breakers[key] = breaker
        return breaker


def breaker_states() -> dict[str, BreakerState]:
    """Every provider this process has called, with its breaker's state (for status pages)."""
    with _lock:
        breakers = list(_breakers.values())
    return {b.key: b.state for b in breakers}


def reset_all() -> None:
    """Forget every breaker (tests; an operator who knows a provider is back)."""
    with _lock:
        _breakers.clear()
