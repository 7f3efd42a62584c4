"""Several row writes in one PostgreSQL statement (data-modifying ``WITH`` clauses).

The hottest writes of the platform (a kiosk press, a counter's call, start and end) are each a short
chain: change one row, append its event, append its audit entry. Run through the ORM that is one round
trip per row plus ``BEGIN`` and ``COMMIT``; on PostgreSQL the whole chain can be one statement, which
is atomic by itself and writes nothing at all when its first step finds no row (a lost
compare-and-set). See docs/decisions/0008-one-statement-writes.md.

The pieces here render the SQL Django would write for a model instance or a queryset, so values,
defaults and column types stay Django's (``pre_save``, ``get_db_prep_save``), and the callers keep the
ORM path for SQLite, whose round trips cost nothing. Every value is a parameter; only table and column
names (from model metadata) and the callers' own SQL expressions are spliced into the text.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.sql import UpdateQuery

M = TypeVar("M", bound=models.Model)

#: Column types cast to ``text`` rather than to their own type: a cast to ``varchar(n)`` would
#: truncate a long value silently, where the column's assignment refuses it.
_TEXT_TYPES = frozenset(
    {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FilePathField", "FileField"}
)


def writes_in_one_statement() -> bool:
    """Whether this database runs data-modifying ``WITH`` clauses (PostgreSQL). Callers fall back to
    one ORM statement per row elsewhere."""
    return connection.vendor == "postgresql"


@functools.cache
def _insert_plan(model: type[models.Model], vendor: str) -> tuple[tuple[Any, str, str, str], ...]:
    """For each concrete field of ``model``: the field, its attribute name, its quoted column and the
    type its parameter is cast to. Cached: working a column's type out (``Field.cast_db_type``) and
    quoting its name cost more than the rest of a row."""
    db = connections[DEFAULT_DB_ALIAS]
    plan = []
    for field in model._meta.concrete_fields:
        cast_to = "text" if field.get_internal_type() in _TEXT_TYPES else str(field.cast_db_type(db))
        plan.append((field, field.attname, db.ops.quote_name(str(field.column)), cast_to))
    return tuple(plan)


def insert_select(
    obj: models.Model,
    *,
    source: str | None,
    computed: Mapping[str, str | tuple[str, Sequence[Any]]] | None = None,
    returning: Sequence[str] = (),
) -> tuple[str, list[Any]]:
    """``INSERT INTO <obj's table> (<columns>) SELECT <values> FROM <source>``: one row of ``obj``
    (an unsaved instance) for each row of ``source`` (a ``WITH`` name), so nothing is written when
    ``source`` is empty; exactly one row when ``source`` is None. ``computed`` maps attribute names
    to SQL expressions over ``source`` (e.g. ``{"ticket_id": "t.id"}``) for values known only once
    the statement runs; an expression with parameters of its own is given as ``(sql, params)``.
    Each other value is a typed parameter, prepared as ``Model.save()`` would
    prepare it. ``returning`` names columns for a later step to read."""
    computed = computed or {}
    # The connection itself, not the ``connection`` proxy: every attribute read through the proxy
    # looks the connection up again, and preparing a row's values reads it a few times per field.
    db = connections[DEFAULT_DB_ALIAS]
    meta = obj._meta
    plan = _insert_plan(meta.concrete_model, db.vendor)
    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    column_of: dict[str, str] = {}
    for field, attname, column, cast_to in plan:
        column_of[attname] = column
        if field.primary_key and getattr(obj, attname) is None:
            continue  # the database numbers the row
        columns.append(column)
        if attname in computed:
            expression = computed[attname]
            if isinstance(expression, tuple):
                expression, own_params = expression
                params.extend(own_params)
            values.append(expression)
            continue
        value = field.get_db_prep_save(field.pre_save(obj, True), db)
        if value is None:
            # Written out rather than sent: fewer parameters keep the statement in psycopg's cache
            # of parsed queries (at most 50 parameters).
            values.append(f"NULL::{cast_to}")
        else:
            values.append(f"%s::{cast_to}")
            params.append(value)
    unknown = set(computed) - set(column_of)
    if unknown:
        raise ValueError(f"{meta.label} has no columns {sorted(unknown)}")
    sql = f"INSERT INTO {db.ops.quote_name(meta.db_table)} ({', '.join(columns)}) SELECT {', '.join(values)}"
    if source is not None:
        sql += f" FROM {source}"
    if returning:
        sql += " RETURNING " + ", ".join(column_of[name] for name in returning)
    return sql, params


def update_returning(
    queryset: models.QuerySet[Any], values: Mapping[str, Any]
) -> tuple[str, tuple[Any, ...], list[str]]:
    """The ``UPDATE`` that ``queryset.update(**values)`` would run (expressions such as
    ``F("n") + 1`` allowed), returning every column of the changed rows; and those columns'
    attribute names, in order."""
    query = cast(UpdateQuery, queryset.query.chain(UpdateQuery))
    query.annotations = {}  # as QuerySet.update(): annotations play no part in an UPDATE
    query.add_update_values(dict(values))
    sql, params = query.get_compiler(queryset.db).as_sql()
    returning, attnames = _returning_all(queryset.model._meta.concrete_model, connection.vendor)
    return f"{sql} RETURNING {returning}", tuple(params), list(attnames)


def update_row_returning(
    model: type[models.Model], pk: Any, *, where: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[str, tuple[Any, ...], list[str]]:
    """:func:`update_returning` for one row picked by its primary key and equality on ``where``
    (attribute names → expected values), e.g. a compare-and-set on a status: the same statement,
    written from cached text when every value is plain (the ORM spent longer composing the
    ``UPDATE`` than the database spent running it). A value that is an expression (``F("n") + 1``),
    an expected ``None`` and a model of several tables go through the ORM."""
    if (
        model._meta.parents  # multi-table inheritance: more than one table
        or any(value is None for value in where.values())  # "IS NULL", which the text does not say
        or any(hasattr(value, "resolve_expression") for value in (*values.values(), *where.values()))
    ):
        return update_returning(model._default_manager.filter(pk=pk, **where), values)
    db = connections[DEFAULT_DB_ALIAS]
    sql, fields = _update_row_text(model._meta.concrete_model, tuple(values), tuple(where), db.vendor)
    params = [
        # A model instance for a foreign key stands for its key, as in ``QuerySet.update()``.
        field.get_db_prep_save(
            value.prepare_database_save(field) if hasattr(value, "prepare_database_save") else value, db
        )
        for field, value in zip(fields[: len(values)], values.values(), strict=True)
    ]
    params.extend(
        field.get_db_prep_value(value, db)
        for field, value in zip(fields[len(values) :], [*where.values(), pk], strict=True)
    )
    returning, attnames = _returning_all(model._meta.concrete_model, db.vendor)
    return f"{sql} RETURNING {returning}", tuple(params), list(attnames)


@functools.cache
def _update_row_text(
    model: type[models.Model], set_names: tuple[str, ...], where_names: tuple[str, ...], vendor: str
) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    """``UPDATE <table> SET a = %s, … WHERE x = %s … AND <pk> = %s`` and the fields of its
    parameters, in order: the set columns, the where columns, the primary key."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    meta = model._meta
    fields: list[models.Field[Any, Any]] = []
    for name in (*set_names, *where_names):
        field = meta.get_field(name)
        if not isinstance(field, models.Field) or not field.concrete:
            raise ValueError(f"{meta.label}.{name} is not a column")
        fields.append(field)
    assert meta.pk is not None
    fields.append(meta.pk)
    table = quote(meta.db_table)
    columns = [f"{table}.{quote(str(f.column))}" for f in fields]
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields[: len(set_names)])
    conditions = " AND ".join(f"{column} = %s" for column in columns[len(set_names) :])
    return f"UPDATE {table} SET {assignments} WHERE {conditions}", tuple(fields)


@functools.cache
def _returning_all(model: type[models.Model], vendor: str) -> tuple[str, tuple[str, ...]]:
    """``RETURNING`` every column of ``model``'s table, and those columns' attribute names."""
    table = connections[DEFAULT_DB_ALIAS].ops.quote_name(model._meta.db_table)
    plan = _insert_plan(model, vendor)
    return ", ".join(f"{table}.{column}" for _f, _a, column, _c in plan), tuple(a for _f, a, _c, _t in plan)


def saved_as(obj: M, pk: Any) -> M:
    """``obj`` (written by a statement here) as ``save()`` would have left it: with its new primary
    key, no longer "adding", bound to this database."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


def run_chain(steps: Sequence[tuple[str, str, Sequence[Any]]], final: str) -> list[tuple[Any, ...]]:
    """Run ``WITH name AS (sql), … <final>`` as one statement and return its rows. ``steps`` are
    (name, sql, params); a later step may read an earlier one by its name. PostgreSQL runs the steps
    in no set order: a step that must follow another reads from it. A failure marks the caller's
    atomic block for rollback, as a failed ORM query does."""
    clauses = ", ".join(f"{name} AS ({sql})" for name, sql, _params in steps)
    params = [p for _name, _sql, step_params in steps for p in step_params]
    with transaction.mark_for_rollback_on_error(), connection.cursor() as cursor:
        cursor.execute(f"WITH {clauses} {final}", params)
        return list(cursor.fetchall())


__all__ = [
    "insert_select",
    "run_chain",
    "saved_as",
    "update_returning",
    "update_row_returning",
    "writes_in_one_statement",
]
