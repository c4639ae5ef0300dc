"""De-identified exports follow HIPAA Safe Harbor: ages over 89 are 90+ (evidence too),
dates keep the year only, screening ids are random per export (the same across its files)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from exports import ExportOptions, export_files
from services import intake
from store import create_user, record_review
from tests.conftest import make_doc

PASSWORD = "a long enough password"


def _rows(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"))))


@pytest.fixture
def elderly(store_db) -> int:
    create_user("doc", PASSWORD, "clinician")
    doc = make_doc(date_of_birth="1929-03-04", meds=["Xanax 0.5mg"])
    doc["submitted_at"] = "2026-11-21T14:03:27Z"
    sid = intake.submit(doc).screening_id
    intake.submit(make_doc(first_name="Young", signature_name="Young Lee"))
    record_review(sid, "doc", "needs_follow_up", "called", {"age_over_65": "ok",
                                                            "benzodiazepine": None}, None)
    return sid


def test_deidentified_export_is_safe_harbor(elderly):
    files = export_files(ExportOptions(deidentified=True, plain_utf8=True), "doc", "clinician")
    screenings = _rows(files, "screenings.csv")
    flags = _rows(files, "flags.csv")
    medications = _rows(files, "medications.csv")
    old = next(r for r in screenings if r["age"] == "90+")
    assert {r["age"] for r in screenings} == {"90+", "41"}
    assert old["submitted_at"] == "2026" and old["reviewed_at"] == "2026"
    ids = {r["screening_id"] for r in screenings}
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids) and len(ids) == 2
    assert str(elderly) not in ids
    # the same random id in every file of this export
    assert {r["screening_id"] for r in flags} <= ids
    assert {r["screening_id"] for r in medications} == {old["screening_id"]}
    age_flag = next(f for f in flags if f["rule_id"] == "age_over_65")
    assert age_flag["evidence"] == "age=90+" and age_flag["screening_id"] == old["screening_id"]
    assert {f["acknowledged_at"] for f in flags if f["acknowledged_by"]} == {"2026"}
    every_cell = "\n".join(files[name].decode("utf-8-sig") for name in files)
    for leak in ("1929", "=97", ",97,", "14:03", "2026-11-21T"):  # (rules version has a date)
        assert leak not in every_cell, leak
    dictionary = {r["column"]: r for r in _rows(files, "data_dictionary.csv")}
    assert dictionary["age"]["range"] == "0-89, 90+"
    assert "Random" in dictionary["screening_id"]["label"]

    again = export_files(ExportOptions(deidentified=True), "doc", "clinician")
    assert not ids & {r["screening_id"] for r in _rows(again, "screenings.csv")}


def test_identified_export_keeps_exact_values(elderly):
    files = export_files(ExportOptions(plain_utf8=True), "doc", "clinician")
    old = next(r for r in _rows(files, "screenings.csv") if r["screening_id"] == str(elderly))
    assert old["age"] == "97" and old["submitted_at"] == "2026-11-21T14:03:27Z"
    assert any(f["evidence"] == "age=97" for f in _rows(files, "flags.csv"))
