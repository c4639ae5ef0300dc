"""The answer model, generated from the question table: validation in pydantic-core.

``ANSWERS`` is a typed dict with one key per question of ``forms.definition.QUESTIONS``,
typed from the question: text with its length and no control characters, a choice as a
``Literal`` of its values, a whole number in its range, a list of options, a strict bool,
the medicine list (``forms.models.Medication``). A question always asked is a required
key; the others may be left out -- and are never null here: the spec's documents leave an
unanswered question out (what the intake and the FHIR reader send), so a null answer is
the tolerated, not the usual, shape. The model refuses it and ``parse_document`` reads such
a document answer by answer, which takes null as left out (the same ``Screening``); that
keeps a scan of every answer for null off the path every document takes.

``DOCUMENT`` wraps it in the answer document's envelope
(``form_version``, ``submitted_at``), so a whole document is validated by one call into
pydantic-core, and the result is already the stored shape (a dict, answers in question
order, text stripped, options in table order).

The checks across answers run as one validator of the whole document
(``_check_document``): the form version, the date of birth against the day of
submission, branching (a question answered that was not asked, a required one missing)
and ``forms.validation.cross_field`` (both blood pressure numbers, the signature, "no
medicines" against the list, the boxes that must be ticked).

The model decides which documents are accepted. When it refuses one, the problems are
put in words by ``forms.validation.check_answers``: the same ``{code, message}`` for every
question that the intake pages show step by step, every problem found rather than the
first. ``tests/test_forms_answer_model.py`` checks on generated and hostile documents that
the model never accepts what ``check_answers`` refuses, and cleans answers the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, NotRequired, Required

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict  # pydantic needs this one on Python 3.11

from forms import validation as checks  # the shared checks; that module imports this one
from forms.clock import now_in_clinic
from forms.definition import FORM_VERSION, MAX_MEDICATIONS, QUESTIONS, Question, When
from forms.models import FREE_TEXT, PLAIN_TEXT, Medication, Screening

_HUGE = 10**18
_FORBID = ConfigDict(extra="forbid")


def _refuse(code: str) -> PydanticCustomError:
    return PydanticCustomError("answer", "{code} is not acceptable", {"code": code})


def _whole_in(question: Question) -> Any:
    def whole(value: float) -> int:
        if not value.is_integer() or abs(value) >= _HUGE:
            raise _refuse(question.code)
        number = int(value)
        if (question.min is not None and number < question.min) or (
                question.max is not None and number > question.max):
            raise _refuse(question.code)
        return number
    return whole


def _contact_checker(code: str) -> Any:
    def check(value: str) -> str:
        if not value:
            return value
        if code == "email" and not checks.EMAIL_RE.match(value):
            raise _refuse(code)
        if code == "phone" and (not checks.PHONE_RE.match(value)
                                or not 7 <= sum(c.isdigit() for c in value) <= 15):
            raise _refuse(code)
        return value
    return check


def _calendar_date(value: str) -> str:
    """YYYY-MM-DD and a real date; how it compares with the day of submission is checked
    with the whole document."""
    if not checks.DATE_RE.match(value):
        raise _refuse("date")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise _refuse("date") from None
    return value


def _multi_checker(question: Question) -> Any:
    order = {v: i for i, v in enumerate(question.values)}

    def check(value: list[str]) -> list[str]:
        if len(set(value)) != len(value) or (question.required and not value) or (
                "none" in value and len(value) > 1):
            raise _refuse(question.code)
        return sorted(value, key=order.__getitem__)
    return check


def _only_objects(value: Any) -> Any:
    """Each medicine must be a JSON object (not an already built ``Medication``)."""
    if isinstance(value, list) and not all(type(item) is dict for item in value):
        raise _refuse("medications")
    return value


def answer_type(question: Question) -> Any:
    """The pydantic type of one question's answer (before it is made optional)."""
    kind = question.type
    if kind == "text":
        text: Any = Annotated[str, StringConstraints(
            strict=True, strip_whitespace=True, max_length=question.max,
            min_length=1 if question.required else None,
            pattern=FREE_TEXT if question.free_text else PLAIN_TEXT)]
        if question.code in ("email", "phone"):
            text = Annotated[text, AfterValidator(_contact_checker(question.code))]
        return text
    if kind == "date":
        return Annotated[str, Field(strict=True), AfterValidator(_calendar_date)]
    if kind == "int":  # a whole number in range; 2.0 is 2 (JSON writers do this)
        return (Annotated[StrictInt, Field(ge=question.min, le=question.max)]
                | Annotated[StrictFloat, AfterValidator(_whole_in(question))])
    if kind == "choice":
        return Literal[question.values]
    if kind == "multi":
        return Annotated[list[Literal[question.values]],  # type: ignore[name-defined]
                         Field(strict=True), AfterValidator(_multi_checker(question))]
    if kind == "bool":
        return StrictBool
    if kind == "medications":
        return Annotated[list[Medication], Field(strict=True, max_length=MAX_MEDICATIONS),
                         BeforeValidator(_only_objects)]
    raise ValueError(f"{question.code}: no answer type for {kind}")  # pragma: no cover


def _answers_type(name: str) -> Any:
    fields: dict[str, Any] = {}
    for question in QUESTIONS:
        kind = answer_type(question)
        # always asked: must be there; otherwise it may be left out (never null here: see
        # the module's docstring)
        fields[question.code] = (Required[kind] if question.required and question.when is None
                                 else NotRequired[kind])
    answers = TypedDict(name, fields)  # type: ignore[misc]
    answers.__pydantic_config__ = _FORBID  # type: ignore[attr-defined]
    return answers


def _asked_when(when: When) -> Callable[[dict[str, Any]], bool]:
    """``When.holds`` as a plain function over the answers (unanswered ones are None)."""
    code, value = when.code, when.value
    if when.op == "eq":
        return lambda answers: answers.get(code) == value
    if when.op == "ne":
        return lambda answers: (given := answers.get(code)) is not None and given != value
    return lambda answers: answers.get(code) in value


# (code, required, the condition under which it is asked)
_CONDITIONAL = tuple((q.code, q.required, _asked_when(q.when)) for q in QUESTIONS if q.when is not None)
_BIRTH = next(q.code for q in QUESTIONS if q.type == "date")
_EDGE_YEARS = frozenset({datetime.min.year, datetime.max.year})
_NONE_INVALID: frozenset[str] = frozenset()  # every answer passed its own check
_NO_MEDICATIONS: list[Medication] = []  # never changed


def _check_document(document: dict[str, Any], info: ValidationInfo) -> Screening:
    """The checks across answers, on a document whose every answer passed its own check;
    the validated ``Screening`` when they pass. Run on every document accepted: each step
    here is on the path ``bench/bench_validation.py`` measures (within 1.5x the bare model)."""
    if document["form_version"] != FORM_VERSION:
        raise _refuse("form_version")
    submitted: datetime | None = document.get("submitted_at")
    if submitted is not None:
        # Stored as UTC: it must have a UTC instant. An offset is under a day, so only a
        # date-time in the first or the last year of the calendar can fall outside it.
        if submitted.year in _EDGE_YEARS:
            try:
                submitted.astimezone(UTC)
            except OverflowError:
                raise _refuse("submitted_at") from None
        today = submitted.date()  # the patient's date, in submitted_at's own offset
    else:  # the day it is received, unless the caller says which day that is
        given_day: date | None = (info.context or {}).get("today")
        today = given_day or now_in_clinic().date()
    answers = document["answers"]
    age = checks.age_on(date.fromisoformat(answers[_BIRTH]), today)
    if age < 0 or age > checks.MAX_AGE:  # born after the day of submission, or over 120
        raise _refuse(_BIRTH)
    get = answers.get
    for code, required, holds in _CONDITIONAL:
        given = get(code) is not None
        if given != holds(answers) and (given or required):
            raise _refuse(code)
    meds: list[Medication] = get("medications") or _NO_MEDICATIONS
    if checks.cross_field(answers, meds, _NONE_INVALID):
        raise _refuse("answers")
    if meds:  # a medicine's fields, in order (what model_dump gives this flat model, faster)
        answers["medications"] = [m.__dict__.copy() for m in meds]
    return checks.validated_screening(document["form_version"], answers, meds, submitted,
                                      today, age)


def _document_type(answers: Any, name: str) -> Any:
    document = TypedDict(name, {  # type: ignore[misc]  # noqa: UP013 - a generated type
        "form_version": Required[str],
        "answers": Required[answers],
        "submitted_at": NotRequired[AwareDatetime | None],
    })
    document.__pydantic_config__ = _FORBID  # type: ignore[attr-defined]
    return document


_CHECKED_DOCUMENT: Any = Annotated[
    _document_type(_answers_type("Answers"), "AnswerDocument"), AfterValidator(_check_document)]
DOCUMENT: TypeAdapter[Screening] = TypeAdapter(_CHECKED_DOCUMENT)
"""An answer document of form version 1, with the answers generated from the question
table, validated to its ``Screening``. A document without ``submitted_at`` is checked on
``context={"today": date}``, else on today in the clinic's time zone."""

BARE_DOCUMENT: TypeAdapter[dict[str, Any]] = TypeAdapter(
    _document_type(_answers_type("BareAnswers"), "BareAnswerDocument"))
"""The same types without the checks across answers: the benchmark's yardstick."""
