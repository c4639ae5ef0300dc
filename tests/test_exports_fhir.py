"""FHIR Bulk Data NDJSON export and the per-screening Bundle: every resource parses with
fhir.resources, the responses give back the stored documents and flags, the CSV export's
filters select the same screenings, de-identified files hold no patient detail, and every
export is audited."""

from __future__ import annotations

import io
import json
import os
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
from store import create_user, list_audit, record_review, submit_screening
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
        documents[submit_screening(document).screening_id] = document
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
    submit_screening(doc)
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
    screening_id = submit_screening(make_doc(meds=["Xanax 0.5mg", "Lamictal"],
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
