"""``python -m store import --format fhir``: QuestionnaireResponses stored exactly as their
equivalent answer documents (same flags, same errors); other questionnaires refused."""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import select

from forms.fhir import document_to_response
from forms.fhir.canonical import QUESTIONNAIRE_URL
from store import get_store, list_audit, reset_stores
from store.cli import main
from store.models import AuditFilters
from store.schema import ScreeningRow
from tests.conftest import make_doc
from tests.fhir_support import without_empty


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _write(tmp_path, name: str, content) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def test_import_fhir_stores_what_the_json_document_stores(store_db, tmp_path):
    doc = make_doc(meds=["Xanax 0.5mg", "Lamictal"], bipolar_disorder="yes")
    other = make_doc(first_name="Bo", last_name="Ng", signature_name="Bo Ng", glaucoma="yes")
    third = make_doc(first_name="Cy", last_name="Ode", signature_name="Cy Ode",
                     cannabis_use="daily")
    single = _write(tmp_path, "one.json", document_to_response(doc))
    bundle = _write(tmp_path, "bundle.json", {"resourceType": "Bundle", "type": "collection",
                                              "entry": [{"resource": document_to_response(other)}]})
    ndjson = _write(tmp_path, "QuestionnaireResponse.ndjson",
                    json.dumps(document_to_response(third)) + "\n\n")
    code, out, err = run(["import", "--format", "fhir", single, bundle, ndjson])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"OK {single} -> screening ")
    assert lines[0].endswith("(flags: bipolar_disorder, benzodiazepine, lamotrigine)")
    assert lines[1].startswith(f"OK {bundle}: entry[0] -> screening ") and "glaucoma" in lines[1]
    assert lines[2].startswith(f"OK {ndjson}:1 -> screening ")
    assert lines[2].endswith("(flags: heavy_alcohol_or_cannabis)")

    # the stored screening is the one a JSON import of the same document stores
    json_file = _write(tmp_path, "doc.json", doc)
    code, out, err = run(["import", json_file])
    assert code == 0, err
    reset_stores()
    with get_store().session(readonly=True) as session:
        rows = session.scalars(select(ScreeningRow).order_by(ScreeningRow.id)).all()
        assert len(rows) == 4
        assert rows[3].evaluation["flags"] == rows[0].evaluation["flags"]
        assert without_empty(rows[3].document) == without_empty(rows[0].document)
    audits, _ = list_audit(AuditFilters(action="import"), page_size=10)
    assert [a.details.get("format") for a in reversed(audits)] == ["fhir"] * 3 + [None]


def test_import_fhir_errors_name_the_field_and_store_nothing(store_db, tmp_path):
    bad_answer = _write(tmp_path, "bad.json", document_to_response(
        make_doc(systolic_bp=400, diastolic_bp=80)))
    wrong = document_to_response(make_doc())
    wrong["questionnaire"] = f"{QUESTIONNAIRE_URL}|9"
    wrong_version = _write(tmp_path, "wrong.json", wrong)
    other = _write(tmp_path, "other.json", {**document_to_response(make_doc()),
                                            "questionnaire": "http://example.org/Questionnaire/phq9|1"})
    broken_line = _write(tmp_path, "x.ndjson", json.dumps(document_to_response(make_doc()))
                         + "\n{oops\n")
    code, out, err = run(["import", "--format", "fhir", bad_answer, wrong_version, other,
                          broken_line])
    assert code == 1 and out == ""
    errors = err.splitlines()
    # answers are never echoed (issue 11): the line and what the field allows instead
    assert any(re.fullmatch(rf"ERROR {re.escape(bad_answer)}:\d+: systolic_bp: must be a whole "
                            r"number from 60 to 260", e) for e in errors), errors
    assert "400" not in err
    assert any(e.startswith(f"ERROR {wrong_version}: questionnaire: is version '9'") for e in errors)
    assert any(e.startswith(f"ERROR {other}: questionnaire: 'http://example.org/Questionnaire/phq9'"
                            " is another questionnaire") for e in errors)
    assert any(e.startswith(f"ERROR {broken_line}: line 2: is not valid JSON") for e in errors)
    reset_stores()
    with get_store().session(readonly=True) as session:
        assert session.scalars(select(ScreeningRow)).all() == []


def test_json_import_is_unchanged_by_the_fhir_option(store_db, tmp_path):
    # A QuestionnaireResponse given as JSON is refused as a document, not guessed at.
    path = _write(tmp_path, "qr.json", document_to_response(make_doc()))
    code, _, err = run(["import", path])
    assert code == 1 and "resourceType: is not part of an answer document" in err
