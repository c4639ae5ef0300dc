"""FHIR Bulk Data NDJSON export and the per-screening Bundle: every resource parses with
fhir.resources, the responses give back the stored documents and flags, the CSV export's
filters select the same screenings, de-identified files hold no patient detail, and every
export is audited."""

from __future__ import annotations

import io
import json
import os
import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import store.reviews as reviews_module
from exports import ExportOptions, export_files
from exports.api import ExportRefused
from exports.cli import main as exports_main
from exports.fhir.api import export_fhir_to_dir, screening_bundle_json
from forms.fhir import QUESTIONNAIRE_URL, build_questionnaire, canonical, response_to_document
from forms.validation import parse_document
from rules.engine import get_engine
from services import intake
from store import create_user, list_audit, record_review
from store.models import AuditFilters, ScreeningNotFound
from tests.conftest import make_doc
from tests.fhir_support import case_document, case_files, fhir_model, without_empty

PASSWORD = "correct horse battery"
TYPES = ("Questionnaire", "QuestionnaireResponse", "Patient", "DetectedIssue",
         "MedicationStatement")


def read(directory: Path, kind: str) -> list[dict[str, Any]]:
    text = (directory / f"{kind}.ndjson").read_text(encoding="utf-8")
    assert not text.startswith("\ufeff") and (text == "" or text.endswith("\n"))
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def out_dir(tmp_path) -> Path:
    return tmp_path / "fhir"  # tmp_path also holds the test database


@pytest.fixture
def staff(store_db):
    create_user("dr.kay", PASSWORD, "clinician")
    return store_db


@pytest.fixture
def seeded(staff, monkeypatch) -> dict[int, dict[str, Any]]:
    """Every worked case (submitted on its own date), one reviewed; id -> document."""
    documents: dict[int, dict[str, Any]] = {}
    for day, path in enumerate(case_files(), start=1):
        document = {**case_document(path), "submitted_at": f"2026-10-{day:02d}T10:00:00Z"}
        documents[intake.submit(document).screening_id] = document
    first = min(documents)
    monkeypatch.setattr(reviews_module, "utcnow", lambda: datetime(2026, 11, 22, tzinfo=UTC))
    flags = get_engine().evaluate(parse_document(documents[first])).flags
    record_review(first, "dr.kay", "cleared_with_conditions", "",
                  {f.rule_id: "seen" for f in flags}, None)
    return documents


def test_bulk_export_writes_valid_resources_that_give_back_every_screening(seeded, out_dir):
    out, err = io.StringIO(), io.StringIO()
    code = exports_main(["--format", "fhir", "--out", str(out_dir), "--actor", "nightly"],
                        out=out, err=err)
    assert code == 0, err.getvalue()
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(f"{t}.ndjson" for t in TYPES)
    for path in out_dir.iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    resources = {kind: read(out_dir, kind) for kind in TYPES}
    for kind, items in resources.items():
        for resource in items:
            assert resource["resourceType"] == kind
            fhir_model(resource)
    assert resources["Questionnaire"] == [build_questionnaire()]
    engine = get_engine()

    responses = resources["QuestionnaireResponse"]
    assert [int(r["identifier"]["value"]) for r in responses] == sorted(seeded)
    assert {r["language"] for r in responses} == {"en"}
    patients = {p["id"]: p for p in resources["Patient"]}
    issues = resources["DetectedIssue"]
    statements = {m["id"]: m for m in resources["MedicationStatement"]}
    expected_issues = 0
    for response in responses:
        screening_id = int(response["identifier"]["value"])
        original = parse_document(seeded[screening_id])
        assert response["questionnaire"] == canonical()
        back = parse_document(response_to_document(response))
        assert without_empty(back.to_document()) == without_empty(original.to_document())
        flags = engine.evaluate(original).flags
        assert [f.public() for f in engine.evaluate(back).flags] == [f.public() for f in flags]
        patient = patients[response["subject"]["reference"].removeprefix("Patient/")]
        assert patient["name"][0]["family"] == original.answers["last_name"]
        assert patient["birthDate"] == original.answers["date_of_birth"]
        mine = [i for i in issues if i["patient"] == response["subject"]]
        assert [i["code"]["coding"][0]["code"] for i in mine] == [f.rule_id for f in flags]
        expected_issues += len(flags)
        for issue, flag in zip(mine, flags, strict=True):
            assert issue["detail"] == flag.reason
            assert issue["severity"] == ("high" if flag.urgent or flag.severity == "defer" else
                                         "low" if flag.severity == "info" else "moderate")
            texts = [c["text"] for e in issue["evidence"] for c in e.get("code", [])]
            assert len(texts) == len(flag.evidence)
            assert issue["evidence"][-1]["detail"][0]["display"] == f"Source: {flag.source}"
            implicated = [statements[r["reference"].removeprefix("MedicationStatement/")]
                          for r in issue.get("implicated", [])]
            typed = {e.medication for e in flag.evidence if e.kind == "medication"}
            assert {m["medicationCodeableConcept"]["text"] for m in implicated} == typed
        meds = [m for m in statements.values() if m["subject"] == response["subject"]]
        assert [(m["medicationCodeableConcept"]["text"], m["status"]) for m in meds] == [
            (m.name, {"current": "active", "past": "completed"}[m.status])
            for m in original.medications]
    assert len(issues) == expected_issues
    assert any(i["severity"] == "high" for i in issues) and any(i.get("implicated") for i in issues)
    assert f"QuestionnaireResponse.ndjson  {len(seeded):>9,} resources" in out.getvalue()

    rows, _ = list_audit(AuditFilters(action="export"), page_size=5)
    assert rows[0].actor == "nightly"
    assert rows[0].details["format"] == "fhir-ndjson"
    assert rows[0].details["rows"]["QuestionnaireResponse.ndjson"] == len(seeded)


def test_deidentified_export_holds_no_patient_detail(seeded, out_dir):
    out_dir.mkdir()
    (out_dir / "Patient.ndjson").write_text("{}\n")  # left by an earlier identified export
    doc = make_doc(meds=["Xanax 0.5mg prn for panic"], first_name="Quenby",
                   last_name="Marchetti-Oyelaran", signature_name="Quenby Marchetti-Oyelaran",
                   date_of_birth="1979-03-04", phone="+1 555 013 2291",
                   email="quenby@example.org", allergies="latex hives")
    doc["answers"]["medications"][0]["frequency"] = "two at bedtime"
    intake.submit(doc)
    result = export_fhir_to_dir(ExportOptions(deidentified=True), "dr.kay", "clinician", out_dir)
    assert "Patient.ndjson" not in result.files
    assert not (out_dir / "Patient.ndjson").exists()
    text = "".join((out_dir / name).read_text(encoding="utf-8") for name in result.files)
    secrets = ("Quenby", "Marchetti-Oyelaran", "1979-03-04", "555 013 2291", "quenby@example.org",
               "latex hives", "Xanax 0.5mg prn for panic", "two at bedtime")
    assert not [s for s in secrets if s in text]
    assert "alprazolam" in text  # what the medicine was read as stays
    for name in result.files:
        for line in (out_dir / name).read_text(encoding="utf-8").splitlines():
            fhir_model(json.loads(line))
    responses = read(out_dir, "QuestionnaireResponse")
    assert all("reference" not in r["subject"] for r in responses)
    assert all("identifier" in r["subject"] for r in responses)


@pytest.mark.parametrize("options", [
    {"since": date(2026, 10, 5)}, {"until": date(2026, 10, 3)},
    {"since": date(2026, 10, 2), "until": date(2026, 10, 9), "review_status": ["unreviewed"]},
    {"review_status": ["reviewed"]}, {"review_status": ["unreviewed"]},
    {"decision": ["cleared"]},
])
def test_filters_select_what_the_csv_export_selects(seeded, out_dir, options):
    files = export_files(ExportOptions(**options), "dr.kay", "clinician")
    csv_ids = [int(line.split(",", 1)[0]) for line in
               files["screenings.csv"].decode("utf-8-sig").splitlines()[1:]]
    export_fhir_to_dir(ExportOptions(**options), "dr.kay", "clinician", out_dir)
    fhir_ids = [int(r["identifier"]["value"]) for r in read(out_dir, "QuestionnaireResponse")]
    assert fhir_ids == csv_ids
    assert 0 < len(csv_ids) < len(seeded) or options == {"decision": ["cleared"]}


def test_usage_errors(out_dir):
    err = io.StringIO()
    assert exports_main(["--format", "fhir", "--plain-utf8", "--out", str(out_dir)],
                        out=io.StringIO(), err=err) == 2
    assert "--plain-utf8 is for CSV" in err.getvalue()
    assert exports_main(["--format", "xml", "--out", str(out_dir)], out=io.StringIO(),
                        err=io.StringIO()) == 2


def test_bundle_of_one_screening_is_valid_and_audited(staff):
    screening_id = intake.submit(make_doc(meds=["Xanax 0.5mg", "Lamictal"],
                                             bipolar_disorder="yes"), language="es").screening_id
    bundle = json.loads(screening_bundle_json(screening_id, "dr.kay", "clinician"))
    fhir_model(bundle)
    assert bundle["entry"][1]["resource"]["language"] == "es"  # the patient answered in Spanish
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Questionnaire", "QuestionnaireResponse", "Patient", "DetectedIssue",
                     "DetectedIssue", "DetectedIssue", "MedicationStatement", "MedicationStatement"]
    assert bundle["entry"][0]["fullUrl"] == QUESTIONNAIRE_URL
    rows, _ = list_audit(AuditFilters(action="export"), page_size=5)
    assert rows[0].target == f"screening:{screening_id}"
    assert rows[0].details["format"] == "fhir-bundle"

    with pytest.raises(ExportRefused):
        screening_bundle_json(screening_id, "nobody", "clinician")
    with pytest.raises(ScreeningNotFound):
        screening_bundle_json(screening_id + 100, "dr.kay", "clinician")


# --- HIPAA Safe Harbor in the de-identified FHIR export (the CSV export's rules) ----------

@pytest.fixture
def elderly(staff, monkeypatch) -> int:
    """A patient born in 1929 (97 at submission), submitted and reviewed at exact times."""
    doc = make_doc(date_of_birth="1929-03-04", meds=["Xanax 0.5mg"])
    doc["submitted_at"] = "2026-11-21T14:03:27Z"
    screening_id = intake.submit(doc).screening_id
    intake.submit(make_doc(first_name="Young", signature_name="Young Lee"))
    monkeypatch.setattr(reviews_module, "utcnow",
                        lambda: datetime(2026, 11, 22, 9, 41, 5, tzinfo=UTC))
    record_review(screening_id, "dr.kay", "needs_follow_up", "called",
                  {"age_over_65": "ok", "benzodiazepine": None}, None)
    return screening_id


def _export(out_dir: Path, deidentified: bool) -> dict[str, list[dict[str, Any]]]:
    result = export_fhir_to_dir(ExportOptions(deidentified=deidentified), "dr.kay", "clinician",
                                out_dir)
    return {name.removesuffix(".ndjson"): read(out_dir, name.removesuffix(".ndjson"))
            for name in result.files}


def _evidence_texts(issue: dict[str, Any]) -> list[str]:
    return [c["text"] for e in issue["evidence"] for c in e.get("code", ())]


# (resource type, dateTime field): year only when de-identified, exact when identified
DATE_FIELDS = [("QuestionnaireResponse", "authored"), ("DetectedIssue", "identifiedDateTime"),
               ("MedicationStatement", "dateAsserted")]


@pytest.mark.parametrize(("kind", "field"), DATE_FIELDS)
def test_deidentified_dates_keep_the_year_only(elderly, out_dir, kind, field):
    resources = _export(out_dir, deidentified=True)[kind]
    assert resources and {r[field] for r in resources if field in r} == {"2026"}
    identified = _export(out_dir.with_name("identified"), deidentified=False)[kind]
    mine = [r for r in identified if f"screening-{elderly}" in json.dumps(r)]
    assert mine and {r[field] for r in mine} == {"2026-11-21T14:03:27Z"}


# patterns that must not match anywhere in a de-identified export (Safe Harbor identifiers)
LEAKS = [("birth year", "1929"), ("age over 89", "age=97"), ("exact time", "14:03"),
         ("exact date", "2026-11-21"), ("review time", "09:41"), ("review date", "2026-11-22"),
         ("database screening id", r"screening-{sid}(?![0-9a-f])"),
         ("database id as identifier", r'"value":"{sid}"')]


@pytest.mark.parametrize(("what", "leak"), LEAKS, ids=[w for w, _ in LEAKS])
def test_deidentified_fhir_export_leaks_no_safe_harbor_identifier(elderly, out_dir, what, leak):
    _export(out_dir, deidentified=True)
    text = "".join(p.read_text(encoding="utf-8") for p in out_dir.iterdir())
    assert not re.search(leak.format(sid=elderly), text), what


def test_deidentified_fhir_ids_are_random_per_export_and_consistent(elderly, out_dir):
    files = _export(out_dir, deidentified=True)
    for items in files.values():
        for resource in items:
            fhir_model(resource)  # every resource still parses (R4B)
    responses = files["QuestionnaireResponse"]
    ids = {r["identifier"]["value"] for r in responses}
    assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    assert {r["id"] for r in responses} == {f"screening-{i}" for i in ids}
    assert {r["subject"]["identifier"]["value"] for r in responses} == ids
    issues, statements = files["DetectedIssue"], files["MedicationStatement"]
    old = next(r for r in responses if r["identifier"]["value"] in
               {i["patient"]["identifier"]["value"] for i in issues
                if i["code"]["text"] == "age_over_65"})["identifier"]["value"]
    assert {i["patient"]["identifier"]["value"] for i in issues} <= ids
    assert all(i["id"].startswith(f"screening-{i['patient']['identifier']['value']}-flag-")
               for i in issues)
    statement_ids = {s["id"] for s in statements}
    assert {s["derivedFrom"][0]["reference"] for s in statements} == {
        f"QuestionnaireResponse/screening-{old}"}
    assert {s["subject"]["identifier"]["value"] for s in statements} == {old}
    implicated = {ref["reference"] for i in issues for ref in i.get("implicated", ())}
    assert implicated and implicated <= {f"MedicationStatement/{s}" for s in statement_ids}
    age = next(i for i in issues if i["code"]["text"] == "age_over_65")
    assert _evidence_texts(age) == ["age=90+"]

    again = _export(out_dir.with_name("again"), deidentified=True)
    assert not ids & {r["identifier"]["value"] for r in again["QuestionnaireResponse"]}


def test_identified_fhir_export_keeps_exact_values(elderly, out_dir):
    files = _export(out_dir, deidentified=False)
    response = next(r for r in files["QuestionnaireResponse"]
                    if r["identifier"]["value"] == str(elderly))
    assert response["id"] == f"screening-{elderly}"
    assert response["authored"] == "2026-11-21T14:03:27Z"
    age = next(i for i in files["DetectedIssue"] if i["code"]["text"] == "age_over_65")
    assert _evidence_texts(age) == ["age=97"]
