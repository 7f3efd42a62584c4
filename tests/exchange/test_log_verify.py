"""Tampering with the exchange log behind the services' back is caught, and the first bad entry named.

Each test edits the table directly (raw SQL or queryset updates, as someone with database access
would) and checks that verification names the right entry and the right kind of tampering, and
that ``onestop exchange verify`` fails with exit code 1.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from onestop.core.models import AuditEvent
from onestop.core.sealing import GENESIS_HASH
from onestop.exchange import keys
from onestop.exchange.models import ExchangeChainHead, ExchangeLogEntry
from onestop.exchange.sealing import CONTENT_FIELDS, entry_hash, exchange_log_seal, signed_message
from onestop.exchange.verification import (
    BAD_SIGNATURE,
    CHANGED,
    DELETED,
    INSERTED,
    REORDERED,
    entry_check,
    exchange_log_check,
    exchange_log_verify,
)
from tests.exchange.test_log_sealing import SEED, append_entry
from tests.factories.exchange import MemberFactory

N = 12

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.ONESTOP_SIGNING_KEY = SEED


@pytest.fixture
def provider(db):
    return MemberFactory(member_code="CIVIL", subsystem_code="registry")


@pytest.fixture
def chain(provider) -> list[ExchangeLogEntry]:
    """N sealed entries in seq order, alternately logged by a hosted member (its own key) and by a
    subsystem outside the directory (the deployment's key)."""
    for i in range(N):
        logged_by = provider.identifier if i % 2 == 0 else "DEV/GOV/ELSEWHERE/client"
        append_entry(logged_by=logged_by, status=200, latency_ms=1.0 + i, subject=f"9001013001{i:02d}")
    exchange_log_seal()
    return list(ExchangeLogEntry.objects.order_by("seq"))


def _rehash(entry: ExchangeLogEntry) -> str:
    entry.refresh_from_db()
    return entry_hash(entry.prev_hash, {name: getattr(entry, name) for name in CONTENT_FIELDS})


def _assert_named(kind: str, *, row_id: int | None, seq: int | None) -> None:
    report = exchange_log_verify()
    assert not report.ok
    problem = report.problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (kind, seq), report.problems
    if row_id is not None:
        assert problem.row_id == row_id, report.problems
    with pytest.raises(CommandError) as excinfo:
        call_command("exchange", "verify")
    assert excinfo.value.returncode == 1
    assert kind in str(excinfo.value)
    if row_id is not None:
        assert f"row #{row_id}" in str(excinfo.value)


def test_an_untouched_log_verifies_and_the_command_says_ok(chain, capsys):
    report = exchange_log_verify()

    assert report.ok, report.problems
    assert report.rows_checked == N
    assert report.signatures_checked == N
    assert report.head_seq == N
    assert report.rows_per_second > 0
    call_command("exchange", "verify")
    out = capsys.readouterr().out
    assert out.startswith(f"OK: {N} sealed entries and {N} signatures checked up to seq {N}")
    assert "entries/s" in out


def test_an_empty_log_verifies():
    report = exchange_log_verify()

    assert report.ok
    assert report.rows_checked == 0


def test_unsealed_entries_are_counted_not_reported(chain):
    append_entry()
    append_entry()

    report = exchange_log_verify()

    assert report.ok
    assert report.unsealed == 2
    assert "2 entries awaiting sealing" in report.summary_line()


def test_a_field_changed_with_a_raw_update_is_named_changed(chain):
    victim = chain[6]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ExchangeLogEntry._meta.db_table} SET status = %s WHERE id = %s", [403, victim.pk]
        )

    _assert_named(CHANGED, row_id=victim.pk, seq=7)


def test_a_changed_subject_with_its_hash_recomputed_is_still_named_changed(chain):
    victim = chain[4]
    ExchangeLogEntry.objects.filter(pk=victim.pk).update(subject="000000000000")
    ExchangeLogEntry.objects.filter(pk=victim.pk).update(hash=_rehash(victim))

    _assert_named(CHANGED, row_id=victim.pk, seq=5)


def test_a_changed_last_entry_with_its_hash_recomputed_is_caught_against_the_chain_head(chain):
    victim = chain[-1]
    ExchangeLogEntry.objects.filter(pk=victim.pk).update(issue="NOT-THE-REAL-ISSUE")
    ExchangeLogEntry.objects.filter(pk=victim.pk).update(hash=_rehash(victim))

    _assert_named(CHANGED, row_id=victim.pk, seq=N)


def test_a_changed_logged_body_is_named_changed(provider):
    append_entry(logged_by=provider.identifier, response_body='{"name": "Dana"}')
    exchange_log_seal()
    entry = ExchangeLogEntry.objects.get()
    ExchangeLogEntry.objects.filter(pk=entry.pk).update(response_body='{"name": "Someone else"}')

    _assert_named(CHANGED, row_id=entry.pk, seq=1)


def test_a_deleted_entry_is_named_by_its_missing_seq(chain):
    ExchangeLogEntry.objects.filter(pk=chain[3].pk).delete()

    _assert_named(DELETED, row_id=chain[4].pk, seq=4)


def test_a_deleted_entry_with_the_rest_renumbered_is_named_deleted(chain):
    ExchangeLogEntry.objects.filter(pk=chain[3].pk).delete()
    for entry in chain[4:]:
        ExchangeLogEntry.objects.filter(pk=entry.pk).update(seq=entry.seq - 1)

    _assert_named(DELETED, row_id=chain[4].pk, seq=4)


@pytest.mark.parametrize("distance", [1, 3])
def test_two_entries_with_their_seq_swapped_are_named_reordered(chain, distance):
    first, second = chain[5], chain[5 + distance]
    ExchangeLogEntry.objects.filter(pk=first.pk).update(seq=-1)
    ExchangeLogEntry.objects.filter(pk=second.pk).update(seq=first.seq)
    ExchangeLogEntry.objects.filter(pk=first.pk).update(seq=second.seq)

    _assert_named(REORDERED, row_id=second.pk, seq=6)


def test_an_entry_forged_past_the_head_is_named_inserted(chain):
    forged = append_entry()
    ExchangeLogEntry.objects.filter(pk=forged.pk).update(seq=N + 1, prev_hash=chain[-1].hash, hash="f" * 64)

    _assert_named(INSERTED, row_id=forged.pk, seq=N + 1)


def test_an_entry_spliced_into_the_middle_is_named_inserted(chain):
    for entry in reversed(chain[3:]):
        ExchangeLogEntry.objects.filter(pk=entry.pk).update(seq=entry.seq + 1)
    forged = append_entry()
    forged.seq = 4
    forged.prev_hash = chain[2].hash
    ExchangeLogEntry.objects.filter(pk=forged.pk).update(seq=4, prev_hash=chain[2].hash)
    ExchangeLogEntry.objects.filter(pk=forged.pk).update(hash=_rehash(forged))
    ExchangeChainHead.objects.update(seq=N + 1)

    _assert_named(INSERTED, row_id=forged.pk, seq=4)


def test_a_forged_signature_is_named(chain):
    victim = chain[7]
    forged = base64.b64encode(Ed25519PrivateKey.generate().sign(signed_message(victim.hash))).decode()
    ExchangeLogEntry.objects.filter(pk=victim.pk).update(signature=forged)

    _assert_named(BAD_SIGNATURE, row_id=victim.pk, seq=8)
    assert "does not verify" in str(exchange_log_verify().problem)


def test_a_signature_copied_from_another_entry_is_named(chain):
    ExchangeLogEntry.objects.filter(pk=chain[2].pk).update(signature=chain[0].signature)

    _assert_named(BAD_SIGNATURE, row_id=chain[2].pk, seq=3)


def test_an_entry_signed_by_a_key_nobody_trusts_is_named(chain):
    victim = chain[2]
    stranger = Ed25519PrivateKey.generate()
    signature = base64.b64encode(stranger.sign(signed_message(victim.hash))).decode()
    ExchangeLogEntry.objects.filter(pk=victim.pk).update(signature=signature, key_id="ab" * 16)

    _assert_named(BAD_SIGNATURE, row_id=victim.pk, seq=3)
    assert "neither the directory's key" in str(exchange_log_verify().problem)


def test_a_member_key_replaced_in_the_directory_no_longer_vouches_for_its_entries(chain, provider):
    stranger = Ed25519PrivateKey.generate()
    type(provider).objects.filter(pk=provider.pk).update(
        public_key=keys.public_key_pem(stranger.public_key())
    )

    _assert_named(BAD_SIGNATURE, row_id=chain[0].pk, seq=1)


def test_a_whole_log_rewritten_with_every_hash_recomputed_fails_on_the_signatures(chain):
    """What an attacker with database access but without the keys can do at best."""
    ExchangeLogEntry.objects.filter(pk=chain[1].pk).update(status=500)
    prev = GENESIS_HASH
    for entry in ExchangeLogEntry.objects.order_by("seq"):
        entry.prev_hash = prev
        new_hash = entry_hash(prev, {name: getattr(entry, name) for name in CONTENT_FIELDS})
        ExchangeLogEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, hash=new_hash)
        prev = new_hash
    ExchangeChainHead.objects.update(hash=prev)

    _assert_named(BAD_SIGNATURE, row_id=chain[1].pk, seq=2)


def test_entries_cut_off_the_tail_are_named_deleted(chain):
    ExchangeLogEntry.objects.filter(pk__in=[chain[-1].pk, chain[-2].pk]).delete()

    _assert_named(DELETED, row_id=None, seq=N - 1)
    assert "tail" in str(exchange_log_verify().problem)


def test_a_missing_chain_head_is_reported(chain):
    ExchangeChainHead.objects.all().delete()

    report = exchange_log_verify()

    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == (DELETED, None)
    assert report.rows_checked == N  # the rows themselves are still checked


def test_verification_reads_in_pages_and_sees_tampering_across_a_page_boundary(chain, monkeypatch):
    from onestop.exchange import verification

    monkeypatch.setattr(verification, "_PAGE", 5)
    assert exchange_log_verify().rows_checked == N
    first, second = chain[4], chain[5]  # seq 5 ends the first page, seq 6 starts the second
    ExchangeLogEntry.objects.filter(pk=first.pk).update(seq=-1)
    ExchangeLogEntry.objects.filter(pk=second.pk).update(seq=5)
    ExchangeLogEntry.objects.filter(pk=first.pk).update(seq=6)

    problem = exchange_log_verify().problem

    assert problem is not None
    assert (problem.kind, problem.row_id, problem.seq) == (REORDERED, second.pk, 5)


def test_a_check_on_someones_behalf_is_audited_with_its_outcome(chain, auditor):
    ExchangeLogEntry.objects.filter(pk=chain[3].pk).delete()

    report = exchange_log_check(actor=auditor)

    event = AuditEvent.objects.get(action="exchange.verify")
    assert (event.actor_kind, event.actor_id) == ("user", str(auditor.pk))
    after = event.summary["after"]
    assert after["ok"] is False
    assert after["problem"]["kind"] == DELETED
    assert after["rows_checked"] == report.rows_checked == 3


def test_one_entry_can_be_checked_on_its_own(chain):
    assert entry_check(chain[0]) is not None and entry_check(chain[0]).ok
    middle = entry_check(chain[5])
    assert middle is not None and middle.ok and middle.previous_id == chain[4].pk

    ExchangeLogEntry.objects.filter(pk=chain[5].pk).update(method="POST")
    chain[5].refresh_from_db()
    changed = entry_check(chain[5])
    assert changed is not None and not changed.hash_ok and not changed.ok

    ExchangeLogEntry.objects.filter(pk=chain[4].pk).delete()
    orphan = entry_check(chain[5])
    assert orphan is not None and not orphan.links_ok and orphan.previous_id is None

    assert entry_check(append_entry()) is None  # not sealed yet


def test_the_bootstrap_command_reports_what_it_registered(capsys):
    pytest.importorskip("onestop.exchange.bootstrap")

    from onestop.exchange.models import Purpose

    call_command("exchange", "bootstrap")

    assert capsys.readouterr().out.strip()
    assert Purpose.objects.exists()
