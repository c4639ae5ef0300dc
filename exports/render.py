"""Rendering one chunk of stored screenings into the CSV text of the three data files.

Pure and self-contained (standard library, orjson, ``core.evidence``, ``exports.deid`` and
``exports.safety`` only), so that it runs
in the exporting process or in worker processes (large exports): a ``Spec`` (plain
data, derived from ``exports.columns``) says which columns to write.

The screenings.csv row builder (``ScreeningRowBuilder``) sorts the question columns by kind once
per spec, so a row costs one look-up per question and a short loop per kind instead of a
dispatch on column kind per cell (with ~80 columns per row, that dispatch would cost more
than decoding the row's JSON).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from core.evidence import format_evidence
from exports.deid import pseudonym as deid_pseudonym
from exports.deid import safe_age, year_only
from exports.safety import FORMULA_TRIGGERS, number_cell, text_cell

LINE_TERMINATOR = "\r\n"  # RFC 4180

# The fields of one stored screening as the exporting query selects them, in order.
RAW_FIELDS: tuple[str, ...] = (
    "id", "form_version", "ruleset_version", "submitted_at", "age", "bmi", "count_defer",
    "count_review", "count_adjust", "count_info", "urgent", "highest_severity", "review_status",
    "decision", "reviewer", "reviewed_at", "latest_review_id", "document", "evaluation",
    "review_note", "language",
)
_ID, _REVIEW_ID, _DOCUMENT, _EVALUATION, _NOTE, _LANGUAGE = (RAW_FIELDS.index(f) for f in (
    "id", "latest_review_id", "document", "evaluation", "review_note", "language"))
FIXED_LEADING = 16  # the leading cells the row builders write; review_cells() follow them

# (review id, rule id) -> (acknowledged by, acknowledged at, note)
Acks = Mapping[tuple[int, str], tuple[str, datetime | str, str | None]]


@dataclass(frozen=True)
class Spec:
    """What to write. ``questions``: (kind, code, options) per question, in column order,
    kind one of ``text``, ``num``, ``bool``, ``multi`` (options: the ``code___option``
    columns). ``withheld``: codes whose values never appear in de-identified evidence."""

    deidentified: bool
    questions: tuple[tuple[str, str, tuple[str, ...]], ...]
    withheld: frozenset[str]
    # De-identified only: a random key per export, from which each screening gets a random
    # id (the same in every file of that export, unrelated to the database id).
    id_key: bytes = b""


# --- HIPAA Safe Harbor: the rules live in exports.deid (shared with the FHIR export) -------

def pseudonym(spec: Spec, screening_id: Any) -> str:
    """The random id of a screening in one de-identified export (16 hex digits)."""
    return deid_pseudonym(spec.id_key, screening_id)


def _deidentify_leading(spec: Spec, cells: list[Any]) -> list[Any]:
    """screening id, submitted_at, age and reviewed_at of a screenings.csv row."""
    cells[0] = pseudonym(spec, cells[0])
    cells[3] = year_only(cells[3])
    cells[4] = safe_age(cells[4])
    cells[15] = year_only(cells[15])
    return cells


def iso_utc(moment: datetime | str | None) -> str | None:
    """``2026-11-21T14:03:00Z`` (UTC, to the second), from an aware datetime or from a
    UTC timestamp as SQLite stores it (``2026-11-21 14:03:00.000000``)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        return f"{moment[:10]}T{moment[11:19]}Z"
    return moment.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z"


def _loads(value: Any) -> Any:
    """Stored JSON (text on SQLite; PostgreSQL's driver gives it decoded). orjson decodes it
    in about a third of the stdlib's time, and decoding was the largest part of rendering
    a row; what orjson refuses and the stdlib reads (a lone surrogate escape, NaN, an
    integer over 64 bits) is read by the stdlib exactly as before."""
    if not isinstance(value, str | bytes):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return json.loads(value)


# --- screenings.csv ----------------------------------------------------------------------

def _multi_cells(value: Any, options: tuple[str, ...]) -> tuple[int, ...]:
    chosen = value if isinstance(value, list | tuple) else [value]
    return tuple(1 if option in chosen else 0 for option in options)


def _leading(r: Sequence[Any]) -> list[Any]:
    return [r[0], text_cell(r[1]), text_cell(r[2]), iso_utc(r[3]), r[4], r[5], r[6], r[7],
            r[8], r[9], 1 if r[10] else 0, text_cell(r[11]), text_cell(r[12]),
            text_cell(r[13]), text_cell(r[14]), iso_utc(r[15])]


class ScreeningRowBuilder:
    """Builds one screenings.csv row: the leading columns, then each question's cells in
    ``spec.questions`` order (``multi``: one 0/1 cell per option, all blank if unanswered).

    Columns are grouped by kind once per spec, so that a row is one dictionary look-up per
    question and a short loop per kind, with the common cases (a blank, a plain string, an
    int) left as they are and everything else passed through the ``exports.safety`` cells."""

    def __init__(self, spec: Spec):
        questions = spec.questions
        unknown = sorted({kind for kind, _, _ in questions} - {"text", "num", "bool", "multi"})
        if unknown:
            raise ValueError(f"unknown column kind {unknown[0]!r}")
        self.codes: tuple[str, ...] = tuple(code for _, code, _ in questions)
        self.text: tuple[int, ...] = _positions(questions, "text")
        self.num: tuple[int, ...] = _positions(questions, "num")
        self.bool: tuple[int, ...] = _positions(questions, "bool")
        # (first, end) of the run of one-cell questions before each multi question, that
        # question's position, its options and its blank cells; then the last run's start.
        segments: list[tuple[int, int, int, tuple[str, ...], tuple[None, ...]]] = []
        start = 0
        for position, (kind, _, options) in enumerate(questions):
            if kind == "multi":
                segments.append((start, position, position, options, (None,) * len(options)))
                start = position + 1
        self.segments = tuple(segments)
        self.tail = start

    def __call__(self, r: Sequence[Any], answers: Mapping[str, Any]) -> list[Any]:
        values: list[Any] = list(map(answers.get, self.codes))
        triggers = FORMULA_TRIGGERS
        for i in self.text:
            v = values[i]
            if v is not None and (v.__class__ is not str or v[:1] in triggers):
                values[i] = text_cell(v)
        for i in self.num:
            v = values[i]
            if v is not None and v.__class__ is not int:
                values[i] = number_cell(v)
        for i in self.bool:
            v = values[i]
            if v is not None:
                values[i] = 1 if v is True else 0 if v is False else text_cell(v)
        cells = _leading(r)
        for start, end, i, options, blank in self.segments:
            cells += values[start:end]
            v = values[i]
            if v is None:
                cells += blank
            elif v.__class__ is list:
                cells += [1 if option in v else 0 for option in options]
            else:
                cells += _multi_cells(v, options)
        cells += values[self.tail:]
        return cells


def _positions(questions: Sequence[tuple[str, str, tuple[str, ...]]], kind: str) -> tuple[int, ...]:
    return tuple(i for i, (k, _, _) in enumerate(questions) if k == kind)


def review_cells(spec: Spec, r: Sequence[Any], evaluation: Mapping[str, Any]) -> list[Any]:
    """The cells of ``exports.columns.REVIEW_CELLS`` (after the fixed leading cells): the
    latest review's note (not in de-identified exports), the flags' rule ids and the
    language the patient answered in."""
    flags = evaluation.get("flags") or ()
    ids = ";".join(str(f.get("rule_id")) for f in flags) or None
    language = text_cell(r[_LANGUAGE])
    if spec.deidentified:
        return [text_cell(ids), language]
    return [text_cell(r[_NOTE] or None), text_cell(ids), language]


# --- flags.csv and medications.csv -------------------------------------------------------

def _neutralised(cells: list[Any]) -> list[Any]:
    """The cells with every text cell neutralised (numbers and blanks as they are)."""
    triggers = FORMULA_TRIGGERS
    return [("'" + v if v[:1] in triggers else v) if v.__class__ is str else v for v in cells]


def flag_rows(spec: Spec, sid: int, review_id: int | None, evaluation: Mapping[str, Any],
              acks: Acks) -> list[list[Any]]:
    flags = evaluation.get("flags")
    if not flags:
        return []
    deidentified, withheld = spec.deidentified, spec.withheld
    positions: dict[str, int] | None = None
    if deidentified:
        positions = {}
        for med in evaluation.get("medications") or ():
            if med.get("use") == "current":
                positions.setdefault(med.get("text"), (med.get("position") or 0) + 1)
    out = []
    for flag in flags:
        get = flag.get
        rule_id = get("rule_id")
        ack = acks.get((review_id, rule_id)) if review_id is not None and acks else None
        evidence = get("evidence")
        cells = [pseudonym(spec, sid) if deidentified else sid, rule_id, get("severity"),
                 1 if get("urgent") else 0, get("reason"),
                 format_evidence(evidence, deidentified=deidentified, withheld=withheld,
                                 positions=positions) if evidence else None,
                 get("source")]
        if ack is None:
            cells += (None, None) if deidentified else (None, None, None)
        else:
            cells += ((ack[0], year_only(iso_utc(ack[1]))) if deidentified
                      else (ack[0], iso_utc(ack[1]), ack[2]))
        out.append(_neutralised(cells))
    return out


def medication_rows(spec: Spec, sid: int, evaluation: Mapping[str, Any]) -> list[list[Any]]:
    medications = evaluation.get("medications")
    if not medications:
        return []
    deidentified = spec.deidentified
    out = []
    for med in medications:
        get = med.get
        position = get("position")
        classes = get("classes")
        cells = [pseudonym(spec, sid) if deidentified else sid,
                 position + 1 if position.__class__ is int else None]
        if not deidentified:
            cells += (get("text"), get("dose"), get("frequency"))
        cells += (get("use"), get("status"), get("matched"), get("generic"),
                  ";".join(classes) if classes else None, get("method"))
        out.append(_neutralised(cells))
    return out


# --- one chunk ---------------------------------------------------------------------------

class Renderer:
    def __init__(self, spec: Spec):
        self.spec = spec
        self.screening_row = ScreeningRowBuilder(spec)

    def rows(self, raw: Sequence[Sequence[Any]], acks: Acks
             ) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
        """The rows of screenings.csv, flags.csv and medications.csv for these screenings."""
        spec, build = self.spec, self.screening_row
        screenings, flags, medications = [], [], []
        for r in raw:
            document = _loads(r[_DOCUMENT]) or {}
            evaluation = _loads(r[_EVALUATION]) or {}
            row = build(r, document.get("answers") or {})
            row[FIXED_LEADING:FIXED_LEADING] = review_cells(spec, r, evaluation)
            screenings.append(_deidentify_leading(spec, row) if spec.deidentified else row)
            flags += flag_rows(spec, r[_ID], r[_REVIEW_ID], evaluation, acks)
            medications += medication_rows(spec, r[_ID], evaluation)
        return screenings, flags, medications

    def render(self, raw: Sequence[Sequence[Any]], acks: Acks) -> tuple[tuple[str, int], ...]:
        """(CSV text, row count) of screenings.csv, flags.csv, medications.csv."""
        out = []
        for rows in self.rows(raw, acks):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator=LINE_TERMINATOR).writerows(rows)
            out.append((buffer.getvalue(), len(rows)))
        return tuple(out)
