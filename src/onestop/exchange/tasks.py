"""Background jobs of the exchange: the log sealer, every ``ONESTOP_EXCHANGE_SEAL_INTERVAL`` seconds."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from onestop.core.scheduling import register_periodic
from onestop.exchange.sealing import exchange_log_seal


@task()
def seal_exchange_log() -> int:
    """Chain and sign the exchange log entries committed since the last run; returns how many."""
    return exchange_log_seal()


def _seal_interval() -> float:
    return float(settings.ONESTOP_EXCHANGE_SEAL_INTERVAL)


register_periodic(seal_exchange_log, _seal_interval)
