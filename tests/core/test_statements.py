"""core/statements.py: rows written inside one PostgreSQL statement are the rows ``save()`` writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import DataError, connection, transaction
from django.db.models import F

from onestop.core.audit import SystemActor, audit_entry
from onestop.core.models import AuditEvent
from onestop.core.statements import (
    insert_select,
    run_chain,
    update_returning,
    update_row_returning,
    writes_in_one_statement,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="data-modifying WITH is PostgreSQL's"),
]

COLUMNS = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname != "id"]


def _entry(**overrides) -> AuditEvent:
    event = audit_entry(
        actor=SystemActor("statements-test"),
        action="thing.test",
        after={"name": "Ömür", "n": 3, "nested": {"ok": True}},
        reason="ქართული ტექსტი",
    )
    for name, value in overrides.items():
        setattr(event, name, value)
    return event


def test_the_database_is_told_apart():
    assert writes_in_one_statement()


def test_a_row_inserted_in_a_statement_is_the_row_save_writes():
    saved = _entry()
    saved.save(force_insert=True)
    sql, params = insert_select(_entry(occurred_at=saved.occurred_at), source=None, returning=["id"])
    [(new_id,)] = run_chain([("made", sql, params)], "SELECT id FROM made")
    made = AuditEvent.objects.get(pk=new_id)
    for name in COLUMNS:
        assert getattr(made, name) == getattr(AuditEvent.objects.get(pk=saved.pk), name), name
    assert made.summary["after"]["nested"] == {"ok": True} and made.seq is None


def test_rows_follow_their_source_and_take_computed_values_from_it():
    first = _entry()
    first.save(force_insert=True)
    claim = AuditEvent.objects.filter(pk=first.pk, action="thing.test")
    update_sql, update_params, attnames = update_returning(claim, {"action": "thing.done"})
    follower, params = insert_select(
        _entry(), source="changed", computed={"target_id": "CAST(changed.id AS text)"}
    )
    rows = run_chain(
        [("changed", update_sql, update_params), ("follower", follower, params)], "SELECT * FROM changed"
    )
    assert dict(zip(attnames, rows[0], strict=True))["action"] == "thing.done"
    assert AuditEvent.objects.filter(target_id=str(first.pk)).count() == 1
    # The same claim again finds no row: nothing follows it.
    rows = run_chain(
        [("changed", update_sql, update_params), ("follower", follower, params)], "SELECT * FROM changed"
    )
    assert rows == []
    assert AuditEvent.objects.filter(target_id=str(first.pk)).count() == 1


def test_an_expression_in_an_update_comes_back_as_its_value():
    event = _entry(target_id="7")
    event.save(force_insert=True)
    # A text column made longer by an expression: the value returned is the stored one.
    sql, params, attnames = update_returning(
        AuditEvent.objects.filter(pk=event.pk), {"target_label": F("target_id")}
    )
    [row] = run_chain([("changed", sql, params)], "SELECT * FROM changed")
    assert dict(zip(attnames, row, strict=True))["target_label"] == "7"


def test_a_value_too_long_for_its_column_is_refused_not_cut():
    sql, params = insert_select(_entry(actor_kind="x" * 17), source=None)
    with pytest.raises(DataError), transaction.atomic():
        run_chain([("made", sql, params)], "SELECT 1")
    assert not AuditEvent.objects.filter(actor_kind__startswith="xxxx").exists()


def test_an_unknown_computed_column_is_a_programming_error():
    with pytest.raises(ValueError, match="no columns"):
        insert_select(_entry(), source="x", computed={"nonsense": "1"})


def test_a_row_update_from_cached_text_writes_what_the_orm_update_writes():
    mine, theirs = _entry(target_id="1"), _entry(target_id="1")
    mine.save(force_insert=True)
    theirs.save(force_insert=True)
    values = {
        "action": "thing.done",
        "target_label": "Ticket A-001",
        "summary": {"after": {"n": 4}},
        "occurred_at": datetime(2026, 3, 9, 8, 30, tzinfo=UTC),
    }
    sql, params, attnames = update_row_returning(
        AuditEvent, mine.pk, where={"action": "thing.test"}, values=values
    )
    [row] = run_chain([("changed", sql, params)], "SELECT * FROM changed")
    AuditEvent.objects.filter(pk=theirs.pk, action="thing.test").update(**values)
    returned = dict(zip(attnames, row, strict=True))
    stored, expected = AuditEvent.objects.get(pk=mine.pk), AuditEvent.objects.get(pk=theirs.pk)
    for name in ("action", "target_label", "target_id", "occurred_at"):
        assert getattr(stored, name) == getattr(expected, name) == returned[name], name
    assert stored.summary == expected.summary == {"after": {"n": 4}}
    # The compare-and-set lost (the action is no longer the expected one): no row changes.
    sql, params, _attnames = update_row_returning(
        AuditEvent, mine.pk, where={"action": "thing.test"}, values={"action": "thing.again"}
    )
    assert run_chain([("changed", sql, params)], "SELECT * FROM changed") == []
    assert AuditEvent.objects.get(pk=mine.pk).action == "thing.done"


def test_a_row_update_with_an_expression_goes_through_the_orm():
    event = _entry(target_id="9")
    event.save(force_insert=True)
    sql, params, attnames = update_row_returning(
        AuditEvent, event.pk, where={"target_id": "9"}, values={"target_label": F("target_id")}
    )
    [row] = run_chain([("changed", sql, params)], "SELECT * FROM changed")
    assert dict(zip(attnames, row, strict=True))["target_label"] == "9"


def test_a_row_update_expecting_none_matches_as_the_orm_does():
    event = _entry(target_id="")
    event.save(force_insert=True)
    sql, params, _attnames = update_row_returning(
        AuditEvent, event.pk, where={"seq": None}, values={"target_label": "still unsealed"}
    )
    assert len(run_chain([("changed", sql, params)], "SELECT * FROM changed")) == 1
    assert AuditEvent.objects.get(pk=event.pk).target_label == "still unsealed"
