"""Verifying the exchange log: re-compute the hash chain, check every row's signature, and name the
first entry that was tampered with.

The walk is the audit trail's (core/verification.py, docs/decisions/0003): sealed rows streamed in
``seq`` order in keyset pages, with a small window of rows behind and ahead of the current one that
tells the kinds of tampering apart at the first row that does not fit:

* **changed** — the row sits where the chain says but its content no longer gives its hash; or its
  hash was recomputed, and the next row (or the chain head) still holds the old one.
* **deleted** — a ``seq`` is missing, or the row links to a row that is gone; a tail cut off is caught
  against the chain head.
* **inserted** — a row the chain does not link through, a duplicate, or one numbered past the head.
* **reordered** — rows swapped places.
* **bad_signature** — the row fits the chain but its Ed25519 signature does not verify with the key
  the directory holds for the logging member (or the deployment's key), or names a key that is
  neither. A rewrite of the whole table, hashes and all, is caught here: nobody without the
  members' keys can re-sign it.

Unsealed rows (``seq`` empty) are not part of the chain yet and are only counted (the sealing lag).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction

from onestop.core import signing
from onestop.core.audit import Actor, audit_record
from onestop.core.sealing import GENESIS_HASH
from onestop.core.verification import BAD_SIGNATURE, CHANGED, DELETED, INSERTED, REORDERED, ChainWalk, Problem
from onestop.exchange import keys
from onestop.exchange.models import ExchangeChainHead, ExchangeLogEntry, Member
from onestop.exchange.sealing import CONTENT_FIELDS, HEAD_PK, entry_hash, signed_message

__all__ = [
    "BAD_SIGNATURE",
    "CHANGED",
    "DELETED",
    "INSERTED",
    "REORDERED",
    "EntryCheck",
    "Problem",
    "VerifyReport",
    "entry_check",
    "exchange_log_check",
    "exchange_log_verify",
]

_PAGE = 2000

_COLUMNS = (*CONTENT_FIELDS, "prev_hash", "hash", "signature", "key_id")
_SEQ = _COLUMNS.index("seq")


class _Row(NamedTuple):
    values: dict[str, Any]  # the content fields, as entry_content() takes them
    id: int
    seq: int
    logged_by: str
    prev_hash: str
    hash: str
    signature: str
    key_id: str

    @classmethod
    def of(cls, columns: tuple[Any, ...]) -> _Row:
        values = dict(zip(_COLUMNS, columns, strict=True))
        return cls(
            values=values,
            id=values["id"],
            seq=values["seq"],
            logged_by=values["logged_by"],
            prev_hash=values.pop("prev_hash"),
            hash=values.pop("hash"),
            signature=values.pop("signature"),
            key_id=values.pop("key_id"),
        )

    def digest(self, prev_hash: str) -> str:
        return entry_hash(prev_hash, self.values)


@dataclass
class VerifyReport:
    """What :func:`exchange_log_verify` found. ``problem`` is the first finding in chain order."""

    rows_checked: int = 0
    signatures_checked: int = 0
    head_seq: int = 0
    unsealed: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> Problem | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: -1 if p.seq is None else p.seq)

    @property
    def rows_per_second(self) -> float:
        return self.rows_checked / self.seconds if self.seconds > 0 else 0.0

    def summary_line(self) -> str:
        return (
            f"{self.rows_checked} sealed entries and {self.signatures_checked} signatures checked up to "
            f"seq {self.head_seq} in {self.seconds:.2f} s ({self.rows_per_second:.0f} entries/s), "
            f"{self.unsealed} entries awaiting sealing"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: what the API answers and the audit event records."""
        first = self.problem
        return {
            "ok": self.ok,
            "rows_checked": self.rows_checked,
            "signatures_checked": self.signatures_checked,
            "head_seq": self.head_seq,
            "unsealed": self.unsealed,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "problem": None if first is None else _problem_dict(first),
            "problems": [_problem_dict(p) for p in self.problems],
        }


def _problem_dict(problem: Problem) -> dict[str, Any]:
    return {
        "kind": problem.kind,
        "seq": problem.seq,
        "entry_id": problem.row_id,
        "message": problem.message,
        "text": str(problem),
    }


class _Keys:
    """The keys rows may be signed with: the directory's key of the logging member, or the
    deployment's. Looked up once per member per run."""

    def __init__(self) -> None:
        self.deployment_pem = signing.public_key_pem()
        self.deployment_id = signing.key_id()
        self._members: dict[str, tuple[str, str]] = {}  # identifier -> (pem, key id), ("", "") if none

    def member_key(self, identifier: str) -> tuple[str, str]:
        known = self._members.get(identifier)
        if known is None:
            pem = Member.objects.filter(identifier=identifier).values_list("public_key", flat=True).first()
            known = ("", "")
            if pem:
                try:
                    known = (pem, keys.key_id(pem))
                except ValueError:
                    known = ("", "")  # an unreadable directory key verifies nothing
            self._members[identifier] = known
        return known

    def fault(self, row: _Row) -> str:
        """Why ``row``'s signature is not good, or "" when it verifies."""
        pem, kid = self.member_key(row.logged_by)
        if pem and row.key_id == kid:
            owner = f"the directory's key of {row.logged_by}"
        elif row.key_id == self.deployment_id:
            pem, owner = self.deployment_pem, "the deployment's key"
        else:
            return (
                f"signed with key {row.key_id or '(none)'}, which is neither the directory's key of "
                f"{row.logged_by} nor the deployment's"
            )
        if keys.verify_with(pem, signed_message(row.hash), row.signature):
            return ""
        return f"its signature does not verify with {owner}"


def _stream(upto: int) -> Iterator[_Row]:
    """Sealed rows with ``seq <= upto`` in seq order, a page at a time."""
    last: int | None = None
    while True:
        qs = ExchangeLogEntry.objects.filter(seq__isnull=False, seq__lte=upto)
        if last is not None:
            qs = qs.filter(seq__gt=last)
        page = list(qs.order_by("seq").values_list(*_COLUMNS)[:_PAGE])
        if not page:
            return
        for columns in page:
            yield _Row.of(columns)
        last = page[-1][_SEQ]


def _signature_problem(
    walk: ChainWalk[_Row], row: _Row, fault: str, head: ExchangeChainHead | None
) -> Problem:
    """A row that fits the chain but whose signature fails. If the next row links across it, it was
    slipped in; if what comes after it (the next row, or the head for the last row) still holds
    another hash, its content was changed and the hash recomputed; otherwise the signature itself
    was forged or the key replaced."""
    following = walk.peek()
    if following is not None and following.prev_hash == row.prev_hash:
        return Problem(INSERTED, row.seq, row.id, f"the next row #{following.id} links across it ({fault})")
    old_hash = following.prev_hash if following is not None else (head.hash if head is not None else "")
    if old_hash and old_hash != row.hash:
        return Problem(CHANGED, row.seq, row.id, f"its content was changed and its hash recomputed ({fault})")
    return Problem(BAD_SIGNATURE, row.seq, row.id, fault)


def exchange_log_verify() -> VerifyReport:
    """Re-compute the exchange log's chain and check every signature; report the first entry that
    was changed, deleted, inserted, reordered or whose signature fails, a tail cut off against the
    chain head, and how many entries still await sealing."""
    started = time.perf_counter()
    report = VerifyReport()
    head = ExchangeChainHead.objects.filter(pk=HEAD_PK).first()
    if head is not None:
        upto = head.seq
    else:
        # Without a head, still check every sealed row; the missing head is reported at the end.
        last = (
            ExchangeLogEntry.objects.filter(seq__isnull=False)
            .order_by("-seq")
            .values_list("seq", flat=True)
            .first()
        )
        upto = last or 0
    report.head_seq = upto
    signatures = _Keys()

    walk = ChainWalk(_stream(upto))
    broken = False
    while (row := walk.next()) is not None:
        if not walk.fits(row):
            report.problems.append(walk.classify(row))
            broken = True
            break
        fault = signatures.fault(row)
        report.signatures_checked += 1
        if fault:
            report.problems.append(_signature_problem(walk, row, fault, head))
            broken = True
            break
        walk.advance(row)
        report.rows_checked += 1

    if not broken:
        _check_tail(report, walk, head)
    if head is not None:
        _check_beyond_head(report)
    report.unsealed = ExchangeLogEntry.objects.filter(seq__isnull=True).count()
    report.seconds = time.perf_counter() - started
    return report


def _check_tail(report: VerifyReport, walk: ChainWalk[_Row], head: ExchangeChainHead | None) -> None:
    """After an unbroken walk the chain must end where the head says."""
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
                head.entry_id,
                f"the chain ends at seq {end}; the sealer sealed up to {head.seq}: the tail was cut off",
            )
        )
    elif head.seq and head.hash != walk.prev_hash and walk.last is not None:
        report.problems.append(
            Problem(
                CHANGED, walk.last.seq, walk.last.id, "the last row's hash differs from the sealed head's"
            )
        )


def _check_beyond_head(report: VerifyReport) -> None:
    """Rows numbered past the sealed head were not placed by the sealer (it moves both together)."""
    with transaction.atomic():
        # Locked so a sealer committing right now cannot look like an insertion.
        head = ExchangeChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
        limit = head.seq if head is not None else 0
        forged = (
            ExchangeLogEntry.objects.filter(seq__gt=limit).order_by("seq").values_list("id", "seq").first()
        )
    if forged is not None:
        report.problems.append(
            Problem(INSERTED, forged[1], forged[0], f"numbered past the sealed head (seq {limit})")
        )


def exchange_log_check(*, actor: Actor) -> VerifyReport:
    """Verify the log on someone's behalf (the auditor's button, the API) and record that they did
    and what they found, as the audit event ``exchange.verify``.

    The walk itself runs outside any transaction (it may take minutes on a large log and holds no
    lock); only the audit event is written, in its own short one."""
    report = exchange_log_verify()
    summary = report.as_dict()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="exchange.verify",
            after={key: value for key, value in summary.items() if key != "problems"},
        )
    return report


@dataclass(frozen=True)
class EntryCheck:
    """One sealed entry checked on its own (the auditor's entry page): does its content still give
    its hash, does its signature verify, and does the entry before it end in its ``prev_hash``."""

    hash_ok: bool
    signature_fault: str  # "" when the signature verifies
    previous_id: int | None  # the entry at seq - 1, None for the first or when it is missing
    links_ok: bool

    @property
    def ok(self) -> bool:
        return self.hash_ok and not self.signature_fault and self.links_ok


def entry_check(entry: ExchangeLogEntry) -> EntryCheck | None:
    """Check one entry against its neighbour; None while it is not sealed."""
    if entry.seq is None:
        return None
    columns = tuple(getattr(entry, name) for name in _COLUMNS)
    row = _Row.of(columns)
    previous = None
    if entry.seq > 1:
        previous = ExchangeLogEntry.objects.filter(seq=entry.seq - 1).values_list("id", "hash").first()
    expected_prev = GENESIS_HASH if entry.seq == 1 else (previous[1] if previous is not None else None)
    return EntryCheck(
        hash_ok=row.digest(row.prev_hash) == row.hash,
        signature_fault=_Keys().fault(row),
        previous_id=previous[0] if previous is not None else None,
        links_ok=expected_prev is not None and expected_prev == row.prev_hash,
    )
