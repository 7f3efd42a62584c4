"""Suite-wide fixtures. Persona fixtures (citizen, operator at centre A, officer at agency B, …)
live in tests/personas.py and are loaded here for every test."""

import pytest

pytest_plugins = ["tests.personas"]


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Tasks run inline in tests unless a test opts into the database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached catalogue reads must never leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_exchange_state():
    """The exchange keeps a per-process directory snapshot and circuit breakers: start each test
    without them, so a test never sees another test's directory or open circuit."""
    from onestop.exchange import breaker, directory

    directory.reset()
    breaker.reset_all()
    yield
    directory.reset()
    breaker.reset_all()


@pytest.fixture(autouse=True)
def _fresh_queue_configuration():
    """Ticket issue keeps each centre's configuration in memory (queueing/intake.py): no test may see
    another test's centres."""
    from onestop.queueing import intake

    intake.intake_reset()
    yield
    intake.intake_reset()
