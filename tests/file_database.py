"""On SQLite, the test database of a module whose threads need connections of their own, moved to a
file for that module.

pytest-django's SQLite test database lives in memory, shared by the session's one connection;
threads with their own connections (the races, the local servers) need a database they can all
open. ``django_db_setup = file_database("name")`` in such a module migrates a file database for
it and puts the in-memory one back afterwards. On PostgreSQL it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection


def file_database(label: str) -> Callable[..., Iterator[None]]:
    """A module-scoped ``django_db_setup`` fixture that moves the module to a file database."""

    @pytest.fixture(scope="module")
    def django_db_setup(
        django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
    ) -> Iterator[None]:
        if connection.vendor != "sqlite":
            yield
            return
        path = tmp_path_factory.mktemp(label) / "test.sqlite3"
        settings_dict = connection.settings_dict
        original_name = settings_dict["NAME"]
        with django_db_blocker.unblock():
            # Holding the raw connection keeps the session's shared in-memory database alive.
            kept = connection.connection
            connection.connection = None
            settings_dict["NAME"] = str(path)
            call_command("migrate", verbosity=0, interactive=False)
        try:
            yield
        finally:
            with django_db_blocker.unblock():
                connection.close()
                settings_dict["NAME"] = original_name
                connection.connection = kept

    return django_db_setup
