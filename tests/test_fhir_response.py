"""QuestionnaireResponse <-> answer document: same answers, same problems, same flags."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from forms.fhir import canonical, document_to_response, response_to_document
from forms.fhir.canonical import QUESTIONNAIRE_URL
from forms.models import InvalidDocument
from forms.validation import parse_document
from rules.__main__ import main as rules_main
from tests.conftest import ROOT, make_doc
from tests.fhir_support import case_document, case_files, fhir_model, without_empty

CASES = case_files()


def _problems(document: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidDocument) as caught:
        parse_document(document)
    return [(p.code, p.message) for p in caught.value.problems]


def _flags(engine, document: dict[str, Any]) -> list[dict[str, Any]]:
    return [f.public() for f in engine.evaluate(parse_document(document)).flags]


def test_every_case_is_found():
    assert len(CASES) >= 20  # 12 shared vignettes + 11 own cases (CI has ../shared)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_round_trip_keeps_answers_and_flags(engine, path: Path):
    original = parse_document(case_document(path)).to_document()
    response = document_to_response(original, response_id="screening-1")
    fhir_model(response)  # a valid R4 QuestionnaireResponse
    assert response["questionnaire"] == canonical()
    back = response_to_document(json.loads(json.dumps(response)))
    assert without_empty(parse_document(back).to_document()) == without_empty(original)
    assert _flags(engine, back) == _flags(engine, original)


def _answer(response: dict[str, Any], code: str) -> dict[str, Any]:
    for group in response["item"]:
        for item in group["item"]:
            if item["linkId"] == code:
                return item
    raise KeyError(code)


def test_answers_use_our_codes_and_types():
    doc = make_doc(meds=["Xanax 0.5mg"], past=["Zoloft"], alcohol_drinks_per_week=3,
                   heart_conditions=["heart_failure", "valve_disease"])
    response = document_to_response(doc)
    assert _answer(response, "sex_at_birth")["answer"] == [{"valueCoding": {
        "system": "https://ketamine-screening.example.org/fhir/CodeSystem/screening-answer",
        "code": "female", "display": "Female"}}]
    assert [a["valueCoding"]["code"] for a in _answer(response, "heart_conditions")["answer"]] \
        == ["heart_failure", "valve_disease"]
    assert _answer(response, "alcohol_drinks_per_week")["answer"] == [{"valueInteger": 3}]
    assert _answer(response, "date_of_birth")["answer"] == [{"valueDate": "1985-06-15"}]
    assert _answer(response, "consent_accurate")["answer"] == [{"valueBoolean": True}]
    meds = [i for g in response["item"] for i in g["item"] if i["linkId"] == "medications"]
    assert len(meds) == 2
    assert meds[0]["item"] == [
        {"linkId": "medications.name", "answer": [{"valueString": "Xanax 0.5mg"}]},
        {"linkId": "medications.status", "answer": [{"valueCoding": {
            "system": "https://ketamine-screening.example.org/fhir/CodeSystem/screening-answer",
            "code": "current", "display": "I take it now"}}]}]
    assert response["authored"] == doc["submitted_at"]
    assert "allergies" not in json.dumps(response)  # an empty text has no FHIR form


BROKEN = {
    "out of range": {"alcohol_drinks_per_week": 500},
    "unknown choice": {"glaucoma": "maybe"},
    "missing required": {"glaucoma": None},
    "unasked answered": {"sex_at_birth": "male", "pregnant": "no"},
    "signature": {"signature_name": "Someone Else"},
    "blood pressure": {"systolic_bp": 80, "diastolic_bp": 90},
    "none and more": {"heart_conditions": ["none", "heart_failure"]},
    "future birth": {"date_of_birth": "2099-01-01"},
    "bad email": {"email": "not-an-email"},
    "no medicine listed": {"takes_no_medications": False},
}


@pytest.mark.parametrize("change", BROKEN.values(), ids=list(BROKEN))
def test_invalid_answers_give_the_same_problems(change):
    doc = make_doc()
    doc["answers"].update(change)
    doc["answers"] = {k: v for k, v in doc["answers"].items() if v is not None}
    expected = _problems(doc)
    assert expected
    assert _problems(response_to_document(document_to_response(doc))) == expected


def _response(**changes: Any) -> dict[str, Any]:
    response = document_to_response(make_doc(meds=["Xanax"]))
    response.update(changes)
    return response


def test_unknown_question_and_medicine_field_as_in_json():
    response = _response()
    response["item"][0]["item"].append({"linkId": "favourite_colour",
                                        "answer": [{"valueString": "blue"}]})
    med = next(i for g in response["item"] for i in g["item"] if i["linkId"] == "medications")
    med["item"].append({"linkId": "medications.colour", "answer": [{"valueString": "red"}]})
    doc = make_doc(meds=["Xanax"])
    doc["answers"]["favourite_colour"] = "blue"
    doc["answers"]["medications"][0]["colour"] = "red"
    assert _problems(response_to_document(response)) == _problems(doc)


def _refused(raw: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidDocument) as caught:
        response_to_document(raw)
    return [(p.code, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(("raw", "code", "words"), [
    (_response(questionnaire="http://loinc.org/q/44249-1|2.0"), "questionnaire",
     "another questionnaire"),
    (_response(questionnaire=f"{QUESTIONNAIRE_URL}|2"), "questionnaire", "version '2'"),
    (_response(questionnaire=QUESTIONNAIRE_URL), "questionnaire", "no version"),
    (_response(questionnaire=None), "questionnaire", "missing"),
    (_response(status="in-progress"), "status", "not a finished response"),
    ({"resourceType": "Patient"}, "resourceType", "'Patient'"),
    ([1, 2], "resourceType", "not a FHIR resource"),
    (_response(item=[{"answer": []}]), "item[0].linkId", "Field required"),
    (_response(item="nope"), "item", "not valid"),
])
def test_what_has_no_document_equivalent_is_refused_clearly(raw, code, words):
    problems = _refused(raw)
    assert any(c == code and words in m for c, m in problems), problems


def test_foreign_codings_and_malformed_answers_are_refused():
    response = _response()
    item = _answer(response, "glaucoma")
    item["answer"] = [{"valueCoding": {"system": "http://snomed.info/sct", "code": "no"}}]
    assert _refused(response) == [("glaucoma", "uses codes of 'http://snomed.info/sct'; use "
                                   "https://ketamine-screening.example.org/fhir/CodeSystem/"
                                   "screening-answer")]
    item["answer"] = [{"valueBoolean": True, "valueString": "x"}]
    assert _refused(response) == [("glaucoma", "an answer must hold exactly one value[x]")]
    item["answer"] = [{}]
    assert _refused(response) == [("glaucoma", "an answer holds no value")]


def test_answered_twice_is_refused():
    response = _response()
    response["item"][0]["item"].append(copy.deepcopy(_answer(response, "sex_at_birth")))
    assert _refused(response) == [("sex_at_birth", "is answered twice; give one item per question")]


def test_items_may_come_without_section_groups_and_nested_under_answers():
    flat = [i for g in _response()["item"] for i in g["item"]]
    high_bp = {"linkId": "high_blood_pressure", "answer": [{
        "valueCoding": {"code": "yes"},
        "item": [{"linkId": "blood_pressure_controlled", "answer": [{"valueCoding": {
            "code": "no"}}]}]}]}
    flat = [high_bp if i["linkId"] == "high_blood_pressure" else i for i in flat]
    doc = response_to_document(_response(item=flat))
    assert doc["answers"]["blood_pressure_controlled"] == "no"
    assert parse_document(doc).answers["high_blood_pressure"] == "yes"


def _run_rules(args: list[str], stdin: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    sys_stdin = sys.stdin
    try:
        sys.stdin = io.StringIO(stdin)
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            code = rules_main(args)
        finally:
            sys.stdout, sys.stderr = old_out, old_err
    finally:
        sys.stdin = sys_stdin
    return code, out.getvalue(), err.getvalue()


def test_rules_evaluate_fhir_prints_what_json_prints(tmp_path):
    doc = case_document(CASES[0])
    path = tmp_path / "response.json"
    path.write_text(json.dumps(document_to_response(doc)), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "rules", "evaluate", "--format", "fhir",
                           str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    code, expected, _ = _run_rules(["evaluate", "-"], json.dumps(doc))
    assert code == 0
    assert json.loads(proc.stdout) == json.loads(expected)


def test_rules_evaluate_fhir_errors_as_json_errors():
    doc = make_doc(alcohol_drinks_per_week=500, glaucoma="maybe")
    code, _, json_err = _run_rules(["evaluate", "-"], json.dumps(doc))
    fhir_code, out, fhir_err = _run_rules(["evaluate", "--format", "fhir", "-"],
                                          json.dumps(document_to_response(doc)))
    assert code == fhir_code == 2 and out == ""
    assert json.loads(fhir_err) == json.loads(json_err)
    wrong = document_to_response(make_doc())
    wrong["questionnaire"] = f"{QUESTIONNAIRE_URL}|7"
    code, _, err = _run_rules(["evaluate", "--format", "fhir", "-"], json.dumps(wrong))
    assert code == 2
    assert json.loads(err)["errors"][0]["code"] == "questionnaire"
    # an answer document is not a QuestionnaireResponse
    code, _, err = _run_rules(["evaluate", "--format", "fhir", "-"], json.dumps(make_doc()))
    assert code == 2 and "expected a QuestionnaireResponse" in err
