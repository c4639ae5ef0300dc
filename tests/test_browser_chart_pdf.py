"""The detail page's printable chart summary in a real browser: a clinician opens a
screening, clicks "Print chart summary (PDF)" and gets a PDF whose text (pdftotext) names
the patient with accents intact; the download is audited and its file name holds no
patient detail."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.browser import browser, server, shot, wait_idle  # noqa: F401 - fixtures
from tests.conftest import make_doc
from tests.test_browser_fhir_download import BUSY_MS, PASSWORD, sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not shutil.which("pdftotext"),
                                 reason="pdftotext (poppler-utils) missing: scripts/ensure-poppler.sh")]


def test_clinician_prints_a_chart_summary(browser, server, tmp_path):  # noqa: F811
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
    button = page.locator(".st-key-chart_pdf_download").get_by_role(
        "button", name="Print chart summary (PDF)")
    expect(button).to_be_visible(timeout=BUSY_MS)
    wait_idle(page, timeout=BUSY_MS)
    before = db.list_audit(db.AuditFilters(action="export"), store=store)[1]
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"screening-{screening_id}-chart.pdf"
    target = tmp_path / "chart.pdf"
    download.save_as(target)
    text = " ".join(subprocess.run(["pdftotext", str(target), "-"], check=True, timeout=60,
                                   capture_output=True, text=True).stdout.split())
    assert "Østergård, Renée" in text and "Current benzodiazepine" in text
    rows, total = db.list_audit(db.AuditFilters(action="export"), store=store)
    assert total == before + 1
    assert rows[0].actor == "dr_print" and rows[0].target == f"screening:{screening_id}"
    assert rows[0].details["format"] == "chart-pdf"
    shot(page, "chart_pdf_laptop")
    page.close()
