"""The columns of the export's files, and the data dictionary of ``screenings.csv``.

Everything is derived from ``forms.definition.QUESTIONS`` (questionnaire order) so that
a new question appears in the export and in its dictionary without touching this module.

Column kinds decide how a cell is written:

- ``NUM``: ints, floats and 0/1 values, written as numbers and never altered (a negative
  number stays a number);
- ``TEXT``: anything else; a cell that a spreadsheet could run as a formula is
  neutralised (see ``exports.safety``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.vocab import (
    DECISION_LABELS,
    NO_FLAG,
    NO_FLAG_LABEL,
    REVIEW_STATUS_LABELS,
    SEVERITIES,
    SEVERITY_DESCRIPTIONS,
)
from forms.definition import QUESTIONS, Question
from forms.i18n import LANGUAGES

NUM = "num"
TEXT = "text"

# Column types of the data dictionary (REDCap-like vocabulary).
T_INTEGER, T_NUMBER, T_TEXT, T_NOTES = "integer", "number", "text", "notes"
T_DATE, T_DATETIME, T_CHOICE, T_CHECKBOX, T_YESNO = "date", "datetime", "choice", "checkbox", "yesno"

YESNO_CODES = "1=Yes | 0=No"
CHECKBOX_CODES = "1=Checked | 0=Not checked"
# The medication entry as typed: free text, removed from de-identified exports.
MEDICATION_FREE_TEXT = ("text", "dose", "frequency")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of ``screenings.csv`` and its data dictionary row."""

    name: str
    section: str
    type: str
    label: str
    kind: str  # NUM or TEXT
    allowed: str = ""
    range: str = ""
    identifying: bool = False  # removed from de-identified exports
    code: str = ""  # the question code, for question columns
    option: str = ""  # the option value, for ``code___option`` columns

    def dictionary_row(self) -> list[str | int]:
        return [self.name, self.section, self.type, self.label, self.allowed, self.range,
                int(self.identifying)]


def _codes(pairs: Sequence[tuple[str, str]]) -> str:
    return " | ".join(f"{value}={label}" for value, label in pairs)


LEADING: tuple[Column, ...] = (
    Column("screening_id", "record", T_INTEGER,
           "Screening id (the same id in every file of one export)", NUM),
    Column("form_version", "record", T_TEXT, "Questionnaire version", TEXT),
    Column("ruleset_version", "record", T_TEXT,
           "Version of the rules and drug list that evaluated the answers", TEXT),
    Column("submitted_at", "record", T_DATETIME, "Submitted at (UTC, ISO 8601)", TEXT),
    Column("age", "derived", T_INTEGER, "Age in years on the day of submission", NUM,
           range="0-120"),
    Column("bmi", "derived", T_NUMBER, "Body mass index (kg/m2) from height and weight", NUM),
    *(Column(f"flags_{s}", "flags", T_INTEGER, f"Number of flags of severity {s}", NUM)
      for s in SEVERITIES),
    Column("urgent", "flags", T_YESNO, "Needs same-day human contact", NUM,
           allowed=YESNO_CODES),
    Column("highest_severity", "flags", T_CHOICE, "Most severe flag", TEXT,
           allowed=_codes([*SEVERITY_DESCRIPTIONS.items(), (NO_FLAG, NO_FLAG_LABEL)])),
    Column("review_status", "review", T_CHOICE, "Review status (the latest review's decision)",
           TEXT, allowed=_codes(list(REVIEW_STATUS_LABELS.items()))),
    Column("review_decision", "review", T_CHOICE,
           "Decision of the latest review (blank if not reviewed)", TEXT,
           allowed=_codes(list(DECISION_LABELS.items()))),
    Column("reviewed_by", "review", T_TEXT, "Username of the latest reviewer", TEXT),
    Column("reviewed_at", "review", T_DATETIME, "Latest review at (UTC, ISO 8601)", TEXT),
    # Added after the fixed leading cells (exports.render.review_cells fills them).
    Column("review_note", "review", T_NOTES,
           "Decision note of the latest review (a clinician's free text: it may name the "
           "patient, so de-identified exports leave it out)", TEXT, identifying=True),
    Column("flag_ids", "flags", T_TEXT,
           "Rule ids of the screening's flags, ';'-separated, most urgent first (details in "
           "flags.csv)", TEXT),
    Column("language", "record", T_CHOICE,
           "Language the patient answered in (answers are stored as codes; typed text as "
           "written)", TEXT, allowed=_codes(list(LANGUAGES.items()))),
)
# The review, flag and language columns that exports.render appends to the fixed leading cells.
REVIEW_CELLS: tuple[str, ...] = ("review_note", "flag_ids", "language")


def _label(question: Question) -> str:
    return f"{question.label} ({question.unit})" if question.unit else question.label


def question_columns(question: Question) -> tuple[Column, ...]:
    """The screenings.csv columns of one question (none for the medication list)."""
    if question.type == "medications":
        return ()
    removed = question.identifying or question.free_text
    common: dict[str, Any] = {"section": question.section, "identifying": removed, "code": question.code}
    if question.type == "multi":
        return tuple(
            Column(f"{question.code}___{option.value}", type=T_CHECKBOX,
                   label=f"{question.label} (choice={option.label})", kind=NUM,
                   allowed=CHECKBOX_CODES, option=option.value, **common)
            for option in question.options
        )
    if question.type == "choice":
        return (Column(question.code, type=T_CHOICE, label=question.label, kind=TEXT,
                       allowed=_codes([(o.value, o.label) for o in question.options]), **common),)
    if question.type == "bool":
        return (Column(question.code, type=T_YESNO, label=question.label, kind=NUM,
                       allowed=YESNO_CODES, **common),)
    if question.type == "int":
        bounds = f"{question.min}-{question.max}" if question.min is not None else ""
        return (Column(question.code, type=T_INTEGER, label=_label(question), kind=NUM,
                       range=bounds, **common),)
    if question.type == "date":
        return (Column(question.code, type=T_DATE, label=f"{question.label} (YYYY-MM-DD)",
                       kind=TEXT, **common),)
    kind = T_NOTES if question.free_text else T_TEXT
    return (Column(question.code, type=kind, label=question.label, kind=TEXT, **common),)


ALL_QUESTION_COLUMNS: tuple[Column, ...] = tuple(
    column for question in QUESTIONS for column in question_columns(question))


# De-identified (HIPAA Safe Harbor): random ids, years instead of dates, ages over 89 as 90+.
_DEIDENTIFIED_LEADING = {
    "screening_id": Column("screening_id", "record", T_TEXT,
                           "Random screening id of this export (the same in every file of "
                           "this export; new in every export; not the database id)", TEXT),
    "submitted_at": Column("submitted_at", "record", T_INTEGER, "Year submitted (UTC)", NUM),
    "age": Column("age", "derived", T_TEXT, "Age in years on the day of submission; over 89 "
                  "shown as 90+", TEXT, range="0-89, 90+"),
    "reviewed_at": Column("reviewed_at", "review", T_INTEGER, "Year of the latest review (UTC)",
                          NUM),
}


def screening_columns(deidentified: bool = False) -> tuple[Column, ...]:
    """Every column of screenings.csv, in order."""
    questions = ALL_QUESTION_COLUMNS
    leading = LEADING
    if deidentified:
        questions = tuple(c for c in questions if not c.identifying)
        leading = tuple(_DEIDENTIFIED_LEADING.get(c.name, c) for c in LEADING
                        if not c.identifying)
    return (*leading, *questions)


FLAG_HEADER: tuple[str, ...] = (
    "screening_id", "rule_id", "severity", "urgent", "reason", "evidence", "source",
    "acknowledged_by", "acknowledged_at", "note",
)
MEDICATION_HEADER: tuple[str, ...] = (
    "screening_id", "position", "text", "dose", "frequency", "status", "resolution", "matched",
    "generic", "classes", "method",
)
DICTIONARY_HEADER: tuple[str, ...] = (
    "column", "section", "type", "label", "allowed", "range", "identifying",
)


def flag_header(deidentified: bool = False) -> tuple[str, ...]:
    # The acknowledgement note is a clinician's free text: it may name the patient.
    return tuple(c for c in FLAG_HEADER if not (deidentified and c == "note"))


def medication_header(deidentified: bool = False) -> tuple[str, ...]:
    return tuple(c for c in MEDICATION_HEADER
                 if not (deidentified and c in MEDICATION_FREE_TEXT))


def dictionary_rows(deidentified: bool = False) -> list[list[str | int]]:
    """The data dictionary: one row per column of screenings.csv, as exported."""
    return [column.dictionary_row() for column in screening_columns(deidentified)]
