"""Re-evaluate stored screenings with the current rules engine (``python -m rules reevaluate``).

Screenings are streamed in ranges of ids (``span`` per range), so memory stays bounded
at any history size. For each screening whose flags change (a rule fires now and did not,
no longer fires, or its severity or urgency changed), a real run, in one transaction per
range:

- keeps the evaluation it replaces in ``screening_evaluations`` with the flags added,
  removed and changed, and stores the new evaluation, flags and queue values;
- writes an audit row ``reevaluate`` (rule ids only, never patient data);
- moves a reviewed screening that gained a defer or urgent flag back to "needs review"
  (``review_status = "unreviewed"``; its reviews stay), with the reason recorded;
- hands each screening that gained an urgent flag to the urgent-alert outbox
  (``store.alerts.enqueue_urgent_alert``, same transaction).

A screening whose flags stay the same keeps its evaluation and its version. A dry run
reads and reports the same changes and writes nothing but one audit row.

Parallel workers: every real run is a row in ``reevaluation_runs`` whose ``next_id`` is a
claim cursor. A worker claims the next range of ids with one atomic UPDATE ... RETURNING,
so two workers (processes, or machines on one PostgreSQL database) never evaluate the
same screening; each range is written with the rows locked and checked unchanged since
they were read, so a concurrent review or a second run cannot be overwritten.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, bindparam, delete, func, insert, select, update

from forms.definition import FORM_VERSION
from forms.models import Medication, Screening
from forms.validation import age_on, bmi_of, parse_document
from store import audit, bulk
from store.db import Store, get_store
from store.evaluations import FlagDiff, diff_flags, requeue_reason
from store.schema import (
    SEVERITY_RANK,
    Base,
    EvaluationChangeRow,
    FlagRow,
    ReevaluationRunRow,
    ScreeningRow,
    utcnow,
)

if TYPE_CHECKING:
    from rules.engine import Engine
    from rules.evaluator import Evaluation

log = logging.getLogger(__name__)

StatusFilter = Literal["unreviewed", "reviewed", "all"]
REEVALUATE = "reevaluate"
REEVALUATION_RUN = "reevaluation_run"
DEFAULT_ACTOR = "reevaluate"
DEFAULT_SPAN = 500
WRITE_ATTEMPTS = 3  # a screening changed by someone else between read and write is read again
CHANGED_MEANWHILE = "ChangedDuringRun"  # on_failure reason once the attempts are used up
WRITER_THREAD = "reevaluate-writer"


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReevaluateOptions(_View):
    since: date | None = None  # screenings submitted on or after this UTC day
    status: StatusFilter = "all"
    dry_run: bool = False
    actor: str = Field(default=DEFAULT_ACTOR, min_length=1, max_length=64)
    span: int = Field(default=DEFAULT_SPAN, ge=1, le=50_000)  # screening ids per range


class ScreeningChange(_View):
    """One screening whose flags change (printed per screening; ids, never names)."""

    screening_id: int
    public_id: str
    from_version: str
    to_version: str
    diff: FlagDiff
    review_status: str  # before the change
    requeue_reason: str | None  # set: a reviewed screening goes (or would go) back to review

    def describe(self) -> str:
        line = f"screening {self.screening_id} ({self.public_id}): {self.diff.describe()}"
        if self.requeue_reason:
            line += f" [was {self.review_status}: back to needs review]"
        return line


class ReevaluationSummary(_View):
    run_id: int | None
    engine_version: str
    dry_run: bool
    examined: int
    changed: int
    gained_defer: int
    gained_urgent: int
    requeued: int
    failed: int
    seconds: float = 0.0


OnChange = Callable[[ScreeningChange], None]
OnFailure = Callable[[int, str], None]


class _Counts:
    __slots__ = ("changed", "examined", "failed", "gained_defer", "gained_urgent", "requeued")

    def __init__(self) -> None:
        self.examined = self.changed = self.gained_defer = self.gained_urgent = 0
        self.requeued = self.failed = 0

    def add(self, other: _Counts) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


# --- reading stored screenings ----------------------------------------------------------

def stored_screening(document: dict[str, Any]) -> Screening:
    """The Screening of a stored document. Stored documents passed validation when they
    were submitted (they are ``Screening.to_document()``), so they are not validated again;
    a document of another form version is validated in full (and may fail)."""
    if document.get("form_version") != FORM_VERSION:
        return parse_document(document)
    answers = document["answers"]
    submitted_raw = document.get("submitted_at")
    submitted = (datetime.fromisoformat(submitted_raw.replace("Z", "+00:00")).astimezone(UTC)
                 if submitted_raw else None)
    reference = submitted.date() if submitted else datetime.now(UTC).date()
    meds = tuple(Medication.model_construct(**m) for m in answers.get("medications") or ())
    return Screening.model_construct(
        form_version=document["form_version"], answers=answers, medications=meds,
        submitted_at=submitted, reference_date=reference,
        age=age_on(date.fromisoformat(answers["date_of_birth"]), reference),
        bmi=bmi_of(answers.get("height_cm"), answers.get("weight_kg")))


def _conditions(options: ReevaluateOptions) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if options.since is not None:
        conditions.append(ScreeningRow.submitted_at >= datetime.combine(options.since, dtime.min, UTC))
    if options.status == "unreviewed":
        conditions.append(ScreeningRow.review_status == "unreviewed")
    elif options.status == "reviewed":
        conditions.append(ScreeningRow.review_status != "unreviewed")
    return conditions


class _Pending:
    """A screening whose flags change, between evaluation and write."""

    __slots__ = ("before", "change", "evaluation")

    def __init__(self, change: ScreeningChange, evaluation: Evaluation, before: dict[str, tuple[str, bool]]):
        self.change, self.evaluation, self.before = change, evaluation, before


def _evaluate_range(session: Any, engine: Engine, lo: int, hi: int, options: ReevaluateOptions,
                    counts: _Counts, on_failure: OnFailure | None,
                    only: Collection[int] | None = None) -> list[_Pending]:
    """The changes of the screenings with ids in [lo, hi); ``only``: just these ids, read
    again after a write found them changed (already counted as examined)."""
    conditions = _conditions(options)
    if only is not None:
        conditions.append(ScreeningRow.id.in_(sorted(only)))
    rows = session.execute(
        select(ScreeningRow.id, ScreeningRow.public_id, ScreeningRow.ruleset_version,
               ScreeningRow.review_status, ScreeningRow.document)
        .where(ScreeningRow.id >= lo, ScreeningRow.id < hi, *conditions)
        .order_by(ScreeningRow.id)).all()
    if not rows:
        return []
    old: dict[int, dict[str, tuple[str, bool]]] = {}
    for f in session.execute(
        select(FlagRow.screening_id, FlagRow.rule_id, FlagRow.severity, FlagRow.urgent)
        .where(FlagRow.screening_id >= rows[0].id, FlagRow.screening_id <= rows[-1].id)
        .order_by(FlagRow.screening_id, FlagRow.position)
    ):
        old.setdefault(f.screening_id, {})[f.rule_id] = (f.severity, bool(f.urgent))
    pending: list[_Pending] = []
    for row in rows:
        counts.examined += only is None
        try:
            evaluation = engine.evaluate(stored_screening(row.document))
        except Exception as err:  # one unreadable screening must not stop the run
            counts.failed += 1
            kind = type(err).__name__  # never the message: it may quote patient answers
            log.warning("screening %s could not be re-evaluated (%s)", row.id, kind)
            if on_failure is not None:
                on_failure(row.id, kind)
            continue
        before = old.get(row.id, {})
        after = {f.rule_id: (f.severity, f.urgent) for f in evaluation.flags}
        diff = diff_flags(before, after)
        if diff.empty:
            continue
        requeue = (requeue_reason(diff, evaluation.ruleset_version)
                   if row.review_status != "unreviewed" else None)
        pending.append(_Pending(ScreeningChange(
            screening_id=row.id, public_id=row.public_id, from_version=row.ruleset_version,
            to_version=evaluation.ruleset_version, diff=diff, review_status=row.review_status,
            requeue_reason=requeue), evaluation, before))
    return pending


# --- writing ----------------------------------------------------------------------------

def _enqueue_urgent_alert(session: Any, screening_id: int, rule_ids: tuple[str, ...]) -> None:
    """A screening that gained an urgent flag gets an urgent alert in the outbox, in the same
    transaction as its new evaluation (``store.alerts``: delivered to ALERT_EMAIL /
    ALERT_WEBHOOK_URL; the same rules for the same screening are queued once)."""
    from store.alerts import enqueue_urgent_alert

    enqueue_urgent_alert(session, screening_id, rule_ids)


def _write(session: Any, pending: list[_Pending], run_id: int | None, actor: str,
           counts: _Counts) -> tuple[list[ScreeningChange], list[int]]:
    """Store the changed evaluations. Returns the changes written, and the ids of the
    screenings whose flags changed since they were read (not written: the caller reads
    them again; never dropped silently)."""
    ids = [p.change.screening_id for p in pending]
    # the rows locked, with their flags as they are now, from the same table the read used
    # (flags are only written with their screening row locked); the old evaluation is not
    # read here: the history row copies it on the server
    locked: dict[int, tuple[str, int | None]] = {}
    current: dict[int, dict[str, tuple[str, bool]]] = {}
    for r in session.execute(
        select(ScreeningRow.id, ScreeningRow.review_status, ScreeningRow.latest_review_id,
               FlagRow.rule_id, FlagRow.severity, FlagRow.urgent)
        .outerjoin(FlagRow, FlagRow.screening_id == ScreeningRow.id)
        .where(ScreeningRow.id.in_(ids)).order_by(ScreeningRow.id, FlagRow.position)
        .with_for_update(of=ScreeningRow)
    ):
        locked[r.id] = (r.review_status, r.latest_review_id)
        if r.rule_id is not None:
            current.setdefault(r.id, {})[r.rule_id] = (r.severity, bool(r.urgent))
    now = utcnow()
    written: list[ScreeningChange] = []
    conflicts: list[int] = []
    history: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for item in pending:
        change, evaluation = item.change, item.evaluation
        sid = change.screening_id
        if sid not in locked:
            continue  # deleted since it was read: nothing to re-evaluate
        if current.get(sid, {}) != item.before:
            conflicts.append(sid)  # changed by someone else since it was read
            continue
        review_status, latest_review_id = locked[sid]
        reviewed = review_status != "unreviewed"
        reason = requeue_reason(change.diff, change.to_version) if reviewed else None
        change = change.model_copy(update={"review_status": review_status,
                                           "requeue_reason": reason})
        c = evaluation.counts()
        highest = evaluation.highest_severity
        updates.append({
            "id": sid, "ruleset_version": evaluation.ruleset_version, "urgent": evaluation.urgent,
            "highest_severity": highest, "severity_rank": SEVERITY_RANK[highest],
            "count_defer": c["defer"], "count_review": c["review"], "count_adjust": c["adjust"],
            "count_info": c["info"], "evaluation": evaluation.public(),
            "review_status": "unreviewed" if reason else review_status})
        flags.extend({"screening_id": sid, "position": i, "rule_id": f.rule_id,
                      "severity": f.severity, "urgent": f.urgent}
                     for i, f in enumerate(evaluation.flags))
        diff = change.diff
        history.append({
            "screening_id": sid, "run_id": run_id, "created_at": now, "actor": actor,
            "from_version": change.from_version, "to_version": change.to_version,
            "added": [f.model_dump() for f in diff.added],
            "removed": [f.model_dump() for f in diff.removed],
            "changed": [x.model_dump() for x in diff.changed],
            "review_id": latest_review_id,
            "requeued_from": review_status if reason else None,
            "requeue_reason": reason,
        })
        audits.append(audit.audit_values(actor, REEVALUATE, audit.target_of("screening", sid), {
            "run_id": run_id, "from_version": change.from_version, "to_version": change.to_version,
            **diff.rule_ids(), "requeued": bool(reason)}))
        if diff.gained_urgent:
            _enqueue_urgent_alert(session, sid, diff.gained_urgent)
        counts.changed += 1
        counts.gained_defer += bool(diff.gained_defer)
        counts.gained_urgent += bool(diff.gained_urgent)
        counts.requeued += bool(reason)
        written.append(change)
    if written:
        done = [w.screening_id for w in written]
        store_writes = _write_postgres if session.get_bind().dialect.name == "postgresql" else _write_any
        store_writes(session, done, history, updates, flags)
        audit.write_audit_rows(session, audits)
    return written, conflicts


def _write_postgres(session: Any, done: list[int], history: list[dict[str, Any]],
                    updates: list[dict[str, Any]], flags: list[dict[str, Any]]) -> None:
    """One statement per table for the whole range (``store.bulk``); the history row copies
    the evaluation it replaces on the server, before the update replaces it."""
    bulk.insert_rows(session, _HISTORY, history,
                     extra={"previous": "s.evaluation"},
                     join="JOIN screenings AS s ON s.id = v.screening_id")
    bulk.update_rows(session, _SCREENINGS, updates)
    session.execute(delete(FlagRow).where(FlagRow.screening_id.in_(done))
                    .execution_options(synchronize_session=False))
    bulk.insert_rows(session, _FLAGS, flags)


_SCREENINGS, _FLAGS, _HISTORY = (Base.metadata.tables[t.__tablename__]
                                 for t in (ScreeningRow, FlagRow, EvaluationChangeRow))
_PREVIOUS = select(ScreeningRow.evaluation).where(ScreeningRow.id == bindparam("previous_of"))


def _write_any(session: Any, done: list[int], history: list[dict[str, Any]],
               updates: list[dict[str, Any]], flags: list[dict[str, Any]]) -> None:
    """The same writes as ``_write_postgres`` as one executemany each (SQLite)."""
    session.execute(insert(_HISTORY).values(previous=_PREVIOUS.scalar_subquery()),
                    [{**h, "previous_of": h["screening_id"]} for h in history])
    session.execute(update(ScreeningRow), updates)
    session.execute(delete(FlagRow).where(FlagRow.screening_id.in_(done))
                    .execution_options(synchronize_session=False))
    if flags:
        session.execute(insert(FlagRow), flags)


# --- runs -------------------------------------------------------------------------------

def start_run(engine_version: str, options: ReevaluateOptions, *, store: Store | None = None) -> int:
    """Record a run and its id range; workers then call ``work_on_run`` with its id."""
    with (store or get_store()).session() as session:
        first = session.scalar(select(func.min(ScreeningRow.id))) or 1
        last = session.scalar(select(func.max(ScreeningRow.id))) or 0
        run = ReevaluationRunRow(
            started_at=utcnow(), actor=options.actor, engine_version=engine_version,
            options=options.model_dump(mode="json", include={"since", "status"}),
            next_id=first, last_id=last, span=options.span, examined=0, changed=0,
            gained_defer=0, gained_urgent=0, requeued=0, failed=0)
        session.add(run)
        session.flush()
        return run.id


def _claim(store: Store, run_id: int) -> tuple[int, int] | None:
    """The next range of ids [lo, hi) of this run, or None when all are claimed."""
    run = ReevaluationRunRow
    with store.session() as session:
        claimed = session.execute(
            update(run).where(run.id == run_id, run.next_id <= run.last_id)
            .values(next_id=run.next_id + run.span)
            .returning(run.next_id, run.span, run.last_id)).first()
    if claimed is None:
        return None
    hi = claimed.next_id
    return hi - claimed.span, min(hi, claimed.last_id + 1)


def work_on_run(run_id: int, engine: Engine, *, on_change: OnChange | None = None,
                on_failure: OnFailure | None = None, store: Store | None = None) -> dict[str, int]:
    """Claim and process ranges of the run until none is left; returns this worker's counts.

    Safe to call from several processes (or machines) at once for the same run.
    """
    store = store or get_store()
    with store.session(readonly=True) as session:
        run = session.get(ReevaluationRunRow, run_id)
        if run is None:
            raise ValueError(f"no re-evaluation run {run_id}")
        if run.engine_version != engine.version:
            raise ValueError(f"run {run_id} uses rules {run.engine_version}; this process has "
                             f"{engine.version}: start workers with the same RULES_OVERRIDES")
        options = ReevaluateOptions(actor=run.actor, span=run.span, **run.options)
    total = _Counts()

    def write(item: _Range) -> None:
        claimed, pending, counts = item
        for change in _write_range(store, engine, run_id, claimed, options, pending, counts, on_failure):
            if on_change is not None:
                on_change(change)
        total.add(counts)

    with _RangeWriter(write, background=store.dialect == "postgresql") as writer:
        while (claimed := _claim(store, run_id)) is not None:
            counts = _Counts()
            with store.session(readonly=True) as session:
                pending = _evaluate_range(session, engine, *claimed, options, counts, on_failure)
            writer.submit((claimed, pending, counts))
    return total.as_dict()


_Range = tuple[tuple[int, int], list[_Pending], _Counts]  # claimed ids, their changes, counts


class _RangeWriter:
    """Writes evaluated ranges, in order. On PostgreSQL in a thread of its own: the server
    stores range k while this process reads and evaluates range k+1, so a run costs about
    the client's CPU time instead of the client's plus the server's one after the other.
    At most one range waits (bounded memory). Elsewhere (SQLite: its writes are this
    process's own CPU) each range is written where it was evaluated.

    An error in the writer is raised in the caller at its next range or at the end; a range
    already evaluated when the caller fails is still written (it is a complete, checked unit).
    """

    def __init__(self, write: Callable[[_Range], None], *, background: bool) -> None:
        self._write = write
        self._queue: queue.Queue[_Range | None] | None = queue.Queue(maxsize=1) if background else None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> _RangeWriter:
        if self._queue is not None:
            self._thread = threading.Thread(target=self._run, args=(self._queue,), name=WRITER_THREAD,
                                            daemon=True)
            self._thread.start()
        return self

    def _run(self, ranges: queue.Queue[_Range | None]) -> None:
        while (item := ranges.get()) is not None:
            if self._error is None:  # after an error: drain, so the caller never blocks
                try:
                    self._write(item)
                except BaseException as err:  # handed to the caller's thread
                    self._error = err

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, item: _Range) -> None:
        if self._queue is None:
            self._write(item)
            return
        self._raise()
        self._queue.put(item)

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            if exc_type is None:
                self._raise()


def _write_range(store: Store, engine: Engine, run_id: int, claimed: tuple[int, int],
                 options: ReevaluateOptions, pending: list[_Pending], counts: _Counts,
                 on_failure: OnFailure | None) -> list[ScreeningChange]:
    """Write one evaluated range. A screening whose flags changed between the read and the
    write (a concurrent run, a resubmission) is read and evaluated again, up to
    ``WRITE_ATTEMPTS`` times; then it is counted as failed and reported, never skipped."""
    written: list[ScreeningChange] = []
    given_up: list[int] = []
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        with store.session() as session:
            done, conflicts = (_write(session, pending, run_id, options.actor, counts)
                               if pending else ([], []))
            written.extend(done)
            if conflicts and attempt == WRITE_ATTEMPTS:
                given_up, conflicts = conflicts, []
                counts.failed += len(given_up)
            if not conflicts:
                r = ReevaluationRunRow
                totals = {getattr(r, k): getattr(r, k) + v for k, v in counts.as_dict().items() if v}
                if totals:
                    session.execute(update(r).where(r.id == run_id).values(totals))
                break
        with store.session(readonly=True) as session:
            pending = _evaluate_range(session, engine, *claimed, options, counts, on_failure,
                                      only=conflicts)
    for screening_id in given_up:
        log.warning("screening %s kept changing during re-evaluation; run again", screening_id)
        if on_failure is not None:
            on_failure(screening_id, CHANGED_MEANWHILE)
    return written


def finish_run(run_id: int, *, store: Store | None = None, seconds: float = 0.0) -> ReevaluationSummary:
    with (store or get_store()).session() as session:
        run = session.get(ReevaluationRunRow, run_id, with_for_update=True)
        if run is None:
            raise ValueError(f"no re-evaluation run {run_id}")
        run.finished_at = utcnow()
        summary = ReevaluationSummary(
            run_id=run.id, engine_version=run.engine_version, dry_run=False, examined=run.examined,
            changed=run.changed, gained_defer=run.gained_defer, gained_urgent=run.gained_urgent,
            requeued=run.requeued, failed=run.failed, seconds=round(seconds, 3))
        audit.write_audit(session, run.actor, REEVALUATION_RUN,
                          audit.target_of("reevaluation_run", run.id), {
                              "engine_version": run.engine_version, "options": run.options,
                              **summary.model_dump(include={"examined", "changed", "gained_defer",
                                                            "gained_urgent", "requeued", "failed"})})
    return summary


def _dry_run(engine: Engine, options: ReevaluateOptions, on_change: OnChange | None,
             on_failure: OnFailure | None, store: Store, started: float) -> ReevaluationSummary:
    counts = _Counts()
    with store.session(readonly=True) as session:
        lo = session.scalar(select(func.min(ScreeningRow.id))) or 1
        last = session.scalar(select(func.max(ScreeningRow.id))) or 0
    while lo <= last:
        hi = lo + options.span
        with store.session(readonly=True) as session:
            pending = _evaluate_range(session, engine, lo, hi, options, counts, on_failure)
        for item in pending:
            counts.changed += 1
            counts.gained_defer += bool(item.change.diff.gained_defer)
            counts.gained_urgent += bool(item.change.diff.gained_urgent)
            counts.requeued += bool(item.change.requeue_reason)
            if on_change is not None:
                on_change(item.change)
        lo = hi
    summary = ReevaluationSummary(run_id=None, engine_version=engine.version, dry_run=True,
                                  seconds=round(time.perf_counter() - started, 3), **counts.as_dict())
    audit.record_audit(options.actor, REEVALUATION_RUN, None, {
        "engine_version": engine.version, "dry_run": True,
        "options": options.model_dump(mode="json", include={"since", "status"}),
        **counts.as_dict()}, store=store)
    return summary


def _worker(url: str, run_id: int, engine: Engine, print_changes: bool) -> None:
    from store.db import reset_stores

    reset_stores()  # a connection pool must never cross a fork
    work_on_run(run_id, engine, store=get_store(url),
                on_change=(lambda c: print(c.describe(), flush=True)) if print_changes else None)


def reevaluate(engine: Engine, options: ReevaluateOptions | None = None, *, workers: int = 1,
               on_change: OnChange | None = None, on_failure: OnFailure | None = None,
               store: Store | None = None) -> ReevaluationSummary:
    """Re-evaluate the stored screenings matching ``options`` with ``engine``.

    ``workers > 1`` forks that many processes (sharing the loaded engine), each claiming
    ranges of the same run; they print their changes themselves when ``on_change`` is set.
    """
    options = options or ReevaluateOptions()
    store = store or get_store()
    started = time.perf_counter()
    if options.dry_run:
        return _dry_run(engine, options, on_change, on_failure, store, started)
    run_id = start_run(engine.version, options, store=store)
    if workers <= 1:
        work_on_run(run_id, engine, on_change=on_change, on_failure=on_failure, store=store)
    else:
        url = store.url.render_as_string(hide_password=False)
        store.engine.dispose()  # children open their own connections
        ctx = multiprocessing.get_context("fork")
        procs = [ctx.Process(target=_worker, args=(url, run_id, engine, on_change is not None))
                 for _ in range(workers)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        failed = [p.exitcode for p in procs if p.exitcode != 0]
        if failed:
            raise RuntimeError(f"{len(failed)} re-evaluation worker(s) failed; run {run_id} is "
                               "incomplete: run again (finished screenings are not changed twice)")
    return finish_run(run_id, store=store, seconds=time.perf_counter() - started)


# --- command line (``python -m rules reevaluate``) ---------------------------------------

def run_from_cli(*, since: date | None, status: StatusFilter, dry_run: bool, workers: int,
                 actor: str, out: Any) -> int:
    """Re-evaluate with the process's engine (``RULES_OVERRIDES``), printing each change and
    a summary to ``out``. Returns the exit code."""
    from rules.engine import get_engine

    engine = get_engine()
    options = ReevaluateOptions(since=since, status=status, dry_run=dry_run, actor=actor)

    def show(change: ScreeningChange) -> None:
        out.write(change.describe() + "\n")

    def failed(screening_id: int, reason: str) -> None:
        out.write(f"screening {screening_id}: could not be re-evaluated ({reason})\n")

    summary = reevaluate(engine, options, workers=1 if dry_run else workers,
                         on_change=show, on_failure=failed)
    would = "would " if dry_run else ""
    out.write(
        f"\nRules {summary.engine_version}: {summary.examined:,} screenings examined in "
        f"{summary.seconds:.1f} s{' (dry run: nothing saved)' if dry_run else f' (run {summary.run_id})'}\n"
        f"  flags changed: {summary.changed:,}\n"
        f"  gained a defer flag: {summary.gained_defer:,}\n"
        f"  gained an urgent flag: {summary.gained_urgent:,}"
        f"{' (at the top of the queue; contact them today)' if summary.gained_urgent else ''}\n"
        f"  reviewed screenings that {would}go back to needs review: {summary.requeued:,}\n"
        f"  could not be re-evaluated: {summary.failed:,}\n")
    return 1 if summary.failed else 0
