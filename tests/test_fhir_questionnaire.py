"""The FHIR Questionnaire is the question table, item for item, and a valid R4 resource."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from typing import Any

import pytest

from exports.cli import main as exports_main
from forms.definition import FORM_VERSION, QUESTIONS, QUESTIONS_BY_CODE, SECTIONS
from forms.fhir import ANSWER_SYSTEM, QUESTIONNAIRE_URL, build_questionnaire
from forms.fhir.canonical import MAX_VALUE, MIN_VALUE, OPTION_EXCLUSIVE, UNIT
from forms.fhir.questionnaire import UCUM_CODES
from tests.conftest import ROOT
from tests.fhir_support import fhir_model

QUESTIONNAIRE = build_questionnaire()


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        out.append(item)
        out.extend(_items(item.get("item", [])))
    return out


ALL_ITEMS = _items(QUESTIONNAIRE["item"])
BY_LINK = {i["linkId"]: i for i in ALL_ITEMS}


def test_parses_with_fhir_resources():
    model = fhir_model(QUESTIONNAIRE)
    assert model.url == QUESTIONNAIRE_URL
    assert model.version == FORM_VERSION
    assert model.status == "active"


def test_link_ids_are_unique_and_every_question_is_there_once_in_order():
    links = [i["linkId"] for i in ALL_ITEMS]
    assert len(links) == len(set(links))
    questions = [i["linkId"] for i in ALL_ITEMS if i["linkId"] in QUESTIONS_BY_CODE
                 and i["type"] != "display"]
    assert questions == [q.code for q in QUESTIONS]


def test_sections_are_groups_holding_their_questions():
    groups = QUESTIONNAIRE["item"]
    assert [g["text"] for g in groups] == [s.title for s in SECTIONS]
    for group, section in zip(groups, SECTIONS, strict=True):
        assert group["type"] == "group"
        codes = [i["linkId"] for i in group["item"] if i["type"] != "display"]
        assert codes == [q.code for q in QUESTIONS if q.section == section.id]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.code)
def test_item_mirrors_its_question(question):
    item = BY_LINK[question.code]
    assert item["text"] == question.label
    assert item.get("required", False) is question.required
    expected_type = {"text": "text" if question.free_text else "string", "date": "date",
                     "int": "integer", "choice": "choice", "multi": "choice", "bool": "boolean",
                     "medications": "group"}[question.type]
    assert item["type"] == expected_type
    assert item.get("repeats", False) is (question.type in ("multi", "medications"))
    if question.options:
        codings = [o["valueCoding"] for o in item["answerOption"]]
        assert [(c["system"], c["code"], c["display"]) for c in codings] == \
            [(ANSWER_SYSTEM, o.value, o.label) for o in question.options]
        exclusive = [o["valueCoding"]["code"] for o in item["answerOption"]
                     if {"url": OPTION_EXCLUSIVE, "valueBoolean": True} in o.get("extension", [])]
        assert exclusive == (["none"] if question.type == "multi" and "none" in question.values
                             else [])
    else:
        assert "answerOption" not in item
    extensions = {e["url"]: e for e in item.get("extension", [])}
    if question.type == "int":
        assert extensions[MIN_VALUE]["valueInteger"] == question.min
        assert extensions[MAX_VALUE]["valueInteger"] == question.max
        if question.unit:
            assert extensions[UNIT]["valueCoding"]["code"] == UCUM_CODES[question.unit]
            assert extensions[UNIT]["valueCoding"]["display"] == question.unit
    if question.type == "text":
        assert item["maxLength"] == question.max
    helps = [i for i in item.get("item", []) if i["type"] == "display"]
    assert [h["text"] for h in helps] == ([question.help] if question.help else [])
    for h in helps:
        control = h["extension"][0]["valueCodeableConcept"]["coding"][0]
        assert control["code"] == "help"


def test_medications_are_a_repeating_group_of_four_fields():
    group = BY_LINK["medications"]
    fields = [i["linkId"] for i in group["item"]]
    assert fields == ["medications.name", "medications.dose", "medications.frequency",
                      "medications.status"]
    status = group["item"][3]
    assert [o["valueCoding"]["code"] for o in status["answerOption"]] == ["current", "past"]
    assert group["item"][0]["required"] is True and status["required"] is True


def _fhir_enabled(item: dict[str, Any], answers: dict[str, Any]) -> bool:
    """FHIR R4's enableWhen semantics, written from the specification (not from our code)."""
    results = []
    for cond in item["enableWhen"]:
        given = answers.get(cond["question"])
        values = [] if given is None else given if isinstance(given, list) else [given]
        if cond["operator"] == "exists":
            results.append(bool(values) == cond["answerBoolean"])
        elif cond["operator"] == "=":
            results.append(any(v == cond["answerCoding"]["code"] for v in values))
        elif cond["operator"] == "!=":
            results.append(all(v != cond["answerCoding"]["code"] for v in values))
        else:
            raise AssertionError(f"unexpected operator {cond['operator']}")
    if len(results) > 1:
        assert item["enableBehavior"] in ("all", "any")
    return all(results) if item.get("enableBehavior", "all") == "all" else any(results)


CONDITIONAL = [q for q in QUESTIONS if q.when is not None]


def test_there_are_conditions_to_check():
    assert len(CONDITIONAL) >= 4


@pytest.mark.parametrize("question", CONDITIONAL, ids=lambda q: q.code)
def test_enable_when_asks_exactly_when_the_table_does(question):
    item = BY_LINK[question.code]
    controller = QUESTIONS_BY_CODE[question.when.code]
    for value in itertools.chain([None], controller.values):
        answers = {} if value is None else {controller.code: value}
        assert _fhir_enabled(item, answers) is question.when.holds(answers), (question.code, value)


def test_unconditional_items_have_no_enable_when():
    for question in QUESTIONS:
        if question.when is None:
            assert "enableWhen" not in BY_LINK[question.code]


def test_command_prints_the_questionnaire():
    out, err = io.StringIO(), io.StringIO()
    assert exports_main(["questionnaire", "--fhir"], out=out, err=err) == 0
    assert json.loads(out.getvalue()) == QUESTIONNAIRE


def test_command_needs_the_format_and_writes_a_file(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "exports", "questionnaire"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--fhir" in proc.stderr
    target = tmp_path / "q.json"
    proc = subprocess.run([sys.executable, "-m", "exports", "questionnaire", "--fhir", "--out",
                           str(target)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(target.read_text(encoding="utf-8")) == QUESTIONNAIRE
