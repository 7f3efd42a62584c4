"""Tampering with the audit table behind the services' back is caught, and the first bad row named.

Each test edits the table directly (queryset updates, as someone with database access would) and
checks that verification names the right row and the right kind, and that the command fails.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from onestop.core.audit import SystemActor, audit_record
from onestop.core.models import AuditChainHead, AuditCheckpoint, AuditEvent
from onestop.core.sealing import GENESIS_HASH, audit_seal, chain_hash, event_content
from onestop.core.verification import (
    CHANGED,
    DELETED,
    INSERTED,
    REORDERED,
    REWRITTEN,
    audit_verify,
)

ACTOR = SystemActor("test")
N = 12


@pytest.fixture(autouse=True)
def _signing_key(settings, tmp_path):
    settings.ONESTOP_SIGNING_KEY = ""
    settings.ONESTOP_SIGNING_KEY_FILE = tmp_path / "signing_key.pem"
    settings.ONESTOP_AUDIT_CHECKPOINT_EVERY = 5


@pytest.fixture
def chain(db) -> list[AuditEvent]:
    """N sealed events, in seq order."""
    with transaction.atomic():
        for i in range(N):
            audit_record(actor=ACTOR, action="fee.pay", after={"amount": str(100 + i), "i": i})
    audit_seal()
    return list(AuditEvent.objects.order_by("seq"))


def _hash_of(event: AuditEvent, prev_hash: str) -> str:
    assert event.seq is not None
    return chain_hash(
        prev_hash,
        event_content(
            event.pk,
            event.seq,
            event.occurred_at,
            event.actor_kind,
            event.actor_id,
            event.actor_label,
            event.action,
            event.target_type,
            event.target_id,
            event.target_label,
            event.summary,
            event.request_id,
        ),
    )


def _shift_up_from(seq: int) -> None:
    """Make room at ``seq`` the way a forger must (seq is unique): renumber the rows after it."""
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("-seq"):
        AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)


def _forge(*, seq: int, prev_hash: str, consistent: bool) -> AuditEvent:
    with transaction.atomic():
        forged = audit_record(actor=ACTOR, action="fee.refund", after={"amount": "99999"})
    forged.refresh_from_db()
    forged.seq = seq
    forged.prev_hash = prev_hash
    forged.hash = _hash_of(forged, prev_hash) if consistent else "f" * 64
    AuditEvent.objects.filter(pk=forged.pk).update(seq=seq, prev_hash=prev_hash, hash=forged.hash)
    return forged


def _assert_named(kind: str, *, row_id: int | None, seq: int) -> None:
    report = audit_verify()
    assert not report.ok
    problem = report.problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (kind, seq), report.problems
    if row_id is not None:
        assert problem.row_id == row_id, report.problems
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode == 1
    assert kind in str(excinfo.value)
    if row_id is not None:
        assert f"row #{row_id}" in str(excinfo.value)


def test_untouched_chain_verifies_and_the_command_says_ok(chain, capsys):
    report = audit_verify()

    assert report.ok, report.problems
    assert report.rows_checked == N
    assert report.checkpoints_checked == 2  # at seq 5 and 10
    call_command("audit", "verify")
    assert capsys.readouterr().out.startswith(f"OK: {N} sealed rows checked")


def test_unsealed_rows_are_counted_not_reported(chain):
    with transaction.atomic():
        audit_record(actor=ACTOR, action="fee.pay")

    report = audit_verify()

    assert report.ok
    assert report.unsealed == 1


def test_changed_summary_names_the_row_as_changed(chain):
    victim = chain[6]
    AuditEvent.objects.filter(pk=victim.pk).update(summary={"after": {"amount": "1", "i": 6}})

    _assert_named(CHANGED, row_id=victim.pk, seq=7)


def test_changed_row_with_its_hash_recomputed_is_still_named_changed(chain):
    victim = chain[6]
    victim.summary = {"after": {"amount": "1", "i": 6}}
    AuditEvent.objects.filter(pk=victim.pk).update(
        summary=victim.summary, hash=_hash_of(victim, victim.prev_hash)
    )

    _assert_named(CHANGED, row_id=victim.pk, seq=7)


def test_changed_last_row_is_caught_against_the_chain_head(chain):
    victim = chain[-1]
    victim.actor_label = "someone else"
    AuditEvent.objects.filter(pk=victim.pk).update(
        actor_label=victim.actor_label, hash=_hash_of(victim, victim.prev_hash)
    )

    _assert_named(CHANGED, row_id=victim.pk, seq=N)


def test_deleted_row_is_named_by_its_missing_seq(chain):
    AuditEvent.objects.filter(pk=chain[3].pk).delete()

    _assert_named(DELETED, row_id=chain[4].pk, seq=4)


def test_deleted_row_with_the_rest_renumbered_is_named_deleted(chain):
    AuditEvent.objects.filter(pk=chain[3].pk).delete()
    for event in chain[4:]:
        AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq - 1)

    _assert_named(DELETED, row_id=chain[4].pk, seq=4)


def test_rows_cut_off_the_tail_are_named_deleted(chain):
    AuditEvent.objects.filter(pk__in=[chain[-1].pk, chain[-2].pk]).delete()

    _assert_named(DELETED, row_id=None, seq=N - 1)


def test_forged_row_appended_past_the_head_is_named_inserted(chain):
    forged = _forge(seq=N + 1, prev_hash=chain[-1].hash, consistent=True)

    _assert_named(INSERTED, row_id=forged.pk, seq=N + 1)


@pytest.mark.parametrize("consistent", [True, False], ids=["well-linked", "badly-linked"])
def test_forged_row_spliced_into_the_middle_is_named_inserted(chain, consistent):
    _shift_up_from(4)
    forged = _forge(seq=4, prev_hash=chain[2].hash, consistent=consistent)
    # A careful forger also moves the head so nothing sticks out past it.
    AuditChainHead.objects.update(seq=N + 1)

    _assert_named(INSERTED, row_id=forged.pk, seq=4)


def test_duplicated_row_is_named_inserted(chain):
    _shift_up_from(6)
    original = chain[4]
    with transaction.atomic():
        copy = audit_record(actor=ACTOR, action="fee.pay")
    AuditEvent.objects.filter(pk=copy.pk).update(
        seq=6,
        prev_hash=original.prev_hash,
        hash=original.hash,
        summary=original.summary,
        occurred_at=original.occurred_at,
        sealed_at=original.sealed_at,
    )
    AuditChainHead.objects.update(seq=N + 1)

    _assert_named(INSERTED, row_id=copy.pk, seq=6)


@pytest.mark.parametrize("distance", [1, 3])
def test_swapped_rows_are_named_reordered(chain, distance):
    first, second = chain[5], chain[5 + distance]
    AuditEvent.objects.filter(pk=first.pk).update(seq=-1)
    AuditEvent.objects.filter(pk=second.pk).update(seq=first.seq)
    AuditEvent.objects.filter(pk=first.pk).update(seq=second.seq)

    _assert_named(REORDERED, row_id=second.pk, seq=6)


def _rewrite_whole_table(*, resign: bool = False) -> None:
    """What an attacker with full database access does: change a row and recompute every hash."""
    AuditEvent.objects.filter(seq=2).update(summary={"after": {"amount": "0", "i": 1}})
    prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("seq"):
        new_hash = _hash_of(event, prev)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=new_hash)
        prev = new_hash
    AuditChainHead.objects.update(hash=prev)
    AuditCheckpoint.objects.all().delete()
    if resign:
        call_command("audit", "checkpoint")


def test_whole_table_rewrite_is_caught_by_the_stored_signed_checkpoints(chain):
    AuditEvent.objects.filter(seq=2).update(summary={"after": {"amount": "0", "i": 1}})
    prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("seq"):
        new_hash = _hash_of(event, prev)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=new_hash)
        prev = new_hash
    AuditChainHead.objects.update(hash=prev)

    _assert_named(REWRITTEN, row_id=chain[4].pk, seq=5)


@pytest.mark.parametrize("resign", [False, True], ids=["checkpoints-deleted", "checkpoints-re-signed"])
def test_whole_table_rewrite_is_caught_by_an_exported_checkpoint(chain, tmp_path, resign, capsys):
    exported = tmp_path / "checkpoints.json"
    call_command("audit", "export-checkpoints", str(exported))

    _rewrite_whole_table(resign=resign)

    assert audit_verify().ok  # the table alone now tells a consistent (false) story
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", "--checkpoints", str(exported))
    assert excinfo.value.returncode == 1
    assert REWRITTEN in str(excinfo.value)
    assert f"row #{chain[4].pk}" in str(excinfo.value)
    assert "seq 5" in str(excinfo.value)


def test_exported_checkpoints_of_an_intact_chain_match(chain, tmp_path, capsys):
    exported = tmp_path / "checkpoints.json"
    call_command("audit", "export-checkpoints", str(exported))

    call_command("audit", "verify", "--checkpoints", str(exported))

    assert "2 exported checkpoints matched" in capsys.readouterr().out


def test_exported_checkpoint_with_a_forged_signature_is_reported(chain, tmp_path):
    exported = tmp_path / "checkpoints.json"
    call_command("audit", "export-checkpoints", str(exported))
    document = json.loads(exported.read_text())
    document["checkpoints"][0]["hash"] = "0" * 64
    exported.write_text(json.dumps(document))

    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", "--checkpoints", str(exported))

    assert "bad_signature" in str(excinfo.value)


def test_stored_checkpoint_edited_in_the_table_is_reported(chain):
    AuditCheckpoint.objects.filter(seq=5).update(hash="0" * 64)

    report = audit_verify()

    assert [(p.kind, p.seq) for p in report.problems] == [("bad_signature", 5)]


def test_unreadable_checkpoint_file_is_an_error_not_a_crash(chain, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("not json")

    with pytest.raises(CommandError, match="cannot read"):
        call_command("audit", "verify", "--checkpoints", str(bad))


def test_verification_reads_in_pages_and_sees_tampering_across_a_page_boundary(chain, monkeypatch):
    from onestop.core import verification

    monkeypatch.setattr(verification, "_PAGE", 5)
    assert audit_verify().rows_checked == N
    first, second = chain[4], chain[5]  # seq 5 ends the first page, seq 6 starts the second
    AuditEvent.objects.filter(pk=first.pk).update(seq=-1)
    AuditEvent.objects.filter(pk=second.pk).update(seq=5)
    AuditEvent.objects.filter(pk=first.pk).update(seq=6)

    problem = audit_verify().problem

    assert problem is not None
    assert (problem.kind, problem.row_id, problem.seq) == (REORDERED, second.pk, 5)
