"""Sealing the exchange log: entries get consecutive places in the chain in commit order, in batches,
each signed by the member that logged it; two sealers never hand out the same place; and the request
path's INSERT never waits for a sealer.

The concurrency tests need writers in several threads. On SQLite the in-memory test database cannot
be shared by threads, so this module moves the test database to a temporary file (as
tests/queueing/test_call_next_concurrency.py does); on PostgreSQL the session's database serves every
thread as it is.
"""

from __future__ import annotations

import base64
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from onestop.core import signing
from onestop.core.models import AuditEvent
from onestop.core.scheduling import registered_jobs
from onestop.core.sealing import GENESIS_HASH
from onestop.exchange import keys, sealing
from onestop.exchange.log import LogRecord, exchange_log_append
from onestop.exchange.models import ExchangeChainHead, ExchangeLogEntry
from onestop.exchange.sealing import CONTENT_FIELDS, entry_hash, exchange_log_seal, signed_message
from onestop.exchange.verification import exchange_log_verify
from tests.factories.exchange import MemberFactory
from tests.file_database import file_database

SEED = base64.b64encode(bytes(range(32))).decode()


django_db_setup = file_database("exchange-seal")


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.ONESTOP_SIGNING_KEY = SEED


def append_entry(logged_by: str = "DEV/GOV/CIVIL/registry", **overrides: Any) -> ExchangeLogEntry:
    """One exchange as the request path logs it (a plain INSERT through exchange_log_append)."""
    values: dict[str, Any] = {
        "side": ExchangeLogEntry.Side.PROVIDER,
        "logged_by": logged_by,
        "x_road_id": str(uuid.uuid4()),
        "request_id": uuid.uuid4().hex,
        "client": "DEV/GOV/POLICE/back-office",
        "service": "DEV/GOV/CIVIL/registry/person-v1",
        "method": "GET",
        "path": "/r1/DEV/GOV/CIVIL/registry/person-v1",
        "status": 200,
        "request_hash": "cmVxdWVzdA==",
        "response_hash": "cmVzcG9uc2U=",
        "latency_ms": 3.25,
        "started_at": timezone.now(),
        "user_id": "KZ900101300123",
        "issue": "APP-2024-000001",
        "purpose": "service-delivery",
        "subject": "900101300123",
    }
    values.update(overrides)
    return exchange_log_append(LogRecord(**values))


def _sealed() -> list[ExchangeLogEntry]:
    return list(ExchangeLogEntry.objects.filter(seq__isnull=False).order_by("seq"))


def _recomputed(entry: ExchangeLogEntry) -> str:
    return entry_hash(entry.prev_hash, {name: getattr(entry, name) for name in CONTENT_FIELDS})


@pytest.mark.django_db
def test_sealing_chains_committed_entries_in_id_order():
    entries = [append_entry(status=200 + i) for i in range(5)]

    assert exchange_log_seal() == 5

    sealed = _sealed()
    assert [e.pk for e in sealed] == [e.pk for e in entries]
    assert [e.seq for e in sealed] == [1, 2, 3, 4, 5]
    assert sealed[0].prev_hash == GENESIS_HASH
    for before, after in zip(sealed, sealed[1:], strict=False):
        assert after.prev_hash == before.hash
    assert all(e.hash == _recomputed(e) for e in sealed)
    assert all(e.sealed_at is not None for e in sealed)
    head = ExchangeChainHead.objects.get(pk=1)
    assert (head.seq, head.hash, head.entry_id) == (5, sealed[-1].hash, sealed[-1].pk)


@pytest.mark.django_db
def test_each_run_seals_only_what_arrived_since_and_extends_the_chain():
    append_entry()
    append_entry()
    exchange_log_seal()
    assert exchange_log_seal() == 0

    late = append_entry()
    assert exchange_log_seal() == 1

    late.refresh_from_db()
    assert late.seq == 3
    assert late.prev_hash == ExchangeLogEntry.objects.get(seq=2).hash
    assert exchange_log_verify().ok


@pytest.mark.django_db
def test_sealing_in_small_batches_gives_the_same_unbroken_chain():
    for _ in range(7):
        append_entry()

    assert exchange_log_seal(batch_size=2) == 7

    assert [e.seq for e in _sealed()] == list(range(1, 8))
    report = exchange_log_verify()
    assert report.ok, report.problems
    assert report.rows_checked == report.signatures_checked == 7


@pytest.mark.django_db
def test_a_batch_size_below_one_is_refused():
    with pytest.raises(ValueError, match="batch_size"):
        exchange_log_seal(batch_size=0)


@pytest.mark.django_db
def test_the_hash_covers_the_bodies_and_leaves_out_the_directory_foreign_keys():
    member = MemberFactory()
    entry = append_entry(request_body='{"subject": "900101300123"}', response_body=None)
    ExchangeLogEntry.objects.filter(pk=entry.pk).update(client_member=member)
    exchange_log_seal()
    entry.refresh_from_db()

    # Deleting a member nulls the foreign key (SET NULL): that must not break the chain.
    member.delete()
    assert exchange_log_verify().ok

    values = {name: getattr(entry, name) for name in CONTENT_FIELDS}
    values["request_body"] = '{"subject": "000000000000"}'
    assert entry_hash(entry.prev_hash, values) != entry.hash


@pytest.mark.django_db
def test_a_hosted_member_signs_the_entries_it_logged_with_its_own_key():
    member = MemberFactory()

    entry = append_entry(logged_by=member.identifier)
    exchange_log_seal()
    entry.refresh_from_db()

    assert entry.key_id == keys.key_id(member.public_key)
    assert keys.verify_with(member.public_key, signed_message(entry.hash), entry.signature)
    assert not signing.verify(signed_message(entry.hash), entry.signature)  # not the deployment's key


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["remote", "unknown"])
def test_entries_of_members_this_deployment_does_not_host_are_signed_with_the_deployment_key(who):
    logged_by = MemberFactory(remote=True).identifier if who == "remote" else "DEV/GOV/NOBODY/none"

    entry = append_entry(logged_by=logged_by)
    exchange_log_seal()
    entry.refresh_from_db()

    assert entry.key_id == signing.key_id()
    assert signing.verify(signed_message(entry.hash), entry.signature)


@pytest.mark.django_db
def test_the_signature_cannot_pass_for_a_signed_request():
    """A log signature covers a context string, so it is never a valid member signature of bare
    bytes an attacker chose (here: the hash alone)."""
    member = MemberFactory()
    entry = append_entry(logged_by=member.identifier)
    exchange_log_seal()
    entry.refresh_from_db()

    assert not keys.verify_with(member.public_key, entry.hash.encode(), entry.signature)


@pytest.mark.django_db
def test_sealing_writes_no_audit_event():
    append_entry()
    before = AuditEvent.objects.count()

    exchange_log_seal()

    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_lost_head_row_does_not_restart_the_chain_at_seq_one():
    append_entry()
    append_entry()
    exchange_log_seal()
    ExchangeChainHead.objects.all().delete()

    append_entry()
    exchange_log_seal()

    assert [e.seq for e in _sealed()] == [1, 2, 3]


@pytest.mark.django_db
def test_the_seal_command_seals_and_says_how_many(capsys):
    append_entry()
    append_entry()

    call_command("exchange", "seal", "--batch-size", "1")

    assert capsys.readouterr().out.strip() == "sealed 2 entries"
    assert ExchangeLogEntry.objects.filter(seq__isnull=True).count() == 0


def test_the_sealer_is_a_periodic_job_on_the_configured_interval(settings):
    settings.ONESTOP_EXCHANGE_SEAL_INTERVAL = 2.5

    jobs = {job.name: job for job in registered_jobs()}

    job = jobs["onestop.exchange.tasks.seal_exchange_log"]
    assert job.interval() == 2.5


@pytest.mark.django_db
def test_the_periodic_task_seals(settings):
    from onestop.exchange.tasks import seal_exchange_log

    append_entry()

    result = seal_exchange_log.enqueue()  # the immediate backend runs it inline

    assert result.return_value == 1


# --- Concurrency ------------------------------------------------------------------------------


def _in_thread(fn, errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    return threading.Thread(target=run, daemon=True)


@pytest.mark.django_db(transaction=True)
def test_sealers_running_at_once_never_hand_out_the_same_place():
    """Four sealers and a writer at once: every entry ends up sealed exactly once, seq 1..N with no
    gap, and the chain verifies."""
    exchange_log_seal()  # nothing to seal yet: the head is made by whichever sealer comes first
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        for i in range(120):
            append_entry(status=200 + i % 3)
        writers_done.set()

    def seal() -> None:
        while not writers_done.is_set():
            exchange_log_seal(batch_size=7)
        exchange_log_seal(batch_size=7)

    threads = [_in_thread(write, errors)] + [_in_thread(seal, errors) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    exchange_log_seal()

    seqs = list(ExchangeLogEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 121))
    report = exchange_log_verify()
    assert report.ok, report.problems
    assert report.rows_checked == 120


class _PausedSealer(threading.Thread):
    """Runs the real sealer and stops it just before COMMIT, holding every lock it took."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(daemon=True)
        self.holding = threading.Event()
        self.release = threading.Event()
        self.sealed = 0
        self.error: BaseException | None = None
        original_save = ExchangeChainHead.save

        def save_then_wait(head: ExchangeChainHead, *args: object, **kwargs: object) -> None:
            original_save(head, *args, **kwargs)
            if threading.current_thread() is self:
                self.holding.set()
                self.release.wait(10)

        monkeypatch.setattr(ExchangeChainHead, "save", save_then_wait)

    def run(self) -> None:
        try:
            self.sealed = sealing.exchange_log_seal()
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_logging_an_exchange_never_waits_for_a_sealer_holding_the_chain_lock(monkeypatch):
    append_entry()
    exchange_log_seal()
    for _ in range(3):
        append_entry()
    sealer = _PausedSealer(monkeypatch)
    sealer.start()
    try:
        assert sealer.holding.wait(10), "the sealer never reached its commit point"

        logged = _with_lock_timeout(lambda: append_entry(started_at=timezone.now() + timedelta(seconds=1)))

        assert ExchangeLogEntry.objects.filter(pk=logged.pk).exists()  # committed without waiting
        with pytest.raises(OperationalError):  # the lock really was held
            _with_lock_timeout(lambda: sealing.exchange_log_seal())
    finally:
        sealer.release.set()
        sealer.join(10)
    assert sealer.error is None
    assert sealer.sealed == 3

    assert exchange_log_seal() == 1  # the entry that committed meanwhile gets the next place
    logged.refresh_from_db()
    assert logged.seq == 5
