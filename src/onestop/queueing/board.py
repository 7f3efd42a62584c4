"""What a centre's display boards show: the last calls ("A-042 → counter 7") and how many people wait
in each queue.

Every board polls once a second. :func:`board_snapshot` computes the data with one SQL statement and
keeps it in the cache for :data:`SNAPSHOT_SECONDS`, keyed per centre, so that all the boards of a
centre (and the REST endpoint) cost one query per update between them, not one per board. With the
per-process memory cache that is one query per web process; a shared cache (``ONESTOP_CACHE_URL``)
makes it one for the whole deployment. Cache period plus polling interval keep a new call on the
board within two seconds.

The HTML boards poll for a rendered panel, which :func:`board_panel` keeps beside the snapshot, one
per language: a poll between two snapshots is one cache read, with nothing computed or rendered. A
panel is only served while the snapshot it was drawn from is, so it is never older than a snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from onestop.centres.models import Centre, Counter
from onestop.queueing.models import Queue, Ticket, TicketEvent

SNAPSHOT_SECONDS = 1
LAST_CALLS = 8


class BoardCall(TypedDict):
    id: int  # of the TicketEvent: tells a new call (or a recall) from one already shown
    number: str
    counter: int | None
    at: datetime
    recall: bool


class BoardQueue(TypedDict):
    prefix: str
    names: dict[str, str]  # language code → name, falling back to the default language
    waiting: int


class BoardSnapshot(TypedDict):
    centre: str
    generated_at: datetime
    calls: list[BoardCall]  # newest first
    queues: list[BoardQueue]  # in the centre's order


def _cache_key(centre_id: int) -> str:
    return f"queueing:board-snapshot:{centre_id}"  # (snapshot, fresh until)


def _panel_key(centre_id: int, language: str) -> str:
    return f"queueing:board-panel:{centre_id}:{language}"


def board_snapshot(centre: Centre, *, at: datetime | None = None) -> BoardSnapshot:
    """The board data of ``centre``: at most one database query per :data:`SNAPSHOT_SECONDS`."""
    return _current_snapshot(centre, at=at)[0]


def board_panel(centre: Centre, language: str, render: Callable[[BoardSnapshot], str]) -> bytes:
    """The live panel of ``centre``'s boards in ``language``, UTF-8 encoded: ``render(snapshot)`` of
    the current snapshot, rendered once per snapshot and language (the caller activates the
    language). A cached panel is served only as long as the snapshot it was drawn from."""
    key = _panel_key(centre.pk, language)
    cached = cache.get(key)
    if cached is not None and time.time() < cached[0]:
        panel: bytes = cached[1]
        return panel
    snapshot, fresh_until = _current_snapshot(centre)
    panel = render(snapshot).encode()
    cache.set(key, (fresh_until, panel), SNAPSHOT_SECONDS)
    return panel


def board_forget(centre: Centre) -> None:
    """Drop the cached snapshot and panels (tests, or a caller that must show a change at once)."""
    cache.delete_many([_cache_key(centre.pk), *(_panel_key(centre.pk, code) for code in _panel_languages())])


def _current_snapshot(centre: Centre, *, at: datetime | None = None) -> tuple[BoardSnapshot, float]:
    """The cached snapshot and until when (``time.time()``) it may be shown, or a new one."""
    key = _cache_key(centre.pk)
    cached = cache.get(key)
    if cached is not None and time.time() < cached[1]:
        current: tuple[BoardSnapshot, float] = cached
        return current
    # Its data is at least as fresh as the moment before the query, whatever the cache's clock.
    fresh_until = time.time() + SNAPSHOT_SECONDS
    snapshot = _compute(centre, at=at or timezone.now())
    cache.set(key, (snapshot, fresh_until), SNAPSHOT_SECONDS)
    return snapshot, fresh_until


def _panel_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _languages() -> list[str]:
    return list(getattr(settings, "MODELTRANSLATION_LANGUAGES", ())) or [settings.LANGUAGE_CODE]


def _compute(centre: Centre, *, at: datetime) -> BoardSnapshot:
    q = connection.ops.quote_name
    languages = _languages()
    name_columns = [f"name_{code}" for code in languages]
    event, ticket, queue, counter = (
        q(TicketEvent._meta.db_table),
        q(Ticket._meta.db_table),
        q(Queue._meta.db_table),
        q(Counter._meta.db_table),
    )
    nulls = ", ".join("NULL" for _ in name_columns)
    names = ", ".join(f"qu.{q(column)}" for column in name_columns)
    # One statement for both halves: the last calls of the day (through the (centre, kind, at) index)
    # and the waiting count of each queue (through the call-next index). The NULLs sit at the top
    # level of each UNION branch so that PostgreSQL takes their types from the other branch.
    sql = f"""
        SELECT 'call', c.id, c.number, c.counter_number, c.at, c.kind, NULL, {nulls}
        FROM (
            SELECT e.id AS id, t.number AS number, k.number AS counter_number, e.at AS at, e.kind AS kind
            FROM {event} e
            JOIN {ticket} t ON t.id = e.ticket_id
            LEFT JOIN {counter} k ON k.id = e.counter_id
            WHERE e.centre_id = %s AND e.kind IN (%s, %s) AND e.at >= %s
            ORDER BY e.at DESC, e.id DESC
            LIMIT %s
        ) c
        UNION ALL
        SELECT 'queue', qu.id, qu.prefix, qu.position, NULL, NULL,
            (SELECT COUNT(*) FROM {ticket} w
             WHERE w.centre_id = %s AND w.status = %s AND w.queue_id = qu.id),
            {names}
        FROM {queue} qu
        WHERE qu.centre_id = %s AND qu.is_active = %s
    """
    local = timezone.localtime(at)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    params: list[Any] = [
        centre.pk,
        TicketEvent.Kind.CALLED.value,
        TicketEvent.Kind.RECALLED.value,
        connection.ops.adapt_datetimefield_value(day_start),
        LAST_CALLS,
        centre.pk,
        Ticket.Status.WAITING.value,
        centre.pk,
        True,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    calls: list[BoardCall] = []
    queues: list[tuple[int, str, BoardQueue]] = []
    default = languages[0]
    for row in rows:
        kind, row_id, label, number, when, event_kind, waiting, *translated = row
        if kind == "call":
            calls.append(
                BoardCall(
                    id=int(row_id),
                    number=str(label),
                    counter=int(number) if number is not None else None,
                    at=_as_datetime(when),
                    recall=event_kind == TicketEvent.Kind.RECALLED,
                )
            )
        else:
            by_language = dict(zip(languages, translated, strict=True))
            fallback = by_language.get(default) or label
            queue_names = {code: str(by_language.get(code) or fallback) for code in languages}
            queues.append(
                (
                    int(number or 0),
                    str(label),
                    BoardQueue(prefix=str(label), names=queue_names, waiting=int(waiting or 0)),
                )
            )
    calls.sort(key=lambda call: (call["at"], call["id"]), reverse=True)
    queues.sort(key=lambda item: (item[0], item[1]))
    return BoardSnapshot(
        centre=centre.code,
        generated_at=at,
        calls=calls,
        queues=[item[2] for item in queues],
    )


def _as_datetime(value: object) -> datetime:
    """Raw SQL over a UNION loses SQLite's column types: its timestamps come back as UTC text."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)
