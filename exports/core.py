"""Streaming the export's CSV files out of the store.

The selected screenings are read in chunks of at most ``CHUNK_SIZE`` consecutive ids
(``lo < id <= hi``, keyset pagination on the primary key). A chunk is one query for the
screenings (with their latest review) and one for that review's acknowledgements,
rendered at once into the rows of ``screenings.csv``, ``flags.csv`` and
``medications.csv`` (a screening's flags and medications are in its stored evaluation),
written with the csv module, and dropped: memory holds a few chunks whatever the number
of rows.

Small exports are read and rendered in this process, in one read transaction. Large
ones (``PARALLEL_FROM`` screenings or more, with more than one CPU) are read and
rendered by worker processes (``exports.worker``; see ``_process_context`` for how they
start), each chunk in a read transaction of its own, while this process writes the
rendered text in id order: decoding the stored JSON is the main cost, and this spreads
it over the CPUs. Either way a screening, its flags and its medications are read
together, so the files agree on every ``screening_id``; only the worker path lets a
review recorded during a long export show in the chunks read after it.

Both paths run the same SQL, compiled here by SQLAlchemy (``read_plan``) and executed
through the driver, so that a worker needs neither SQLAlchemy nor the store.

No access control and no audit here: see ``exports.api``.
"""

from __future__ import annotations

import csv
import itertools
import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from multiprocessing.context import BaseContext
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import Connection, Integer, Select, Text, bindparam, cast, func, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import aliased

from core.vocab import DECISIONS, UNREVIEWED, Decision, ReviewStatus
from exports import worker
from exports.columns import (
    DICTIONARY_HEADER,
    T_YESNO,
    dictionary_rows,
    flag_header,
    medication_header,
    screening_columns,
)
from exports.deid import new_id_key
from exports.reader import Bounds, ReadPlan, Statement, read_chunk
from exports.render import LINE_TERMINATOR, RAW_FIELDS, Renderer, Spec
from exports.safety import text_cell
from forms.definition import QUESTIONS
from store.db import Store
from store.models import QueueFilters
from store.queue import queue_conditions
from store.schema import AckRow, ReviewRow, ScreeningRow, UserRow

log = logging.getLogger(__name__)

SCREENINGS, FLAGS, MEDICATIONS, DICTIONARY = (
    "screenings.csv", "flags.csv", "medications.csv", "data_dictionary.csv")
FILES: tuple[str, ...] = (SCREENINGS, FLAGS, MEDICATIONS, DICTIONARY)
DATA_FILES: tuple[str, ...] = (SCREENINGS, FLAGS, MEDICATIONS)
CHUNK_SIZE = 1000
PARALLEL_FROM = 5000  # selected screenings from which worker processes read and render
MAX_WORKERS = 2
BOM_ENCODING, PLAIN_ENCODING = "utf-8-sig", "utf-8"

REVIEWED: Literal["reviewed"] = "reviewed"  # any decision
StatusFilter = ReviewStatus | Literal["reviewed"]
STATUS_FILTERS: tuple[StatusFilter, ...] = (UNREVIEWED, REVIEWED, *DECISIONS)


class ExportOptions(BaseModel):
    """What to export. Every filter is optional; they combine with AND.

    - ``since``/``until``: submitted on or after / on or before these UTC days (inclusive);
    - ``review_status``: any of ``unreviewed``, ``reviewed`` (any decision) or a decision;
    - ``decision``: the latest review's decision is one of these;
    - ``deidentified``: drop identifying and free-text columns (age is kept);
    - ``plain_utf8``: plain UTF-8 instead of the default UTF-8 with BOM (Excel-friendly).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    since: date | None = None
    until: date | None = None
    review_status: tuple[StatusFilter, ...] = ()
    decision: tuple[Decision, ...] = ()
    deidentified: bool = False
    plain_utf8: bool = False

    @field_validator("review_status", "decision", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _range_in_order(self) -> ExportOptions:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self

    @property
    def encoding(self) -> str:
        return PLAIN_ENCODING if self.plain_utf8 else BOM_ENCODING

    def filters(self) -> dict[str, Any]:
        """The filters as the audit log records them (codes and dates only)."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "review_status": list(self.review_status),
            "decision": list(self.decision),
        }


def conditions(options: ExportOptions) -> list[Any]:
    """SQL conditions on ``screenings`` selecting what the options ask for."""
    where = queue_conditions(QueueFilters(submitted_from=options.since,
                                          submitted_to=options.until))

    def status_in(statuses: set[str]) -> Any:
        # OR of equalities rather than IN: every parameter is a plain bound value (see
        # read_plan); the review status index serves either.
        return or_(*(ScreeningRow.review_status == s for s in sorted(statuses)))

    if options.review_status:
        wanted: set[str] = set()
        for status in options.review_status:
            wanted.update(DECISIONS if status == REVIEWED else (status,))
        where.append(status_in(wanted))
    if options.decision:
        # review_status is the latest review's decision (kept in step by record_review)
        where.append(status_in(set(options.decision)))
    return where


# --- reading -----------------------------------------------------------------------------

_S = ScreeningRow
_Reviewer = aliased(UserRow)
_COLUMNS: dict[str, Any] = {
    "decision": ReviewRow.decision,
    "review_note": ReviewRow.note,
    "reviewer": _Reviewer.username,
    # JSON as text, decoded by the renderer (in a worker process for large exports).
    "document": cast(_S.document, Text),
    "evaluation": cast(_S.evaluation, Text),
}
_LO = bindparam("chunk_lo", 0, type_=Integer)  # set per chunk
_HI = bindparam("chunk_hi", 0, type_=Integer)


def _rows_select(where: Sequence[Any]) -> Select[Any]:
    return (
        select(*(_COLUMNS[name] if name in _COLUMNS else getattr(_S, name) for name in RAW_FIELDS))
        .outerjoin(ReviewRow, ReviewRow.id == _S.latest_review_id)
        .outerjoin(_Reviewer, _Reviewer.id == ReviewRow.reviewer_id)
        .where(*where, _S.id > _LO, _S.id <= _HI)
        .order_by(_S.id)
    )


_ACKS_SELECT = (
    select(AckRow.review_id, AckRow.rule_id, UserRow.username, AckRow.acknowledged_at,
           AckRow.note)
    .join(UserRow, UserRow.id == AckRow.acknowledged_by)
    .join(_S, _S.latest_review_id == AckRow.review_id)
    .where(_S.id > _LO, _S.id <= _HI)
)


def _compile(stmt: Select[*tuple[Any, ...]], dialect: Dialect) -> Statement:
    """SQL for the driver, with every parameter bound and processed as SQLAlchemy would
    (e.g. a UTC day boundary as the stored timestamp text on SQLite), but the chunk
    bounds."""
    compiled = stmt.compile(dialect=dialect)
    values = compiled.construct_params()
    processed: dict[str, Any] = {}
    for key, value in values.items():
        process = compiled.binds[key].type.dialect_impl(dialect).bind_processor(dialect)
        processed[key] = process(value) if process is not None and value is not None else value
    if compiled.positiontup is not None:
        order = list(compiled.positiontup)
        return Statement(sql=compiled.string, params=tuple(processed[k] for k in order),
                         lo=order.index("chunk_lo"), hi=order.index("chunk_hi"))
    return Statement(sql=compiled.string, params=processed, lo="chunk_lo", hi="chunk_hi")


def read_plan(store: Store, options: ExportOptions) -> ReadPlan:
    dialect = store.engine.dialect
    connect_args, connect_kwargs = dialect.create_connect_args(store.url)
    # SQLAlchemy's psycopg dialect adds an adapters "context" once connected: it cannot be
    # pickled for a spawned worker, and the worker's plain driver connection needs none.
    connect_kwargs = {k: v for k, v in connect_kwargs.items() if k != "context"}
    return ReadPlan(rows=_compile(_rows_select(conditions(options)), dialect),
                    acks=_compile(_ACKS_SELECT, dialect), dialect=dialect.name,
                    dbapi=dialect.loaded_dbapi.__name__, connect_args=tuple(connect_args),
                    connect_kwargs=dict(connect_kwargs))


def id_ranges(conn: Connection, where: Sequence[Any], chunk_size: int = CHUNK_SIZE
              ) -> Iterator[Bounds]:
    """Consecutive id ranges ``lo < id <= hi`` of ``chunk_size`` ids from the first to the
    last screening selected when the export starts: at most ``chunk_size`` screenings
    each (ids are dense, so a whole export's chunks are nearly full). The rows themselves
    are read by whoever renders the chunk."""
    first, last = conn.execute(select(func.min(_S.id), func.max(_S.id)).where(*where)).one()
    if first is None:
        return
    lo = first - 1
    while lo < last:
        hi = min(lo + chunk_size, last)
        yield lo, hi
        lo = hi


def count_selected(conn: Connection, where: Sequence[Any]) -> int:
    return int(conn.scalar(select(func.count(_S.id)).where(*where)) or 0)


# --- rendering ---------------------------------------------------------------------------

def render_spec(deidentified: bool, id_key: bytes | None = None) -> Spec:
    """The renderer's plain-data description of the columns (see ``exports.columns``).
    De-identified, each export gets a new random ``id_key`` (random screening ids)."""
    questions: list[tuple[str, str, tuple[str, ...]]] = []
    for column in screening_columns(deidentified):
        if not column.code:
            continue
        if column.option:
            if questions and questions[-1][1] == column.code:
                kind, code, options = questions[-1]
                questions[-1] = (kind, code, (*options, column.option))
            else:
                questions.append(("multi", column.code, (column.option,)))
        elif column.type == T_YESNO:
            questions.append(("bool", column.code, ()))
        else:
            questions.append((column.kind, column.code, ()))
    withheld = frozenset(q.code for q in QUESTIONS if q.identifying or q.free_text)
    if deidentified and not id_key:
        id_key = new_id_key()
    return Spec(deidentified=deidentified, questions=tuple(questions), withheld=withheld,
                id_key=id_key if deidentified and id_key else b"")


def _shareable(store: Store) -> bool:
    """Whether other processes can open the store's database (not SQLite in memory)."""
    url = store.url
    if url.get_backend_name() != "sqlite":
        return True
    database = url.database or ""
    return database not in ("", ":memory:") and "mode=memory" not in database \
        and "mode=memory" not in str(url.query.get("mode", ""))


def _workers_for(store: Store, selected: int, workers: int | None) -> int:
    if workers is None:
        workers = min(MAX_WORKERS, os.cpu_count() or 1)
        if selected < PARALLEL_FROM or workers < 2:
            workers = 0
    return workers if workers > 0 and _shareable(store) else 0


def _process_context() -> BaseContext:
    """How to start workers: "fork" from a single-threaded process (the command line:
    nothing to re-import), else "spawn" (safe from a threaded parent such as the web app;
    it re-imports the parent's main module, which must guard its entry point with
    ``if __name__ == "__main__":``, as for any use of multiprocessing)."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _in_workers(plan: ReadPlan, spec: Spec, ranges: Iterator[Bounds], workers: int
                ) -> Iterator[worker.Rendered]:
    """Chunks read and rendered by ``workers`` processes, yielded in id order, with at
    most two chunks per worker in flight (memory stays bounded)."""
    context = _process_context()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=worker.init, initargs=(plan, spec)) as pool:
        pending: deque[Future[worker.Rendered]] = deque()
        for bounds in ranges:
            pending.append(pool.submit(worker.render, bounds))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# --- writing -----------------------------------------------------------------------------

def write_tables(sinks: Mapping[str, TextIO], options: ExportOptions, store: Store, *,
                 chunk_size: int = CHUNK_SIZE, workers: int | None = None,
                 id_key: bytes | None = None) -> dict[str, int]:
    """Write the four files to open text sinks (keyed by file name); returns row counts
    (data rows, headers excluded). The sinks' encoding (BOM or not) is the caller's.

    ``workers``: processes reading and rendering chunks; by default none for fewer than
    ``PARALLEL_FROM`` selected screenings, else one per CPU up to ``MAX_WORKERS``.
    ``id_key``: the de-identified export's random id key; drawn afresh when not given (tests
    pass one to compare two runs)."""
    headers = {
        SCREENINGS: [c.name for c in screening_columns(options.deidentified)],
        FLAGS: list(flag_header(options.deidentified)),
        MEDICATIONS: list(medication_header(options.deidentified)),
    }
    for name in DATA_FILES:
        csv.writer(sinks[name], lineterminator=LINE_TERMINATOR).writerow(headers[name])
    counts = dict.fromkeys(FILES, 0)
    where = conditions(options)
    plan = read_plan(store, options)
    spec = render_spec(options.deidentified, id_key)
    with store.session(readonly=True) as session:
        if store.dialect == "postgresql":  # one snapshot for every chunk read here
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        conn = session.connection()
        selected = count_selected(conn, where) if workers is None else 0
        parallel = _workers_for(store, selected, workers)
        rendered: Iterator[worker.Rendered] | None = None
        if parallel:
            rendered = _in_workers(plan, spec, id_ranges(conn, where, chunk_size), parallel)
            try:  # nothing is written yet: workers that cannot start are not fatal
                first = next(rendered, None)
            except BrokenProcessPool:
                log.warning("export: worker processes failed to start; rendering in-process")
                rendered = None
            else:
                rendered = itertools.chain(() if first is None else (first,), rendered)
        if rendered is None:
            renderer = Renderer(spec)

            def execute(sql: str, params: Any) -> Sequence[Sequence[Any]]:
                return conn.exec_driver_sql(sql, params).all()

            rendered = (renderer.render(*read_chunk(execute, plan, bounds))
                        for bounds in id_ranges(conn, where, chunk_size))
        for chunk in rendered:
            for name, (text, rows) in zip(DATA_FILES, chunk, strict=True):
                sinks[name].write(text)
                counts[name] += rows
    dictionary = csv.writer(sinks[DICTIONARY], lineterminator=LINE_TERMINATOR)
    dictionary.writerow(DICTIONARY_HEADER)
    entries = [[text_cell(v) if isinstance(v, str) else v for v in entry]
               for entry in dictionary_rows(options.deidentified)]
    dictionary.writerows(entries)
    counts[DICTIONARY] = len(entries)
    return counts
