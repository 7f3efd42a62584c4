"""Sealing the audit trail: giving committed events their place in the hash chain.

Business transactions only INSERT audit events (``seq`` empty) and never touch a shared row, so they
never wait on a chain lock. The sealer runs on its own (a periodic task, ``onestop audit seal``): it
locks the single :class:`~onestop.core.models.AuditChainHead` row (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite the IMMEDIATE transaction already serialises writers), takes the committed
unsealed rows in id order and chains them::

    hash = sha256(prev_hash || canonical JSON of (seq, id, occurred_at, actor, action, target,
                                                  summary, request_id))

On PostgreSQL a row with a lower id may commit after higher ids were sealed; it simply gets a later
``seq``. The chain order is ``seq``, never ``id``. Every ``ONESTOP_AUDIT_CHECKPOINT_EVERY`` sealed
rows (and on demand) the head ``(seq, hash)`` is signed with the deployment's Ed25519 key.

Sealing writes no audit event of its own: it is the audit trail's own bookkeeping, and an event per
seal would feed the sealer forever.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from onestop.core import signing
from onestop.core.models import AuditChainHead, AuditCheckpoint, AuditEvent

GENESIS_HASH = "0" * 64  # the prev_hash of seq 1
HEAD_PK = 1

# The columns a row's hash covers, in the order of :func:`event_content`'s parameters.
CONTENT_FIELDS: tuple[str, ...] = (
    "id",
    "seq",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "summary",
    "request_id",
)


def event_content(
    id: int,
    seq: int,
    occurred_at: datetime,
    actor_kind: str,
    actor_id: str,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str,
    summary: Any,
    request_id: str,
) -> bytes:
    """The canonical JSON of a row's content: sorted keys, no spaces, UTC microsecond timestamps.

    ``summary`` is hashed as read back from the database (plain JSON values), so the sealer and the
    verifier, which both read it from the table, always see the same thing."""
    document = {
        "seq": seq,
        "id": id,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": {"kind": actor_kind, "id": actor_id, "label": actor_label},
        "action": action,
        "target": {"type": target_type, "id": target_id, "label": target_label},
        "summary": summary,
        "request_id": request_id,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii", errors="replace") + content).hexdigest()


def checkpoint_message(seq: int, hash: str) -> bytes:
    """The bytes a checkpoint signature covers (versioned, so the format can change later)."""
    return f"onestop-audit-checkpoint/v1\n{seq}\n{hash}".encode("ascii", errors="replace")


def _event_hash(prev_hash: str, event: AuditEvent) -> str:
    assert event.seq is not None
    content = event_content(*(getattr(event, name) for name in CONTENT_FIELDS))
    return chain_hash(prev_hash, content)


def _lock_head() -> AuditChainHead:
    """Lock (creating if need be) the chain head. Must run inside ``transaction.atomic()``."""
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    # First seal ever. Start from the last sealed row if there is one, so a lost head row cannot make
    # the sealer hand out seq 1 again (verification still reports the missing head's rows as cut).
    last = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").first()
    AuditChainHead.objects.get_or_create(
        pk=HEAD_PK,
        defaults={
            "seq": last.seq if last is not None and last.seq is not None else 0,
            "hash": last.hash if last is not None else "",
            "event_id": last.pk if last is not None else None,
            "updated_at": timezone.now(),
        },
    )
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)


def _new_checkpoint(seq: int, hash: str, now: datetime) -> AuditCheckpoint:
    return AuditCheckpoint(
        seq=seq,
        hash=hash,
        created_at=now,
        key_id=signing.key_id(),
        signature=signing.sign(checkpoint_message(seq, hash)),
    )


def _write_seals(events: list[AuditEvent], now: datetime) -> None:
    """One parameterised UPDATE per row, sent as a batch: ``bulk_update`` builds a CASE expression
    per column whose Python-side cost dominated a sealer run (and the seconds of lag it adds)."""
    meta = AuditEvent._meta
    connection = connections[router.db_for_write(AuditEvent)]
    quote = connection.ops.quote_name
    column_of: dict[str, str] = {}
    for field in meta.concrete_fields:
        assert field.column is not None
        column_of[field.name] = field.column
    assignments = ", ".join(
        f"{quote(column_of[name])} = %s" for name in ("seq", "prev_hash", "hash", "sealed_at")
    )
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(column_of['id'])} = %s"
    sealed_at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(e.seq, e.prev_hash, e.hash, sealed_at, e.pk) for e in events])


def _seal_batch(batch_size: int) -> int:
    every = int(settings.ONESTOP_AUDIT_CHECKPOINT_EVERY)
    # Look before taking the chain lock, as exchange/sealing does: an idle run takes no write lock.
    if not AuditEvent.objects.filter(seq__isnull=True).exists():
        return 0
    with transaction.atomic():
        head = _lock_head()
        events = list(
            AuditEvent.objects.filter(seq__isnull=True)
            .order_by("id")
            .only(*CONTENT_FIELDS, "prev_hash", "hash", "sealed_at")[:batch_size]
        )
        if not events:
            return 0
        now = timezone.now()
        prev = head.hash or GENESIS_HASH
        seq = head.seq
        checkpoints: list[AuditCheckpoint] = []
        for event in events:
            seq += 1
            event.seq = seq
            event.prev_hash = prev
            event.hash = _event_hash(prev, event)
            event.sealed_at = now
            prev = event.hash
            if every > 0 and seq % every == 0:
                checkpoints.append(_new_checkpoint(seq, prev, now))
        _write_seals(events, now)
        if checkpoints:
            AuditCheckpoint.objects.bulk_create(checkpoints)
        head.seq = seq
        head.hash = prev
        head.event_id = events[-1].pk
        head.updated_at = now
        head.save(update_fields=["seq", "hash", "event_id", "updated_at"])
    return len(events)


def audit_seal(*, batch_size: int = 5000) -> int:
    """Chain every committed unsealed audit event; returns how many were sealed.

    Each batch is its own short transaction, so the chain lock (and on SQLite the write lock) is
    held for one batch at a time. Rows that commit while this runs are picked up by a later batch
    or the next run."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    total = 0
    while True:
        sealed = _seal_batch(batch_size)
        total += sealed
        if sealed < batch_size:
            return total


def audit_checkpoint() -> AuditCheckpoint | None:
    """Sign the current chain head now (the scheduled ones come every N sealed rows).

    Returns the checkpoint at the head (an existing one if the head already has one), or None
    while nothing has been sealed yet."""
    with transaction.atomic():
        head = _lock_head()
        if head.seq == 0:
            return None
        existing = AuditCheckpoint.objects.filter(seq=head.seq).first()
        if existing is not None:
            return existing
        checkpoint = _new_checkpoint(head.seq, head.hash, timezone.now())
        checkpoint.save()
        return checkpoint


def verify_checkpoint_signature(
    *,
    seq: int,
    hash: str,
    signature: str,
    public_key_pem: str | None = None,
) -> bool:
    """True if ``signature`` signs ``(seq, hash)`` with the given (or the deployment's) key."""
    return signing.verify(checkpoint_message(seq, hash), signature, public_key_pem)
