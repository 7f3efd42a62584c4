"""Verifying the audit trail: re-compute the hash chain and name the first row that was tampered with.

The walk streams sealed rows in ``seq`` order (keyset pages, so a million rows never sit in memory)
and keeps a small window of rows behind and ahead of the current one. At the first row that does not
fit, the window tells the four kinds of tampering apart:

* **changed** — the row sits where the chain says (its link fits, the next row links to it) but its
  content no longer gives its hash; or its hash was recomputed, and the next row still links to the
  old one.
* **deleted** — a ``seq`` is missing, or the row links to a row that is nowhere near; a tail cut off is
  caught against the chain head and the checkpoints.
* **inserted** — a row the chain does not link through: the next row links across it, it duplicates
  another row, its ``seq`` was already used, or it lies beyond the sealed head.
* **reordered** — the row that belongs at this ``seq`` appears later, and this row's own neighbours
  are nearby: rows swapped places.

Signed checkpoints (stored, and exported ones given by the caller) are checked for their signature
and against the recomputed hash at their ``seq``; an internally consistent chain that no longer matches
a checkpoint was **rewritten**. Unsealed rows (``seq`` empty) are not part of the chain yet and are
only counted: the sealer's lag is expected.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from django.db import transaction

from onestop.core import signing
from onestop.core.models import AuditChainHead, AuditCheckpoint, AuditEvent
from onestop.core.sealing import (
    CONTENT_FIELDS,
    GENESIS_HASH,
    HEAD_PK,
    chain_hash,
    event_content,
    verify_checkpoint_signature,
)

CHANGED = "changed"
DELETED = "deleted"
INSERTED = "inserted"
REORDERED = "reordered"
REWRITTEN = "rewritten"
BAD_SIGNATURE = "bad_signature"

_WINDOW = 256  # rows looked at behind and ahead of a break; swaps farther apart read as delete+insert
_PAGE = 2000


class _Row(NamedTuple):
    id: int
    seq: int
    occurred_at: datetime
    actor_kind: str
    actor_id: str
    actor_label: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    summary: Any
    request_id: str
    prev_hash: str
    hash: str

    def digest(self, prev_hash: str) -> str:
        content = event_content(
            self.id,
            self.seq,
            self.occurred_at,
            self.actor_kind,
            self.actor_id,
            self.actor_label,
            self.action,
            self.target_type,
            self.target_id,
            self.target_label,
            self.summary,
            self.request_id,
        )
        return chain_hash(prev_hash, content)


_COLUMNS = (*CONTENT_FIELDS, "prev_hash", "hash")


@dataclass(frozen=True)
class Problem:
    """One finding. ``seq``/``row_id`` name the row at fault; for a deletion ``seq`` is the missing
    position and ``row_id`` the row right after the gap (the deleted row's id is gone with it)."""

    kind: str
    seq: int | None
    row_id: int | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row_id is not None:
            where.append(f"row #{self.row_id}")
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        return f"{self.kind} at {', '.join(where) or 'chain'}: {self.message}"


@dataclass
class VerifyReport:
    """What :func:`audit_verify` found. ``problem`` is the first finding in chain order."""

    rows_checked: int = 0
    head_seq: int = 0
    unsealed: int = 0
    checkpoints_checked: int = 0
    exported_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> Problem | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: -1 if p.seq is None else p.seq)

    def summary_line(self) -> str:
        return (
            f"{self.rows_checked} sealed rows checked up to seq {self.head_seq}, "
            f"{self.checkpoints_checked} stored and {self.exported_checked} exported checkpoints matched, "
            f"{self.unsealed} rows awaiting sealing"
        )


@dataclass(frozen=True)
class _Expected:
    hash: str
    label: str
    exported: bool


def _stream(upto: int) -> Iterator[_Row]:
    """Sealed rows with ``seq <= upto`` in seq order, a page at a time."""
    last: int | None = None
    while True:
        qs = AuditEvent.objects.filter(seq__isnull=False, seq__lte=upto)
        if last is not None:
            qs = qs.filter(seq__gt=last)
        page = list(qs.order_by("seq").values_list(*_COLUMNS)[:_PAGE])
        if not page:
            return
        for values in page:
            yield _Row(*values)
        last = page[-1][1]


def load_exported_checkpoints(path: str | Path) -> list[dict[str, Any]]:
    """Read a file written by ``onestop audit export-checkpoints``; each checkpoint carries the
    file's public key so it can be checked even after the deployment's key changed."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("checkpoints"), list):
        raise ValueError(f"{path} is not an exported checkpoint file")
    pem = document.get("public_key_pem")
    return [{"public_key_pem": pem, **cp} for cp in document["checkpoints"] if isinstance(cp, dict)]


def export_checkpoints() -> dict[str, Any]:
    """The stored checkpoints as a JSON-ready document, with the key that signed them."""
    return {
        "format": "onestop-audit-checkpoints/1",
        "key_id": signing.key_id(),
        "public_key_pem": signing.public_key_pem(),
        "checkpoints": [
            {
                "seq": cp.seq,
                "hash": cp.hash,
                "created_at": cp.created_at.isoformat(),
                "key_id": cp.key_id,
                "signature": cp.signature,
            }
            for cp in AuditCheckpoint.objects.order_by("seq")
        ],
    }


def _check_stored(report: VerifyReport, upto: int, expected: dict[int, list[_Expected]]) -> None:
    own_key = signing.key_id()
    for cp in AuditCheckpoint.objects.filter(seq__lte=upto).order_by("seq"):
        label = f"stored checkpoint @{cp.seq} of {cp.created_at:%Y-%m-%d %H:%M}"
        if cp.key_id != own_key:
            report.problems.append(
                Problem(BAD_SIGNATURE, cp.seq, None, f"{label} is signed by unknown key {cp.key_id}")
            )
        elif not verify_checkpoint_signature(seq=cp.seq, hash=cp.hash, signature=cp.signature):
            report.problems.append(Problem(BAD_SIGNATURE, cp.seq, None, f"{label} has an invalid signature"))
        else:
            expected.setdefault(cp.seq, []).append(_Expected(cp.hash, label, exported=False))


def _check_exported(
    report: VerifyReport, checkpoints: list[dict[str, Any]], expected: dict[int, list[_Expected]]
) -> None:
    for raw in checkpoints:
        try:
            seq = int(raw["seq"])
            hash_ = str(raw["hash"])
            signature = str(raw["signature"])
        except (KeyError, TypeError, ValueError):
            report.problems.append(
                Problem(BAD_SIGNATURE, None, None, f"malformed exported checkpoint {raw!r}")
            )
            continue
        pem = raw.get("public_key_pem")
        label = f"exported checkpoint @{seq}"
        if not verify_checkpoint_signature(
            seq=seq, hash=hash_, signature=signature, public_key_pem=str(pem) if pem else None
        ):
            report.problems.append(Problem(BAD_SIGNATURE, seq, None, f"{label} has an invalid signature"))
            continue
        expected.setdefault(seq, []).append(_Expected(hash_, label, exported=True))


class ChainRow(Protocol):
    """What the chain walk needs of a row: its place, its links and how to recompute its hash."""

    @property
    def id(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...
    def digest(self, prev_hash: str) -> str: ...


R = TypeVar("R", bound=ChainRow)


class ChainWalk(Generic[R]):
    """The chain walk: the current position plus the window of rows around it. Shared by every
    hash chain (the audit trail here, the exchange log) over rows that satisfy :class:`ChainRow`."""

    def __init__(self, rows: Iterator[R]) -> None:
        self.rows = rows
        self.ahead: deque[R] = deque()
        self.behind: deque[R] = deque(maxlen=_WINDOW)
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.last: R | None = None

    def fill(self, n: int) -> None:
        while len(self.ahead) < n:
            row = next(self.rows, None)
            if row is None:
                return
            self.ahead.append(row)

    def next(self) -> R | None:
        self.fill(1)
        return self.ahead.popleft() if self.ahead else None

    def peek(self) -> R | None:
        self.fill(1)
        return self.ahead[0] if self.ahead else None

    def fits(self, row: R) -> bool:
        return (
            row.seq == self.expected_seq
            and row.prev_hash == self.prev_hash
            and row.digest(self.prev_hash) == row.hash
        )

    def advance(self, row: R) -> None:
        self.behind.append(row)
        self.last = row
        self.prev_hash = row.hash
        self.expected_seq = row.seq + 1

    def classify(self, row: R) -> Problem:
        """Name the tampering that makes ``row`` not fit (see the module docstring)."""
        self.fill(_WINDOW)
        ahead = list(self.ahead)
        nearby = {r.hash: r for r in (*self.behind, *ahead)}
        seq = self.expected_seq
        last = self.last
        self_consistent = row.digest(row.prev_hash) == row.hash

        if row.seq < seq:
            return Problem(INSERTED, row.seq, row.id, f"seq {row.seq} lies before the chain's position {seq}")
        twin = nearby.get(row.hash)
        if twin is not None and twin.id != row.id:
            return Problem(INSERTED, row.seq, row.id, f"duplicates row #{twin.id} (seq {twin.seq})")
        if row.seq > seq:
            if row.prev_hash == self.prev_hash:
                if self_consistent:
                    return Problem(
                        INSERTED, row.seq, row.id, f"links to seq {seq - 1} but claims seq {row.seq}"
                    )
                return Problem(CHANGED, row.seq, row.id, "its seq no longer matches its hash")
            missing = f"seq {seq}" if row.seq == seq + 1 else f"seqs {seq}–{row.seq - 1}"
            return Problem(
                DELETED, seq, row.id, f"{missing} missing: row #{row.id} links to a row that is gone"
            )
        if row.prev_hash == self.prev_hash:
            following = ahead[0] if ahead else None
            if following is not None and following.prev_hash == self.prev_hash:
                return Problem(INSERTED, row.seq, row.id, f"the next row #{following.id} links across it")
            return Problem(CHANGED, row.seq, row.id, "its content no longer matches its hash")
        # Same seq as expected, but it does not link to the row before it.
        if last is not None and row.prev_hash == last.prev_hash:
            return Problem(INSERTED, last.seq, last.id, f"row #{row.id} (seq {row.seq}) links across it")
        belongs_here = next((r for r in ahead if r.prev_hash == self.prev_hash), None)
        if belongs_here is not None:
            linked = row.prev_hash in nearby or any(r.prev_hash == row.hash for r in ahead)
            if linked:
                return Problem(
                    REORDERED,
                    row.seq,
                    row.id,
                    f"out of place: row #{belongs_here.id} (now seq {belongs_here.seq}) belongs at seq {seq}",
                )
            return Problem(
                INSERTED,
                row.seq,
                row.id,
                f"not linked into the chain, which goes on at row #{belongs_here.id}",
            )
        if self_consistent and last is not None:
            return Problem(
                CHANGED,
                last.seq,
                last.id,
                f"its hash was recomputed: row #{row.id} still links to the old one",
            )
        return Problem(DELETED, seq, row.id, f"a row before row #{row.id} is gone and the rest renumbered")


def _check_at(
    report: VerifyReport, walk: ChainWalk[_Row], row: _Row, expected: dict[int, list[_Expected]]
) -> bool:
    """Compare the chain at ``row`` with the checkpoints there; False when one does not match."""
    for exp in expected.get(row.seq, ()):
        if exp.hash == row.hash:
            if exp.exported:
                report.exported_checked += 1
            else:
                report.checkpoints_checked += 1
            continue
        walk.fill(1)
        following = walk.ahead[0] if walk.ahead else None
        if following is not None and following.prev_hash != row.hash:
            return True  # a local break right after: the walk's next step names it more precisely
        report.problems.append(
            Problem(
                REWRITTEN,
                row.seq,
                row.id,
                f"the chain at seq {row.seq} does not match the {exp.label}: the rows up to here were rewritten",
            )
        )
        return False
    return True


def audit_verify(*, checkpoints: list[dict[str, Any]] | None = None) -> VerifyReport:
    """Re-compute the audit chain and report the first row that was changed, deleted, inserted or
    reordered, plus any checkpoint that is forged or no longer matches (``checkpoints``: exported
    ones, e.g. from :func:`load_exported_checkpoints`, which catch a rewrite of the whole table)."""
    report = VerifyReport()
    head = AuditChainHead.objects.filter(pk=HEAD_PK).first()
    upto = head.seq if head is not None else 0
    report.head_seq = upto
    expected: dict[int, list[_Expected]] = {}
    _check_stored(report, upto, expected)
    _check_exported(report, checkpoints or [], expected)

    walk = ChainWalk[_Row](_stream(upto))
    broken = False
    while (row := walk.next()) is not None:
        if not walk.fits(row):
            report.problems.append(walk.classify(row))
            broken = True
            break
        walk.advance(row)
        report.rows_checked += 1
        if not _check_at(report, walk, row, expected):
            broken = True
            break

    if not broken:
        _check_tail(report, walk, head, expected)
    _check_beyond_head(report)
    report.unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
    return report


def _check_tail(
    report: VerifyReport,
    walk: ChainWalk[_Row],
    head: AuditChainHead | None,
    expected: dict[int, list[_Expected]],
) -> None:
    """After an unbroken walk: the chain must end where the head (and every checkpoint) says."""
    end = walk.expected_seq - 1
    if head is None:
        if walk.last is not None:
            report.problems.append(Problem(DELETED, None, None, "the chain head record is missing"))
        return
    if end < head.seq:
        report.problems.append(
            Problem(
                DELETED,
                end + 1,
                head.event_id,
                f"the chain ends at seq {end}; the sealer sealed up to {head.seq}",
            )
        )
    elif head.seq and head.hash != walk.prev_hash and walk.last is not None:
        report.problems.append(
            Problem(
                CHANGED, walk.last.seq, walk.last.id, "the last row's hash differs from the sealed head's"
            )
        )
    for seq, exps in expected.items():
        if seq > end:
            report.problems.extend(
                Problem(DELETED, seq, None, f"the chain ends at seq {end}, before the {exp.label}")
                for exp in exps
            )


def _check_beyond_head(report: VerifyReport) -> None:
    """Rows numbered past the sealed head were not placed by the sealer (it moves both together)."""
    with transaction.atomic():
        # Locked so a sealer committing right now cannot look like an insertion.
        head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
        limit = head.seq if head is not None else 0
        forged = AuditEvent.objects.filter(seq__gt=limit).order_by("seq").values_list("id", "seq").first()
    if forged is not None:
        report.problems.append(
            Problem(INSERTED, forged[1], forged[0], f"numbered past the sealed head (seq {limit})")
        )
