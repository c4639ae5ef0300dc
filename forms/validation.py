"""Validation of answers against the questionnaire: one clear message per offending code.

``parse_document`` is the boundary for a whole answer document (CLI, import, submit).
``check_answers`` is the same check over a bag of answers, optionally limited to some
sections, which the intake pages use step by step.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from core.evaluation import adopt
from forms import answer_model  # generated from the question table; imports this module
from forms.clock import now_in_clinic
from forms.definition import (
    FORM_VERSION,
    MAX_MEDICATIONS,
    MEDICATION_STATUSES,
    MUST_BE_TRUE,
    QUESTIONS,
    QUESTIONS_BY_CODE,
    Question,
)
from forms.models import (
    PLAIN_TEXT_TYPE,
    AnswerDocument,
    InvalidDocument,
    Medication,
    Problem,
    Screening,
)

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"^[^@\s]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{7,30}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_AGE = 120
_SHOWN = 40  # how much of a bad value to echo back in a message


_HUGE = 10**18


def _show(value: Any) -> str:
    """A bad value, shown back safely: short, never a deep or huge repr."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value) if -_HUGE < value < _HUGE else "a very large number"
    if isinstance(value, str):  # no terminal escapes or other unprintables echoed back
        text = "'" + "".join(ch if ch.isprintable() else "?" for ch in value[:_SHOWN]) + "'"
        return text if len(value) <= _SHOWN - 2 else text[: _SHOWN - 4] + "...'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _code_of(key: Any, limit: int = 60) -> str:
    """An unknown key as a problem code: printable, trimmed, never empty."""
    text = "".join(ch for ch in str(key) if ch.isprintable()).strip()
    return text[:limit]


def has_control_chars(text: str, allow_newlines: bool) -> bool:
    for ch in text:
        if ch in "\n\t" and allow_newlines:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in "\u200d":
            return True
    return False


def normalise_name(text: str) -> str:
    return " ".join(text.split()).casefold()


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def bmi_of(height_cm: int | None, weight_kg: int | None) -> float | None:
    if not height_cm or not weight_kg:
        return None
    key = (height_cm, weight_kg)
    bmi = _BMI.get(key)
    if bmi is None:  # round() to a tenth costs more than the rest of a document's checks
        bmi = round(weight_kg / (height_cm / 100) ** 2, 1)
        if len(_BMI) < _BMI_MAX:
            _BMI[key] = bmi
    return bmi


# BMI by (height, weight): whole numbers in the question table's ranges, so a bounded set
_BMI: dict[tuple[int, int], float] = {}
_BMI_MAX = 200_000


def _allowed(question: Question) -> str:
    return ", ".join(question.values)


def _range(question: Question) -> str:
    return f"allowed {question.min}-{question.max}"


def _check_value(question: Question, value: Any, today: date) -> tuple[str | None, Any]:
    """Return (problem message or None, cleaned value)."""
    kind = question.type
    if kind == "text":
        if not isinstance(value, str):
            return "must be text", None
        cleaned = value.strip()
        if has_control_chars(cleaned, allow_newlines=question.free_text):
            return "contains control characters; use plain text", None
        if question.required and not cleaned:
            return "is required; please answer this question", None
        if question.max is not None and len(cleaned) > question.max:
            return f"is {len(cleaned)} characters long; the limit is {question.max}", None
        if cleaned and question.code == "email" and not EMAIL_RE.match(cleaned):
            return f"{_show(cleaned)} is not a valid email address, e.g. name@example.com", None
        if cleaned and question.code == "phone" and (
            not PHONE_RE.match(cleaned) or not 7 <= sum(c.isdigit() for c in cleaned) <= 15
        ):
            return (f"{_show(cleaned)} is not a valid phone number; use 7 to 15 digits, "
                    "e.g. +1 555 123 4567"), None
        return None, cleaned
    if kind == "date":
        if not isinstance(value, str) or not DATE_RE.match(value):
            return f"{_show(value)} is not a date; use YYYY-MM-DD, e.g. 1990-04-02", None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return f"{_show(value)} is not a real calendar date", None
        if parsed > today:
            return f"{value} is in the future", None
        if age_on(parsed, today) > MAX_AGE:
            return f"{value} gives an age over {MAX_AGE}; check the year", None
        return None, value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and abs(value) < _HUGE:
                value = int(value)
            else:
                return (f"{_show(value)} is not a whole number; allowed "
                        f"{question.min}-{question.max}"), None
        if question.min is not None and value < question.min:
            return f"{_show(value)} is below the allowed {question.min} ({_range(question)})", None
        if question.max is not None and value > question.max:
            return f"{_show(value)} is above the allowed {question.max} ({_range(question)})", None
        return None, value
    if kind == "choice":
        if not isinstance(value, str) or value not in question.values:
            return f"{_show(value)} is not allowed; choose one of: {_allowed(question)}", None
        return None, value
    if kind == "multi":
        if not isinstance(value, list):
            return f"must be a list of options from: {_allowed(question)}", None
        bad = [v for v in value if not isinstance(v, str) or v not in question.values]
        if bad:
            return (f"{', '.join(_show(v) for v in bad[:5])} not allowed; choose from: "
                    f"{_allowed(question)}"), None
        if len(set(value)) != len(value):
            return "lists the same option twice", None
        if question.required and not value:
            return f"choose at least one option: {_allowed(question)}", None
        if "none" in value and len(value) > 1:
            return "'none' cannot be combined with other options", None
        order = {v: i for i, v in enumerate(question.values)}
        return None, sorted(value, key=order.__getitem__)
    if kind == "bool":
        if not isinstance(value, bool):
            return f"{_show(value)} is not allowed; use true or false", None
        return None, value
    raise ValueError(f"unknown question type {kind}")  # pragma: no cover - table is checked


def _check_medications(value: Any) -> tuple[list[Problem], list[Medication]]:
    if not isinstance(value, list):
        return [Problem(code="medications", message="must be a list of medicines")], []
    if len(value) > MAX_MEDICATIONS:
        return [Problem(code="medications",
                        message=f"has {len(value)} entries; the limit is {MAX_MEDICATIONS}")], []
    problems: list[Problem] = []
    meds: list[Medication] = []
    for i, item in enumerate(value):
        where = f"medications[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(code=where, message="must be an object with name, dose, "
                                    "frequency and status"))
            continue
        try:
            med = Medication.model_validate(item)
        except ValidationError as err:
            errors = [e for e in err.errors() if e["type"] != PLAIN_TEXT_TYPE]
            if not errors:  # only control characters: one problem for the medicine
                problems.append(Problem(code=where,
                                        message="contains control characters; use plain text"))
            for e in errors:
                field = _code_of(".".join(str(p) for p in e["loc"]), limit=30) or "entry"
                problems.append(Problem(code=f"{where}.{field}",
                                        message=_medication_message(field, e)))
            continue
        meds.append(med)
    return problems, meds


def _medication_message(field: str, error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "is not a medicine field; allowed: name, dose, frequency, status"
    if kind == "missing":
        return "is required"
    if field == "status":
        return f"{_show(error.get('input'))} is not allowed; choose one of: " + ", ".join(
            MEDICATION_STATUSES)
    if kind == "string_too_short":
        return "is required: write the medicine's name"
    if kind == "string_too_long":
        return f"is too long; the limit is {error['ctx']['max_length']} characters"
    if kind == "string_type":
        return "must be text"
    return str(error["msg"])


def asked(question: Question, answers: dict[str, Any]) -> bool:
    return question.when is None or question.when.holds(answers)


def check_answers(
    answers: Any,
    *,
    today: date,
    codes: Iterable[str] | None = None,
) -> tuple[list[Problem], dict[str, Any], list[Medication]]:
    """Check answers against the form. Returns (problems, cleaned answers, medications).

    With ``codes``, only problems about those questions are reported, so a patient is told
    about the step in front of them, not about steps still to come.
    """
    if not isinstance(answers, dict):
        return [Problem(code="answers", message="must be an object of question code to answer")], {}, []
    wanted = set(codes) if codes is not None else None
    problems: list[Problem] = []
    cleaned: dict[str, Any] = {}
    medications: list[Medication] = []
    invalid: set[str] = set()

    for code in answers:
        if code not in QUESTIONS_BY_CODE:
            shown = _code_of(code)
            problems.append(Problem(code=shown or "answers",
                                    message=("is not a question of this form" if shown else
                                             "an answer has an empty question code")))

    for question in QUESTIONS:
        code = question.code
        if code not in answers or answers[code] is None:
            continue
        if question.type == "medications":
            med_problems, medications = _check_medications(answers[code])
            problems.extend(med_problems)
            if med_problems:
                invalid.add(code)
            else:
                cleaned[code] = [m.model_dump() for m in medications]
            continue
        message, value = _check_value(question, answers[code], today)
        if message:
            problems.append(Problem(code=code, message=message))
            invalid.add(code)
        else:
            cleaned[code] = value

    # Branching: a question whose condition depends on an invalid or missing answer is
    # neither required nor refused; the controlling answer's own problem is reported.
    for question in QUESTIONS:
        code = question.code
        controller = question.when.code if question.when else None
        if controller and (controller in invalid or controller not in cleaned):
            continue
        is_asked = asked(question, cleaned)
        condition = question.when
        if (not is_asked and condition is not None and code in answers and answers[code] is not None
                and code not in invalid):
            problems.append(Problem(
                code=code,
                message=(f"was not asked because {condition.code} is "
                         f"{cleaned.get(condition.code)!r}; remove this answer"),
            ))
            invalid.add(code)
            cleaned.pop(code, None)
        elif (is_asked and question.required and code not in cleaned and code not in invalid):
            problems.append(Problem(code=code, message="is required; please answer this question"))
            invalid.add(code)

    problems.extend(cross_field(cleaned, medications, invalid))
    if wanted is not None:
        problems = [p for p in problems if base_code(p.code) in wanted]
    return problems, cleaned, medications


def base_code(code: str) -> str:
    """'medications[2].name' -> 'medications'."""
    return code.split("[", 1)[0].split(".", 1)[0]


def cross_field(cleaned: dict[str, Any], meds: list[Medication], invalid: AbstractSet[str]
                ) -> list[Problem]:
    """The checks across answers, over the answers that passed their own checks (also the
    generated answer model's validator, on every document accepted: keep it lean)."""
    problems: list[Problem] = []
    systolic, diastolic = cleaned.get("systolic_bp"), cleaned.get("diastolic_bp")
    if "systolic_bp" not in invalid and "diastolic_bp" not in invalid:
        if (systolic is None) != (diastolic is None):
            missing = "diastolic_bp" if diastolic is None else "systolic_bp"
            problems.append(Problem(code=missing, message="give both blood pressure numbers, or neither"))
        elif systolic is not None and systolic <= diastolic:
            problems.append(Problem(
                code="systolic_bp",
                message=f"the top number ({systolic}) must be higher than the bottom number ({diastolic})",
            ))
    for code in MUST_BE_TRUE:
        if cleaned.get(code) is False:
            problems.append(Problem(code=code, message="must be ticked to submit"))
    signature = cleaned.get("signature_name")
    first, last = cleaned.get("first_name"), cleaned.get("last_name")
    if signature and first and last and signature != (given := f"{first} {last}") and (
            normalise_name(signature) != normalise_name(given)):
        problems.append(Problem(
            code="signature_name",
            message=f"must match your first and last name as given: {given}",
        ))
    if "medications" not in invalid and "takes_no_medications" in cleaned:
        current = [m for m in meds if m.status == "current"]
        if cleaned["takes_no_medications"] and current:
            problems.append(Problem(
                code="medications",
                message=("you ticked 'I take no medicines' but listed current ones; "
                         "untick it or mark them as past"),
            ))
        elif not cleaned["takes_no_medications"] and not current:
            problems.append(Problem(
                code="medications",
                message="add at least one medicine you take now, or tick 'I take no medicines'",
            ))
    return problems


def _envelope_problems(err: ValidationError) -> list[Problem]:
    problems = []
    for e in err.errors():
        field = _code_of(".".join(str(p) for p in e["loc"])) or "document"
        kind = e["type"]
        if kind == "extra_forbidden":
            message = "is not part of an answer document; allowed: form_version, answers, submitted_at"
        elif kind == "missing":
            message = "is required"
        elif field == "submitted_at":
            message = "must be an ISO 8601 date-time with a time zone, e.g. 2026-11-21T14:03:00Z"
        elif field == "answers":
            message = "must be an object of question code to answer"
        elif field == "form_version":
            message = f"must be the text '{FORM_VERSION}'"
        else:
            message = e["msg"]
        problems.append(Problem(code=field, message=message))
    return problems


def load_json(text: str) -> Any:
    """Parse JSON text for the command lines; InvalidDocument with a clear message if not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidDocument([Problem(
            code="document",
            message=f"is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})",
        )]) from None
    except (ValueError, RecursionError):  # numbers over 4,300 digits; nesting too deep
        raise InvalidDocument([Problem(
            code="document", message="is not usable JSON: a number is too long or the nesting "
                                     "too deep")]) from None


def parse_document(raw: Any, *, today: date | None = None) -> Screening:
    """Validate one answer document; raise InvalidDocument listing every problem.

    Age is computed on the calendar date of the document's ``submitted_at`` in its own
    offset (a patient submitting at 8 pm in California on the eve of her birthday is still
    17), else on ``today`` (default: today in the clinic's time zone), so a stored
    screening always evaluates the same way.

    The document is validated by the model generated from the question table
    (``forms.answer_model.DOCUMENT``, in pydantic-core); a document it refuses is checked
    answer by answer (``check_answers``) to say what is wrong with each.
    """
    if not isinstance(raw, dict):
        raise InvalidDocument([Problem(code="document",
                                       message="must be a JSON object with form_version and answers")])
    try:
        return answer_model.DOCUMENT.validate_python(raw, context={"today": today})
    except ValidationError:
        return _checked_document(raw, today)


def validated_screening(form_version: str, cleaned: dict[str, Any], meds: list[Medication],
                        submitted: datetime | None, reference: date, age: int) -> Screening:
    """The Screening of validated values, built without validating them again (what
    ``Screening.model_construct`` does, without its per-field default handling: every
    field is given here; ``tests/test_forms_answer_model.py`` compares with a validated one)."""
    return adopt(Screening, {
        "form_version": form_version,
        "answers": cleaned,
        "medications": tuple(meds),
        "submitted_at": submitted,
        "reference_date": reference,
        "age": age,
        "bmi": bmi_of(cleaned.get("height_cm"), cleaned.get("weight_kg")),
    })


def _checked_document(raw: dict[str, Any], today: date | None) -> Screening:
    """A document the generated model refused: every problem, in words, per question code.
    (A document it finds nothing wrong with is accepted: text padded with characters only
    Python counts as spaces.)"""
    try:
        doc = AnswerDocument.model_validate(raw)
    except ValidationError as err:
        raise InvalidDocument(_envelope_problems(err)) from None
    problems: list[Problem] = []
    if doc.form_version != FORM_VERSION:
        problems.append(Problem(code="form_version",
                                message=f"{_show(doc.form_version)} is not supported; use '{FORM_VERSION}'"))
    submitted = doc.submitted_at
    try:
        if submitted is not None:
            submitted.astimezone(UTC)  # stored as UTC: it must have a UTC instant
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before the first UTC instant
        raise InvalidDocument([Problem(code="submitted_at",
                                       message="is out of range; use a real date-time")]) from None
    # The calendar date in submitted_at's own offset: the patient's date, not UTC's.
    reference = submitted.date() if submitted else (today or now_in_clinic().date())
    answer_problems, cleaned, meds = check_answers(doc.answers, today=reference)
    problems.extend(answer_problems)
    if problems:
        raise InvalidDocument(problems)
    age = age_on(date.fromisoformat(cleaned["date_of_birth"]), reference)
    return validated_screening(doc.form_version, cleaned, meds, submitted, reference, age)
