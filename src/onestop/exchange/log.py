"""The exchange log: one row per exchange per side, appended on the request path with a single
INSERT (no lock, no chain work), sealed later into a hash chain signed by the logging member
(see :func:`exchange_log_seal`), verified by ``onestop exchange verify``."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from onestop.exchange.models import ExchangeLogEntry


def log_body_text(body: bytes) -> str:
    """A body as the log keeps it (both sides alike): the text when it is UTF-8 without NUL (JSON
    always is), else ``base64:…`` — PostgreSQL text cannot hold NUL."""
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        return "base64:" + base64.b64encode(body).decode("ascii")
    return text


@dataclass
class LogRecord:
    """What one side records about one exchange."""

    side: str
    logged_by: str
    x_road_id: str
    request_id: str
    client: str
    service: str
    method: str
    path: str
    status: int
    request_hash: str
    latency_ms: float
    started_at: datetime
    client_member_id: int | None = None
    data_service_id: int | None = None
    user_id: str = ""
    issue: str = ""
    purpose: str = ""
    subject: str = ""
    error_type: str = ""
    response_hash: str = ""
    request_body: str | None = None
    response_body: str | None = None


def exchange_log_append(record: LogRecord) -> ExchangeLogEntry:
    """Append one entry: a plain INSERT in autocommit (or the caller's transaction), nothing else.
    Values are cut to their column widths so a long header can never make logging fail."""
    entry = ExchangeLogEntry(
        side=record.side,
        logged_by=record.logged_by[:1024],
        x_road_id=record.x_road_id[:255],
        request_id=record.request_id[:64],
        client=record.client[:1024],
        service=record.service[:1024],
        client_member_id=record.client_member_id,
        data_service_id=record.data_service_id,
        user_id=record.user_id[:255],
        issue=record.issue[:255],
        purpose=record.purpose[:60],
        subject=record.subject[:20],
        method=record.method[:10],
        path=record.path[:2048],
        status=record.status,
        error_type=record.error_type[:80],
        request_hash=record.request_hash[:100],
        response_hash=record.response_hash[:100],
        latency_ms=record.latency_ms,
        started_at=record.started_at,
        request_body=record.request_body,
        response_body=record.response_body,
    )
    entry.save(force_insert=True)
    return entry
