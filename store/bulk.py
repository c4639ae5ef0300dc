"""Many rows in one statement on PostgreSQL: each column sent as one array.

``insert_rows`` is ``INSERT INTO t (...) SELECT ... FROM unnest(%s::type[], ...)`` and
``update_rows`` is ``UPDATE t SET ... FROM unnest(...) WHERE t.id = v.id``. The SQL text
depends only on the table and the column names, so psycopg prepares it once per
connection, and a range of a few hundred screenings is one round trip and one statement
per table instead of one statement per row (an ``executemany``, even pipelined, costs the
client and the server a statement per row).

Column types come from ``store.schema`` (one definition); JSON values are sent as text
and cast to ``jsonb`` on the server; timestamps pass through the column's own checks.
Arrays go in psycopg's binary format (``%b``): the text format escapes every element of a
text array with a regular expression, which cost more than the whole write did.
PostgreSQL only: callers keep their ``executemany`` path for SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from psycopg import sql
from sqlalchemy import JSON, Column, Table, TypeDecorator
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type.dialect_impl(_DIALECT), JSON)


def _array_type(column: Column[Any]) -> str:
    """The array type a column's values are sent as (JSON as text, cast on the server)."""
    return "text[]" if _is_json(column) else f"{column.type.compile(dialect=_DIALECT)}[]"


def _value(column: Column[Any]) -> Callable[[Any], Any]:
    if _is_json(column):  # None is SQL NULL, as JSONType(none_as_null=True) stores it
        return lambda v: None if v is None else json.dumps(v)
    if isinstance(column.type, TypeDecorator):
        decorator = column.type
        return lambda v: decorator.process_bind_param(v, _DIALECT)
    return lambda v: v


def _select_expr(column: Column[Any]) -> sql.Composable:
    name = sql.SQL("v.{}").format(sql.Identifier(column.name))
    return sql.SQL("{}::jsonb").format(name) if _is_json(column) else name


def _arrays(cols: Sequence[Column[Any]]) -> sql.Composable:
    return sql.SQL(", ").join(sql.SQL("%b::" + _array_type(c)) for c in cols)


@lru_cache(maxsize=64)
def _insert_sql(table: Table, names: tuple[str, ...], extra: tuple[tuple[str, str], ...],
                join: str) -> sql.Composed:
    cols = [table.c[n] for n in names]
    # WITH ORDINALITY ... ORDER BY: rows get their ids in the order given (the audit chain
    # is verified in id order)
    return sql.SQL("INSERT INTO {table} ({targets}) SELECT {exprs} FROM unnest({arrays}) "
                   "WITH ORDINALITY AS v({aliases}, _ord) {join} ORDER BY v._ord").format(
        table=sql.Identifier(table.name),
        targets=sql.SQL(", ").join(sql.Identifier(n) for n in (*names, *(k for k, _ in extra))),
        exprs=sql.SQL(", ").join([_select_expr(c) for c in cols] + [sql.SQL(e) for _, e in extra]),
        arrays=_arrays(cols), aliases=sql.SQL(", ").join(sql.Identifier(n) for n in names),
        join=sql.SQL(join))


@lru_cache(maxsize=64)
def _update_sql(table: Table, names: tuple[str, ...], key: str) -> sql.Composed:
    cols = [table.c[n] for n in names]
    return sql.SQL("UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({aliases}) "
                   "WHERE {table}.{key} = v.{key}").format(
        table=sql.Identifier(table.name), key=sql.Identifier(key),
        sets=sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c.name), _select_expr(c))
                                for c in cols if c.name != key),
        arrays=_arrays(cols), aliases=sql.SQL(", ").join(sql.Identifier(n) for n in names))


def _columns(table: Table, rows: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, ...], list[list[Any]]]:
    names = tuple(rows[0])
    for row in rows:
        if tuple(row) != names:
            raise ValueError(f"rows for {table.name} must all have the same columns, in order")
    arrays = []
    for name in names:
        convert = _value(table.c[name])
        arrays.append([convert(row[name]) for row in rows])
    return names, arrays


def _execute(session: Session, statement: sql.Composed, params: Sequence[Any]) -> int:
    if session.get_bind().dialect.name != "postgresql":
        raise ValueError("store.bulk writes to PostgreSQL only (use an executemany elsewhere)")
    driver = session.connection().connection.driver_connection  # psycopg, in this transaction
    if driver is None:
        raise RuntimeError("no database connection")
    with driver.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *,
                extra: Mapping[str, str] | None = None, join: str = "") -> int:
    """Insert ``rows`` (same keys, in order) in one statement; ``extra`` sets more columns
    from SQL expressions over ``v`` (the rows) and ``join`` (e.g. a column copied from
    another table on the server). ``extra`` and ``join`` are SQL written in the code, never
    values. Returns the number of rows inserted."""
    if not rows:
        return 0
    names, arrays = _columns(table, rows)
    return _execute(session, _insert_sql(table, names, tuple((extra or {}).items()), join), arrays)


def update_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *,
                key: str = "id") -> int:
    """Update each row found by ``key`` with the other values of its mapping, in one
    statement. Returns the number of rows updated."""
    if not rows:
        return 0
    names, arrays = _columns(table, rows)
    if key not in names:
        raise ValueError(f"rows for {table.name} need their {key}")
    return _execute(session, _update_sql(table, names, key), arrays)
