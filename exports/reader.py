"""Reading chunks of screenings with plain SQL, so that a worker process needs neither
SQLAlchemy nor the store: only the database driver and ``exports.render``.

The SQL and its parameters are compiled once by ``exports.core.read_plan`` with
SQLAlchemy (the store's tables, the export's filters, the dialect's bind processing),
leaving two parameters per statement, the chunk's id bounds ``lo < id <= hi``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from exports.render import RAW_FIELDS

_REVIEW_AT = RAW_FIELDS.index("latest_review_id")
Bounds = tuple[int, int]  # lo < id <= hi
Execute = Callable[[str, Any], Sequence[Sequence[Any]]]


@dataclass(frozen=True)
class Statement:
    """Compiled SQL; ``params`` holds every parameter but the chunk bounds, which go to
    ``lo``/``hi`` (positions for a positional paramstyle, names otherwise)."""

    sql: str
    params: tuple[Any, ...] | dict[str, Any]
    lo: int | str
    hi: int | str

    def bind(self, bounds: Bounds) -> tuple[Any, ...] | dict[str, Any]:
        if isinstance(self.params, dict):
            return {**self.params, str(self.lo): bounds[0], str(self.hi): bounds[1]}
        values = list(self.params)
        values[int(self.lo)], values[int(self.hi)] = bounds
        return tuple(values)


@dataclass(frozen=True)
class ReadPlan:
    rows: Statement  # RAW_FIELDS of the selected screenings in the chunk, in id order
    acks: Statement  # (review id, rule id, username, at, note) of their latest reviews
    dialect: str  # "sqlite", "postgresql", ...
    dbapi: str  # the driver module, e.g. "sqlite3.dbapi2" or "psycopg"
    connect_args: tuple[Any, ...]
    connect_kwargs: dict[str, Any]


def read_chunk(execute: Execute, plan: ReadPlan, bounds: Bounds
               ) -> tuple[list[Sequence[Any]], dict[tuple[int, str], tuple[Any, Any, Any]]]:
    """The screenings of one chunk as rows of ``RAW_FIELDS`` (JSON as text, timestamps
    as the driver gives them), and the acknowledgements of their latest reviews."""
    rows = list(execute(plan.rows.sql, plan.rows.bind(bounds)))
    acks: dict[tuple[int, str], tuple[Any, Any, Any]] = {}
    if any(r[_REVIEW_AT] is not None for r in rows):
        for review_id, rule_id, username, at, note in execute(plan.acks.sql,
                                                              plan.acks.bind(bounds)):
            acks[(review_id, rule_id)] = (username, at, note)
    return rows, acks


class Connection:
    """A read-only connection of a worker process, straight through the driver."""

    def __init__(self, plan: ReadPlan):
        module = importlib.import_module(plan.dbapi)
        self.sqlite = plan.dialect == "sqlite"
        self.conn = module.connect(*plan.connect_args, **plan.connect_kwargs)
        if self.sqlite:
            self.conn.isolation_level = None  # transactions begun explicitly, per chunk
            for pragma in ("busy_timeout = 10000", "query_only = ON",
                           "mmap_size = 0"):  # every page is read once: no memory map
                self.conn.execute(f"PRAGMA {pragma}")
        elif hasattr(self.conn, "read_only"):
            self.conn.read_only = True

    def _execute(self, sql: str, params: Any) -> list[Sequence[Any]]:
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, params)
            rows: list[Sequence[Any]] = cursor.fetchall()
            return rows
        finally:
            cursor.close()

    def read(self, plan: ReadPlan, bounds: Bounds
             ) -> tuple[list[Sequence[Any]], dict[tuple[int, str], tuple[Any, Any, Any]]]:
        """One chunk, both statements in one read transaction (one snapshot)."""
        if self.sqlite:
            self.conn.execute("BEGIN")
        try:
            return read_chunk(self._execute, plan, bounds)
        finally:
            self.conn.rollback()
