"""Sealing the exchange log: giving committed entries their place in the hash chain and the logging
member's signature.

The request path only INSERTs :class:`~onestop.exchange.models.ExchangeLogEntry` rows with ``seq``
empty (exchange/log.py), so an exchange never waits on a chain lock. The sealer runs on its own (the
periodic task ``seal_exchange_log``, ``onestop exchange seal``), exactly as the audit trail's does
(docs/decisions/0003): it locks the single :class:`~onestop.exchange.models.ExchangeChainHead` row
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the IMMEDIATE transaction already serialises
writers), takes the committed unsealed rows in id order and chains them::

    hash      = sha256(prev_hash || canonical JSON of the entry's content, incl. seq and id)
    signature = Ed25519 over "onestop-exchange-log/v1\\n" + hash, by the logging member

The logging member is ``logged_by``: a subsystem this deployment hosts signs with its own key
(derived from the deployment key, exchange/keys.py) so a provider's log is provably its own; a row
logged by anyone else (a remote member, or no member at all) is signed with the deployment's key.
``key_id`` names the key, and verification (exchange/verification.py) checks the signature against
the key the directory holds for that member, or the deployment's.

A row that commits late gets a later ``seq``; the chain order is ``seq``, never ``id``. Sealing writes
no audit event: it is the log's own bookkeeping.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from onestop.core import signing
from onestop.core.sealing import GENESIS_HASH, chain_hash
from onestop.exchange import directory, keys
from onestop.exchange.models import ExchangeChainHead, ExchangeLogEntry

HEAD_PK = 1
SIGNATURE_CONTEXT = b"onestop-exchange-log/v1\n"

# The columns a row's hash covers. The foreign keys (client_member, data_service) are left out on
# purpose: they are SET NULL when a directory entry is deleted, which must not read as tampering;
# the ``client`` and ``service`` identifiers they duplicate are covered.
CONTENT_FIELDS: tuple[str, ...] = (
    "id",
    "seq",
    "side",
    "logged_by",
    "x_road_id",
    "request_id",
    "client",
    "service",
    "user_id",
    "issue",
    "purpose",
    "subject",
    "method",
    "path",
    "status",
    "error_type",
    "request_hash",
    "response_hash",
    "latency_ms",
    "started_at",
    "request_body",
    "response_body",
)


def _body_digest(body: str | None) -> str | None:
    # Bodies can be large: the chain covers their digest, which changes as surely as they do.
    if body is None:
        return None
    return hashlib.sha256(body.encode("utf-8", errors="surrogatepass")).hexdigest()


def entry_content(values: dict[str, Any]) -> bytes:
    """The canonical JSON of an entry's content (``values`` maps every name of
    :data:`CONTENT_FIELDS` to the value read from the table): sorted keys, no spaces, UTC
    microsecond timestamps, bodies as their SHA-256."""
    started_at: datetime = values["started_at"]
    document = {name: values[name] for name in CONTENT_FIELDS}
    document["started_at"] = started_at.astimezone(UTC).isoformat(timespec="microseconds")
    document["latency_ms"] = float(values["latency_ms"])
    document["request_body"] = _body_digest(values["request_body"])
    document["response_body"] = _body_digest(values["response_body"])
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(prev_hash: str, values: dict[str, Any]) -> str:
    return chain_hash(prev_hash, entry_content(values))


def signed_message(hash: str) -> bytes:
    """The bytes a row's signature covers. The context string keeps a log signature from ever
    being mistaken for a member's signature of a request (same key, other message)."""
    return SIGNATURE_CONTEXT + hash.encode("ascii", errors="replace")


@dataclass(frozen=True)
class Signer:
    """Who signs the rows one member logged, and the name of the key."""

    member: str  # the subsystem whose key it is, "" for the deployment's key
    key_id: str

    def sign(self, data: bytes) -> str:
        if self.member:
            return keys.sign_as(self.member, data)
        return signing.sign(data)


def signer_for(logged_by: str) -> Signer:
    """The hosted member's own key, else the deployment's."""
    info = directory.member(logged_by)
    if info is not None and info.hosted:
        return Signer(member=logged_by, key_id=keys.key_id(keys.member_public_key_pem(logged_by)))
    return Signer(member="", key_id=signing.key_id())


def _lock_head() -> ExchangeChainHead:
    """Lock (creating if need be) the chain head. Must run inside ``transaction.atomic()``."""
    head = ExchangeChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    # First seal ever. Start from the last sealed row if there is one, so a lost head row cannot make
    # the sealer hand out seq 1 again (verification still reports the missing head).
    last = ExchangeLogEntry.objects.filter(seq__isnull=False).order_by("-seq").first()
    ExchangeChainHead.objects.get_or_create(
        pk=HEAD_PK,
        defaults={
            "seq": last.seq if last is not None and last.seq is not None else 0,
            "hash": last.hash if last is not None else "",
            "entry_id": last.pk if last is not None else None,
            "updated_at": timezone.now(),
        },
    )
    return ExchangeChainHead.objects.select_for_update().get(pk=HEAD_PK)


_SEAL_COLUMNS = ("seq", "prev_hash", "hash", "signature", "key_id", "sealed_at")


def _write_seals(rows: list[tuple[int, int, str, str, str, str]], now: datetime) -> None:
    """One parameterised UPDATE per row, sent as one batch (``executemany``), as core/sealing does:
    ``bulk_update``'s CASE expressions cost more than the hashing itself."""
    meta = ExchangeLogEntry._meta
    connection = connections[router.db_for_write(ExchangeLogEntry)]
    quote = connection.ops.quote_name
    column_of: dict[str, str] = {}
    for field in meta.concrete_fields:
        assert field.column is not None
        column_of[field.name] = field.column
    assignments = ", ".join(f"{quote(column_of[name])} = %s" for name in _SEAL_COLUMNS)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(column_of['id'])} = %s"
    sealed_at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [(seq, prev, hash_, sig, kid, sealed_at, pk) for pk, seq, prev, hash_, sig, kid in rows],
        )


def _seal_batch(batch_size: int) -> int:
    # Look before taking the chain lock: most periodic runs find nothing, and on SQLite every
    # atomic block takes the database's write lock (BEGIN IMMEDIATE), which would hold up the
    # request path's INSERTs for nothing. The partial unsealed index makes the look cheap.
    if not ExchangeLogEntry.objects.filter(seq__isnull=True).exists():
        return 0
    with transaction.atomic():
        head = _lock_head()
        fields = tuple(name for name in CONTENT_FIELDS if name != "seq")
        pending = list(
            ExchangeLogEntry.objects.filter(seq__isnull=True).order_by("id").values(*fields)[:batch_size]
        )
        if not pending:
            return 0
        now = timezone.now()
        prev = head.hash or GENESIS_HASH
        seq = head.seq
        signers: dict[str, Signer] = {}
        rows: list[tuple[int, int, str, str, str, str]] = []
        for values in pending:
            seq += 1
            values["seq"] = seq
            hash_ = entry_hash(prev, values)
            logged_by = values["logged_by"]
            signer = signers.get(logged_by)
            if signer is None:
                signer = signers[logged_by] = signer_for(logged_by)
            rows.append((values["id"], seq, prev, hash_, signer.sign(signed_message(hash_)), signer.key_id))
            prev = hash_
        _write_seals(rows, now)
        head.seq = seq
        head.hash = prev
        head.entry_id = rows[-1][0]
        head.updated_at = now
        head.save(update_fields=["seq", "hash", "entry_id", "updated_at"])
    return len(rows)


def exchange_log_seal(batch_size: int = 5000) -> int:
    """Chain and sign every committed unsealed log entry; returns how many were sealed.

    Each batch is its own short transaction, so the chain lock (and on SQLite the write lock) is
    held for one batch at a time. Rows that commit while this runs go to a later batch or run."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    total = 0
    while True:
        sealed = _seal_batch(batch_size)
        total += sealed
        if sealed < batch_size:
            return total
