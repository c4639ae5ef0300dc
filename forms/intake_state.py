"""The patient intake as a pure state machine: collect, check, move, to_document.

The intake page only binds widgets to this: it reads the widgets of the step on screen into
a plain ``{code: value}`` mapping and calls :func:`next_step`, :func:`back`, :func:`edit` or
:func:`submit`; whatever these return or leave in the state is what it draws. Nothing here
imports Streamlit, so every transition is tested without a browser.

Hooks for other features:
- ``prefill(state, values, lock=True)`` puts answers in before the patient starts (an
  invitation link); locked answers are shown read-only and never overwritten by
  :func:`collect`.
- ``state.language`` travels with the draft; ``state.back_to_review`` is set when the
  patient edits a step from the review page, so Next returns there in one tap.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from forms.branching import prune_hidden
from forms.definition import FORM_VERSION, MAX_MEDICATIONS
from forms.i18n import DEFAULT as DEFAULT_LANGUAGE
from forms.i18n import LANGUAGES
from forms.models import Problem
from forms.steps import STEPS, Step
from forms.units import HeightUnit, WeightUnit, implausible_bmi
from forms.validation import base_code, check_answers

LAST_STEP = len(STEPS) - 1
MED_FIELDS: tuple[str, ...] = ("name", "dose", "frequency")
MedStatus = Literal["current", "past"]
# Passed with the vitals step's values once the patient confirms an unusual BMI.
BMI_CONFIRMED = "bmi_confirmed"
# Where a draft's answers keep the patient's language (absent: English). An invitation's
# draft gets it from the front desk before the patient opens the link.
LANGUAGE_KEY = "_language"


def _new_id() -> str:
    return uuid.uuid4().hex[:8]


@dataclass
class MedRow:
    """One medicine row as the patient typed it (a blank row is never sent)."""

    id: str = field(default_factory=_new_id)
    name: str = ""
    dose: str = ""
    frequency: str = ""
    status: MedStatus = "current"

    @property
    def filled(self) -> bool:
        return bool(self.name.strip())

    def as_answer(self) -> dict[str, str]:
        return {"name": self.name.strip(), "dose": self.dose.strip(),
                "frequency": self.frequency.strip(), "status": self.status}


@dataclass
class IntakeState:
    """A patient's intake: which step (None = welcome page), answers so far, medicine rows."""

    step: int | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    meds: list[MedRow] = field(default_factory=list)
    token: str | None = None
    problems: dict[str, str] = field(default_factory=dict)
    submitted: bool = False
    save_failed: bool = False
    retry_after: int = 0  # a submission refused by a rate limit: seconds to wait (draft kept)
    locked: frozenset[str] = frozenset()
    back_to_review: bool = False
    language: str = "en"
    # Step changes counted, so the page can tell a fresh step (scroll to top, move focus).
    moves: int = 0
    # Units the patient answers height and weight in (stored metric), and what they typed.
    height_unit: HeightUnit = "ft_in"
    weight_unit: WeightUnit = "lb"
    entered: dict[str, float] = field(default_factory=dict)
    # An unusual BMI asked about before Next (a likely typo or wrong unit).
    bmi_question: float | None = None
    # The medicine row open for editing (None: every filled row shows as one line of text).
    editing: str | None = None

    @property
    def current(self) -> Step | None:
        return None if self.step is None else STEPS[self.step]

    @property
    def on_review(self) -> bool:
        return self.step == LAST_STEP

    def filled_meds(self) -> list[MedRow]:
        return [r for r in self.meds if r.filled]

    def medications(self) -> list[dict[str, str]]:
        """Every medicine typed, even with "I take no medicines" ticked: validation refuses
        that combination rather than the app silently dropping what the patient wrote."""
        return [r.as_answer() for r in self.filled_meds()]

    def answers_with_meds(self) -> dict[str, Any]:
        answers = dict(self.answers)
        answers["medications"] = self.medications()
        return answers


# -- building ---------------------------------------------------------------------------------
def from_draft(answers: Mapping[str, Any] | None, step: int | None, token: str,
               submitted: bool = False) -> IntakeState:
    """The state of a resumed draft (the stored answers, medicines as rows)."""
    stored = dict(answers or {})
    rows = [MedRow(name=str(m.get("name", "")), dose=str(m.get("dose", "")),
                   frequency=str(m.get("frequency", "")),
                   status="past" if m.get("status") == "past" else "current")
            for m in stored.pop("medications", None) or [] if isinstance(m, dict)]
    language = draft_language(stored)
    stored.pop(LANGUAGE_KEY, None)
    return IntakeState(step=min(step or 0, LAST_STEP), answers=stored, meds=rows, token=token,
                       submitted=submitted, language=language)


def prefill(state: IntakeState, values: Mapping[str, Any], *, lock: bool = True) -> None:
    """Answers known before the patient starts (e.g. from an invitation); locked ones stay."""
    state.answers.update(values)
    if lock:
        state.locked = state.locked | frozenset(values)


# -- collect ----------------------------------------------------------------------------------
def collect(state: IntakeState, values: Mapping[str, Any],
            meds: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """Take what the widgets of the current step hold. ``None`` means blank (the answer is
    dropped); codes not on the step and locked codes are ignored. Hidden answers go."""
    step = state.current
    if step is None:
        return
    for code in step.codes:
        if code == "medications" or code in state.locked or code not in values:
            continue
        value = values[code]
        if value is None:
            state.answers.pop(code, None)
        else:
            state.answers[code] = value
    if meds is not None:
        update_meds(state, meds)
    state.answers = prune_hidden(state.answers)


def update_meds(state: IntakeState, values: Mapping[str, Mapping[str, str]]) -> None:
    """Copy typed medicine fields (by row id) into the rows."""
    for row in state.meds:
        typed = values.get(row.id)
        if not typed:
            continue
        for name in MED_FIELDS:
            if isinstance(typed.get(name), str):
                setattr(row, name, typed[name])
        if typed.get("status") in ("current", "past"):
            row.status = "past" if typed["status"] == "past" else "current"


def add_med(state: IntakeState) -> MedRow | None:
    """A new blank row, open for typing (the row edited before closes to one line); None
    when the list is full (the page says so beside the list)."""
    if len(state.meds) >= MAX_MEDICATIONS:
        return None
    row = MedRow()
    state.meds.append(row)
    state.editing = row.id
    return row


def remove_med(state: IntakeState, row_id: str) -> None:
    state.meds = [r for r in state.meds if r.id != row_id]
    if state.editing == row_id:
        state.editing = None


_MED_PROBLEM = re.compile(r"medications\[(\d+)\]")  # numbered over the filled rows


def edit_med(state: IntakeState, row_id: str | None) -> None:
    """Open one row for editing (the one open before closes); None closes it."""
    state.editing = row_id if any(r.id == row_id for r in state.meds) else None


def open_meds(state: IntakeState) -> set[str]:
    """Rows drawn with their input boxes: the one being edited, every blank row (nothing to
    show as text yet) and every row with a problem (fixed where it is typed). Every other
    row is one line of text saying what was typed and how it was read, with Edit and
    Remove: far fewer elements for a phone to redraw on every tap."""
    with_problem = {int(m.group(1)) for code in state.problems
                    if (m := _MED_PROBLEM.match(code))}
    filled = state.filled_meds()
    return ({r.id for r in state.meds if not r.filled or r.id == state.editing}
            | {filled[i].id for i in with_problem if i < len(filled)})


# -- check ------------------------------------------------------------------------------------
def check(state: IntakeState, today: date, codes: Iterable[str] | None = None) -> dict[str, str]:
    """Problems by question code (medicine rows keep their ``medications[i].field`` code),
    first message per code; only for ``codes`` when given."""
    problems, _, _ = check_answers(state.answers_with_meds(), today=today, codes=codes)
    return problems_by_code(problems)


def problems_by_code(problems: Iterable[Problem]) -> dict[str, str]:
    """Problems as the page shows them: first message per question code (medicine rows
    keep their ``medications[i].field`` code)."""
    found: dict[str, str] = {}
    for problem in problems:
        code = problem.code if problem.code.startswith("medications[") else base_code(problem.code)
        found.setdefault(code, problem.message)
    return found


# -- move -------------------------------------------------------------------------------------
def _go(state: IntakeState, index: int) -> None:
    state.step = max(0, min(index, LAST_STEP))
    state.problems = {}
    state.moves += 1
    state.editing = None  # back on the medicines step, the filled rows show as text


def start(state: IntakeState) -> None:
    _go(state, 0)


def next_step(state: IntakeState, values: Mapping[str, Any], today: date,
              meds: Mapping[str, Mapping[str, str]] | None = None) -> bool:
    """Collect, check the step on screen, and move on (to the review page directly when the
    patient came from it). False, with ``state.problems`` set, when something needs fixing."""
    if state.step is None or state.on_review:
        return False
    collect(state, values, meds)
    step = STEPS[state.step]
    state.problems = check(state, today, step.codes)
    if state.problems:
        return False
    if step.id == "vitals" and not values.get(BMI_CONFIRMED):
        state.bmi_question = implausible_bmi(state.answers.get("height_cm"),
                                             state.answers.get("weight_kg"))
        if state.bmi_question is not None:
            return False
    state.bmi_question = None
    _go(state, LAST_STEP if state.back_to_review else state.step + 1)
    if state.on_review:
        state.back_to_review = False
    return True


def back(state: IntakeState, values: Mapping[str, Any],
         meds: Mapping[str, Mapping[str, str]] | None = None) -> None:
    collect(state, values, meds)
    _go(state, (state.step or 0) - 1)


def edit(state: IntakeState, index: int, values: Mapping[str, Any]) -> None:
    """From the review page to one step; its Next comes straight back."""
    collect(state, values)
    state.back_to_review = True
    _go(state, index)


def to_document(state: IntakeState, submitted_at: datetime) -> dict[str, Any]:
    """The spec's answer document, exactly as the clinic stores it."""
    stamp = submitted_at.isoformat(timespec="seconds").replace("+00:00", "Z")  # own offset: age
    return {"form_version": FORM_VERSION, "answers": state.answers_with_meds(),
            "submitted_at": stamp}


def submit(state: IntakeState, values: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Collect the review page; the document to submit. It is checked once, where it is
    submitted (``services.intake.submit``); its problems come back through ``refused``."""
    collect(state, values)
    state.problems = {}
    return to_document(state, now)


def refused(state: IntakeState, problems: Iterable[Problem]) -> None:
    """The submitted document was refused: show its problems on the page."""
    state.problems = problems_by_code(problems)


def draft_answers(state: IntakeState) -> dict[str, Any]:
    """What the server-side draft keeps: the answers, the medicines and the language."""
    return with_language(state.answers_with_meds(), state.language)


def with_language(answers: dict[str, Any], language: str) -> dict[str, Any]:
    """``answers`` keeping ``language`` the way a draft does (English: no key)."""
    answers.pop(LANGUAGE_KEY, None)
    if language != DEFAULT_LANGUAGE:
        answers[LANGUAGE_KEY] = language
    return answers


def draft_language(answers: Mapping[str, Any] | None) -> str:
    """The language a draft's answers keep: English when none or an unknown one."""
    return known_language((answers or {}).get(LANGUAGE_KEY))


def known_language(value: object) -> str:
    """``value`` if it is a language of the patient side, else English."""
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE
