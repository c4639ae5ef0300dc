"""QuestionnaireResponse <-> answer document (the spec's JSON), both ways.

``response_to_document`` only *translates*: every answer becomes the value the equivalent
JSON document would hold (a coding's code, an integer, a date, ...), and
``forms.validation.parse_document`` then validates it, so a response gets exactly the
problems (and, evaluated, the flags) of the equivalent document. Only what has no JSON
equivalent is refused here: not a QuestionnaireResponse, a response to another
questionnaire or another version of ours, a response still in progress, a malformed item.

An empty text or an empty list has no FHIR form (FHIR strings are never empty): such an
answer is left out of the response and comes back absent, which validates and evaluates
the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forms.definition import FORM_VERSION, QUESTIONS_BY_CODE, SECTIONS, Question, questions_in
from forms.fhir.canonical import (
    ANSWER_SYSTEM,
    MEDICATION_FIELDS,
    QUESTIONNAIRE_URL,
    canonical,
    medication_link_id,
    section_link_id,
)
from forms.fhir.questionnaire import MEDICATION_STATUS_LABELS, coding
from forms.models import InvalidDocument, Problem

JSON = dict[str, Any]
ACCEPTED_STATUSES = ("completed", "amended")
_SECTION_LINKS = {section_link_id(s.id) for s in SECTIONS}
_MED_PREFIX = medication_link_id("")
_SHOWN = 60


# --- document -> QuestionnaireResponse -------------------------------------------------

def _answers_of(question: Question, value: Any) -> list[JSON]:
    if question.type == "choice":
        return [{"valueCoding": coding(question, value)}]
    if question.type == "multi":
        return [{"valueCoding": coding(question, v)} for v in value]
    key = {"int": "valueInteger", "date": "valueDate", "bool": "valueBoolean"}.get(
        question.type, "valueString")
    return [{key: value}]


def _medication_items(medications: list[Mapping[str, Any]]) -> list[JSON]:
    groups = []
    for med in medications:
        children: list[JSON] = []
        for field in MEDICATION_FIELDS:
            value = med.get(field)
            if value in (None, ""):
                continue
            answer: JSON = ({"valueCoding": {"system": ANSWER_SYSTEM, "code": value,
                                             "display": MEDICATION_STATUS_LABELS.get(value, value)}}
                            if field == "status" else {"valueString": value})
            children.append({"linkId": medication_link_id(field), "answer": [answer]})
        groups.append({"linkId": "medications", "item": children})
    return groups


def document_to_response(document: Mapping[str, Any], *, response_id: str | None = None,
                         subject: JSON | None = None,
                         withheld: frozenset[str] = frozenset()) -> JSON:
    """The QuestionnaireResponse of a *valid* answer document (``Screening.to_document()``).

    ``withheld``: question codes left out (de-identified exports); ``subject``: a
    Reference to the Patient, when there is one to point at."""
    answers: Mapping[str, Any] = document["answers"]
    groups: list[JSON] = []
    for section in SECTIONS:
        items: list[JSON] = []
        for question in questions_in(section.id):
            value = answers.get(question.code)
            if question.code in withheld or value is None or value == "" or value == []:
                continue
            if question.type == "medications":
                items.extend(_medication_items(value))
            else:
                items.append({"linkId": question.code, "text": question.label,
                              "answer": _answers_of(question, value)})
        if items:
            groups.append({"linkId": section_link_id(section.id), "text": section.title,
                           "item": items})
    response: JSON = {"resourceType": "QuestionnaireResponse"}
    if response_id:
        response["id"] = response_id
    response["questionnaire"] = canonical(str(document.get("form_version", FORM_VERSION)))
    response["status"] = "completed"
    if subject:
        response["subject"] = subject
    if document.get("submitted_at"):
        response["authored"] = document["submitted_at"]
    response["item"] = groups
    return response


# --- QuestionnaireResponse -> document -------------------------------------------------

class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")
    linkId: str = Field(min_length=1)
    answer: list[dict[str, Any]] = []
    item: list[_Item] = []


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")
    resourceType: str
    questionnaire: str | None = None
    status: str | None = None
    authored: Any = None
    item: list[_Item] = []


def _shown(text: str) -> str:
    clean = "".join(ch if ch.isprintable() else "?" for ch in text[:_SHOWN])
    return repr(clean + ("..." if len(text) > _SHOWN else ""))


def _structure_problems(err: ValidationError) -> list[Problem]:
    problems = []
    for e in err.errors()[:20]:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]).lstrip(".")
        problems.append(Problem(code=where[:80] or "document",
                                message=f"is not valid in a QuestionnaireResponse: {e['msg']}"))
    return problems


def _envelope(raw: Any) -> _Response:
    if not isinstance(raw, dict) or raw.get("resourceType") != "QuestionnaireResponse":
        kind = raw.get("resourceType") if isinstance(raw, dict) else None
        shown = f"a {_shown(kind)} resource" if isinstance(kind, str) else "not a FHIR resource"
        raise InvalidDocument([Problem(code="resourceType", message=(
            f"{shown}; expected a QuestionnaireResponse to {canonical()}"))])
    try:
        response = _Response.model_validate(raw)
    except ValidationError as err:
        raise InvalidDocument(_structure_problems(err)) from None
    except RecursionError:
        raise InvalidDocument([Problem(code="item", message="is nested too deep")]) from None
    problems: list[Problem] = []
    url, _, version = (response.questionnaire or "").partition("|")
    if not response.questionnaire:
        problems.append(Problem(code="questionnaire", message=(
            f"is missing; a screening answers {canonical()}")))
    elif url != QUESTIONNAIRE_URL:
        problems.append(Problem(code="questionnaire", message=(
            f"{_shown(url)} is another questionnaire; this service accepts responses to "
            f"{canonical()} only")))
    elif not version:
        problems.append(Problem(code="questionnaire", message=(
            f"names no version; give it as {canonical()}")))
    elif version != FORM_VERSION:
        problems.append(Problem(code="questionnaire", message=(
            f"is version {_shown(version)} of our questionnaire; this service accepts version "
            f"{FORM_VERSION!r} only ({canonical()})")))
    if response.status not in ACCEPTED_STATUSES:
        problems.append(Problem(code="status", message=(
            f"{_shown(str(response.status))} is not a finished response; only "
            f"{' or '.join(ACCEPTED_STATUSES)} responses are screenings")))
    if problems:
        raise InvalidDocument(problems)
    return response


def _value(answer: Mapping[str, Any], link_id: str, problems: list[Problem]) -> Any:
    keys = [k for k in answer if k.startswith("value")]
    if len(keys) != 1:
        problems.append(Problem(code=link_id, message=(
            "an answer must hold exactly one value[x]" if keys else "an answer holds no value")))
        return None
    key = keys[0]
    value = answer[key]
    if key == "valueCoding":
        if not isinstance(value, dict):
            return value
        system = value.get("system")
        if system is not None and system != ANSWER_SYSTEM:
            problems.append(Problem(code=link_id, message=(
                f"uses codes of {_shown(str(system))}; use {ANSWER_SYSTEM}")))
        return value.get("code")
    return value


def _answer_value(question: Question | None, item: _Item, problems: list[Problem]) -> Any:
    values = [_value(a, item.linkId, problems) for a in item.answer]
    if question is not None and question.type == "multi":
        return values
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _medication(group: _Item, problems: list[Problem]) -> dict[str, Any]:
    med: dict[str, Any] = {}
    if group.answer:
        problems.append(Problem(code="medications", message=(
            "is a group: give name, dose, frequency and status as its items")))
    for child in group.item:
        field = child.linkId.removeprefix(_MED_PREFIX) if child.linkId.startswith(_MED_PREFIX) \
            else child.linkId
        med[field] = _answer_value(None, child, problems)
    return med


def _collect(items: list[_Item], answers: dict[str, Any], medications: list[dict[str, Any]],
             problems: list[Problem]) -> None:
    for item in items:
        link = item.linkId
        question = QUESTIONS_BY_CODE.get(link)
        if question is not None and question.type == "medications":
            medications.append(_medication(item, problems))
            continue
        if link in _SECTION_LINKS and question is None:
            if item.answer:
                problems.append(Problem(code=link, message="is a section: it takes no answer"))
            _collect(item.item, answers, medications, problems)
            continue
        if link in answers:
            problems.append(Problem(code=link, message="is answered twice; give one item per question"))
            continue
        answers[link] = _answer_value(question, item, problems)
        # Items nested under an item or its answers (FHIR allows both) are read too.
        nested = list(item.item)
        for answer in item.answer:
            children = answer.get("item")
            if isinstance(children, list):
                try:
                    nested.extend(_Item.model_validate(c) for c in children)
                except ValidationError as err:
                    problems.extend(_structure_problems(err))
        _collect(nested, answers, medications, problems)


def response_to_document(raw: Any) -> JSON:
    """The answer document equivalent to a QuestionnaireResponse for our Questionnaire.

    Raises InvalidDocument (``{code, message}`` problems) for what has no JSON equivalent;
    the answers themselves are checked by ``parse_document`` afterwards."""
    response = _envelope(raw)
    answers: dict[str, Any] = {}
    medications: list[dict[str, Any]] = []
    problems: list[Problem] = []
    _collect(response.item, answers, medications, problems)
    if problems:
        raise InvalidDocument(problems)
    answers = {k: v for k, v in answers.items() if v is not None}
    if medications:
        answers["medications"] = medications
    document: JSON = {"form_version": FORM_VERSION, "answers": answers}
    if response.authored is not None:
        document["submitted_at"] = response.authored
    return document
