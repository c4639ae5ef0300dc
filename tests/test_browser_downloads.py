"""The detail page's per-screening downloads in a real browser (``app_pages.downloads``):
a clinician opens a screening and clicks each button; the printable chart summary is a PDF
whose text (pdftotext) names the patient with accents intact, the FHIR download is a
Bundle that fhir.resources accepts; each download writes one audit row naming the clinician
and the screening, and no file name holds a patient detail."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app_pages.downloads import DOWNLOADS
from tests.browser import BUSY_MS, browser, server, shot, sign_in, wait_idle  # noqa: F401
from tests.conftest import make_doc
from tests.fhir_support import fhir_model

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not shutil.which("pdftotext"),
                                 reason="pdftotext (poppler-utils) missing: scripts/ensure-poppler.sh")]
PASSWORD = "a long clinic password"


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, timeout=60,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())


def check_pdf(path: Path) -> str:
    text = pdf_text(path)
    assert "Østergård, Renée" in text and "Current benzodiazepine" in text
    return "chart-pdf"


def check_fhir(path: Path) -> str:
    bundle = json.loads(path.read_text(encoding="utf-8"))
    fhir_model(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[:3] == ["Questionnaire", "QuestionnaireResponse", "Patient"]
    assert {"DetectedIssue", "MedicationStatement"} <= set(kinds)
    assert bundle["entry"][2]["resource"]["name"][0]["family"] == "Østergård"
    return "fhir-bundle"


CHECKS = {"chart_pdf_download": check_pdf, "fhir_bundle_download": check_fhir}


def test_every_download_has_a_check():
    assert set(CHECKS) == {item.key for item in DOWNLOADS}


def test_clinician_downloads_each_file(browser, server, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    import store as db
    from services import intake

    store = db.get_store(server.database_url)
    doc = make_doc(meds=["Xanax 0.5mg"], first_name="Renée", last_name="Østergård",
                   signature_name="Renée Østergård", bipolar_disorder="yes")
    screening_id = intake.submit(doc, store=store).screening_id
    db.create_user("dr_print", PASSWORD, "clinician", store=store)

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, server.url, "dr_print", PASSWORD)
    expect(page.get_by_role("heading", name="Screenings")).to_be_visible(timeout=BUSY_MS)
    row = page.locator("[class*='st-key-row_']").filter(has_text="Østergård, Renée")
    row.get_by_role("button", name="Open").click()
    for item in DOWNLOADS:
        button = page.locator(f".st-key-{item.key}").get_by_role("button", name=item.label)
        expect(button).to_be_visible(timeout=BUSY_MS)
        wait_idle(page, timeout=BUSY_MS)
        before = db.list_audit(db.AuditFilters(action="export"), store=store)[1]
        with page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        assert download.suggested_filename == f"screening-{screening_id}-{item.suffix}"
        target = tmp_path / item.suffix
        download.save_as(target)
        expected_format = CHECKS[item.key](target)
        rows, total = db.list_audit(db.AuditFilters(action="export"), store=store)
        assert total == before + 1, item.key
        assert rows[0].actor == "dr_print" and rows[0].target == f"screening:{screening_id}"
        assert rows[0].details["format"] == expected_format
    shot(page, "downloads_laptop")
    page.set_viewport_size({"width": 390, "height": 844})
    wait_idle(page, timeout=BUSY_MS)
    for item in DOWNLOADS:
        expect(page.get_by_role("button", name=item.label)).to_be_visible()
    shot(page, "downloads_phone")
    page.close()
