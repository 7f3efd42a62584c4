"""Business transactions never wait on the sealer (PostgreSQL, where writers really run side by side).

On SQLite every writer queues on the one database write lock anyway (IMMEDIATE transactions), so
the property only means something on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from onestop.core import sealing
from onestop.core.audit import SystemActor, audit_record
from onestop.core.models import AuditChainHead, AuditEvent

ACTOR = SystemActor("test")

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _signing_key(settings, tmp_path):
    settings.ONESTOP_SIGNING_KEY = ""
    settings.ONESTOP_SIGNING_KEY_FILE = tmp_path / "signing_key.pem"


def _record(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            audit_record(actor=ACTOR, action="thing.touch", after={"i": i})


class _PausedSealer(threading.Thread):
    """Runs the real sealer and stops it just before COMMIT, holding every lock it took."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(daemon=True)
        self.holding = threading.Event()
        self.release = threading.Event()
        self.sealed = 0
        self.error: BaseException | None = None
        original_save = AuditChainHead.save

        def save_then_wait(head: AuditChainHead, *args: object, **kwargs: object) -> None:
            original_save(head, *args, **kwargs)
            if threading.current_thread() is self:
                self.holding.set()
                self.release.wait(10)

        monkeypatch.setattr(AuditChainHead, "save", save_then_wait)

    def run(self) -> None:
        try:
            self.sealed = sealing.audit_seal()
        except BaseException as exc:  # reported to the test thread
            self.error = exc
        finally:
            connections.close_all()


def _with_lock_timeout(fn):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '500ms'")
            cursor.execute("SET LOCAL statement_timeout = '2s'")
        return fn()


def test_business_insert_commits_while_a_sealer_transaction_holds_the_chain_lock(monkeypatch):
    _record(1)
    sealing.audit_seal()  # the chain head exists, as it does after the first run
    _record(3)
    sealer = _PausedSealer(monkeypatch)
    sealer.start()
    try:
        assert sealer.holding.wait(10), "the sealer never reached its commit point"

        event = _with_lock_timeout(lambda: audit_record(actor=ACTOR, action="fee.pay", after={"n": 1}))

        assert AuditEvent.objects.filter(pk=event.pk).exists()  # committed, without waiting
        # The lock really was held: a second sealer cannot get past it in the same time.
        with pytest.raises(OperationalError):
            _with_lock_timeout(lambda: sealing.audit_seal())
    finally:
        sealer.release.set()
        sealer.join(10)
    assert sealer.error is None
    assert sealer.sealed == 3

    assert sealing.audit_seal() == 1  # the event that committed meanwhile gets the next place
    assert AuditEvent.objects.get(action="fee.pay").seq == 5
