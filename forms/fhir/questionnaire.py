"""The FHIR R4 Questionnaire, generated from the question table (never a second copy).

- one ``group`` item per section (linkId ``section-<id>``, the section's intro as a
  ``display`` item), one item per question with ``linkId`` = the question code;
- ``choice`` questions list ``answerOption`` codings in our answer code system (our codes,
  the table's labels as display); multi-choice questions repeat, and their ``none``
  option carries the SDC ``optionExclusive`` extension;
- every ``when`` becomes ``enableWhen`` (``in`` as several conditions with
  ``enableBehavior: any``; ``ne`` also requires an answer, as our rule does, so it is an
  ``exists`` plus ``!=`` with ``enableBehavior: all``);
- integer ranges and units as the ``minValue``/``maxValue``/``questionnaire-unit``
  extensions, text limits as ``maxLength``, help text as an SDC help item;
- the medicines as a repeating group (name, dose, frequency, status).
"""

from __future__ import annotations

from typing import Any

from forms.definition import (
    FORM_VERSION,
    MAX_MEDICATIONS,
    MEDICATION_FIELD_MAX,
    MEDICATION_NAME_MAX,
    MEDICATION_STATUSES,
    QUESTIONS,
    QUESTIONS_BY_CODE,
    SECTIONS,
    Option,
    Question,
    When,
    questions_in,
)
from forms.fhir.canonical import (
    ANSWER_SYSTEM,
    ITEM_CONTROL,
    ITEM_CONTROL_SYSTEM,
    MAX_OCCURS,
    MAX_VALUE,
    MIN_VALUE,
    OPTION_EXCLUSIVE,
    QUESTIONNAIRE_ID,
    QUESTIONNAIRE_URL,
    UCUM,
    UNIT,
    medication_link_id,
    section_link_id,
)

JSON = dict[str, Any]

# The table's unit words as UCUM codes (display stays the table's word).
UCUM_CODES: dict[str, str] = {
    "mmHg": "mm[Hg]",
    "cm": "cm",
    "kg": "kg",
    "beats per minute": "/min",
    "drinks": "{drinks}/wk",
}
ITEM_TYPES: dict[str, str] = {
    "text": "string", "date": "date", "int": "integer", "choice": "choice", "multi": "choice",
    "bool": "boolean", "medications": "group",
}
MEDICATION_STATUS_LABELS: dict[str, str] = {"current": "I take it now", "past": "I used to take it"}


def coding(question: Question, value: str) -> JSON:
    return {"system": ANSWER_SYSTEM, "code": value, "display": question.label_of(value)}


def _option(question: Question, option: Option) -> JSON:
    entry: JSON = {"valueCoding": {"system": ANSWER_SYSTEM, "code": option.value,
                                   "display": option.label}}
    if question.type == "multi" and option.value == "none":
        entry["extension"] = [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]
    return entry


def _help(link_id: str, text: str) -> JSON:
    return {
        "linkId": f"{link_id}-help",
        "type": "display",
        "text": text,
        "extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": {"coding": [
            {"system": ITEM_CONTROL_SYSTEM, "code": "help", "display": "Help-Button"}]}}],
    }


def _enable_when(when: When) -> tuple[list[JSON], str | None]:
    """(enableWhen, enableBehavior) for a ``when`` of the table."""
    target = QUESTIONS_BY_CODE[when.code]
    if when.op == "eq":
        assert isinstance(when.value, str)  # noqa: S101 - the table's model guarantees it
        return [{"question": when.code, "operator": "=",
                 "answerCoding": coding(target, when.value)}], None
    if when.op == "ne":
        assert isinstance(when.value, str)  # noqa: S101
        return [{"question": when.code, "operator": "exists", "answerBoolean": True},
                {"question": when.code, "operator": "!=",
                 "answerCoding": coding(target, when.value)}], "all"
    values = (when.value,) if isinstance(when.value, str) else when.value
    return [{"question": when.code, "operator": "=", "answerCoding": coding(target, v)}
            for v in values], "any"


def _medications_item(question: Question) -> JSON:
    def text(field: str, label: str, limit: int, required: bool) -> JSON:
        item: JSON = {"linkId": medication_link_id(field), "text": label, "type": "string",
                      "required": required, "maxLength": limit}
        return item

    status: JSON = {
        "linkId": medication_link_id("status"), "text": "Do you take it now?", "type": "choice",
        "required": True,
        "answerOption": [{"valueCoding": {"system": ANSWER_SYSTEM, "code": s,
                                          "display": MEDICATION_STATUS_LABELS[s]}}
                         for s in MEDICATION_STATUSES],
    }
    return {
        "linkId": question.code, "text": question.label, "type": "group", "repeats": True,
        "required": question.required,
        "extension": [{"url": MAX_OCCURS, "valueInteger": MAX_MEDICATIONS}],
        "item": [text("name", "Medicine name", MEDICATION_NAME_MAX, True),
                 text("dose", "Dose", MEDICATION_FIELD_MAX, False),
                 text("frequency", "How often", MEDICATION_FIELD_MAX, False),
                 status],
    }


def question_item(question: Question) -> JSON:
    if question.type == "medications":
        item = _medications_item(question)
    else:
        item = {"linkId": question.code, "text": question.label,
                "type": "text" if question.type == "text" and question.free_text
                else ITEM_TYPES[question.type],
                "required": question.required}
        if question.type == "multi":
            item["repeats"] = True
        if question.options:
            item["answerOption"] = [_option(question, o) for o in question.options]
        if question.type == "text" and question.max is not None:
            item["maxLength"] = question.max
        extensions: list[JSON] = []
        if question.type == "int":
            if question.min is not None:
                extensions.append({"url": MIN_VALUE, "valueInteger": question.min})
            if question.max is not None:
                extensions.append({"url": MAX_VALUE, "valueInteger": question.max})
            if question.unit:
                extensions.append({"url": UNIT, "valueCoding": {
                    "system": UCUM, "code": UCUM_CODES[question.unit], "display": question.unit}})
        if extensions:
            item["extension"] = extensions
    if question.when is not None:
        conditions, behaviour = _enable_when(question.when)
        item["enableWhen"] = conditions
        if behaviour:
            item["enableBehavior"] = behaviour
    if question.help:
        item.setdefault("item", []).append(_help(question.code, question.help))
    return item


def build_questionnaire() -> JSON:
    """The Questionnaire resource (FHIR R4 JSON) of the current form version."""
    groups: list[JSON] = []
    for section in SECTIONS:
        items: list[JSON] = []
        if section.intro:
            items.append({"linkId": f"{section_link_id(section.id)}-intro", "type": "display",
                          "text": section.intro})
        items.extend(question_item(q) for q in questions_in(section.id))
        groups.append({"linkId": section_link_id(section.id), "text": section.title,
                       "type": "group", "item": items})
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": QUESTIONNAIRE_URL,
        "version": FORM_VERSION,
        "name": "PreInfusionScreening",
        "title": "Pre-infusion screening for ketamine treatment",
        "status": "active",
        "subjectType": ["Patient"],
        "description": ("Questions a patient answers before a ketamine infusion; the clinic's "
                        "rules flag what makes an infusion unsafe or less effective."),
        "item": groups,
    }


def _check_units() -> None:
    missing = sorted({q.unit for q in QUESTIONS if q.unit and q.unit not in UCUM_CODES})
    if missing:
        raise ValueError(f"forms/fhir/questionnaire.py: no UCUM code for unit(s) {missing}")


_check_units()
