"""The detail page's FHIR download in a real browser: a clinician opens a screening and
downloads it as a FHIR Bundle that fhir.resources accepts; the download is audited and
its file name holds no patient detail."""

from __future__ import annotations

import json

import pytest

from services import intake
from tests.browser import browser, server, shot, wait_idle  # noqa: F401 - fixtures
from tests.conftest import make_doc
from tests.fhir_support import fhir_model

pytestmark = pytest.mark.browser
PASSWORD = "a long clinic password"
BUSY_MS = 120_000  # a generous wait for a condition: the machine may be busy


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/staff")
    wait_idle(page, timeout=BUSY_MS)
    page.locator(".st-key-login_username input").fill(username)
    page.locator(".st-key-login_password input").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page, timeout=BUSY_MS)


def test_clinician_downloads_a_screening_as_a_fhir_bundle(browser, server, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    import store as db

    store = db.get_store(server.database_url)
    doc = make_doc(meds=["Xanax 0.5mg"], first_name="Henrietta", last_name="Lacks-Mirror",
                   signature_name="Henrietta Lacks-Mirror", bipolar_disorder="yes")
    screening_id = intake.submit(doc, store=store).screening_id
    db.create_user("dr_fhir", PASSWORD, "clinician", store=store)

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, server.url, "dr_fhir", PASSWORD)
    expect(page.get_by_role("heading", name="Screenings")).to_be_visible(timeout=BUSY_MS)
    row = page.locator("[class*='st-key-row_']").filter(has_text="Lacks-Mirror, Henrietta")
    row.get_by_role("button", name="Open").click()
    button = page.locator(".st-key-fhir_bundle_download").get_by_role(
        "button", name="Download as FHIR (JSON bundle)")
    expect(button).to_be_visible(timeout=BUSY_MS)  # the machine may be busy
    wait_idle(page, timeout=BUSY_MS)
    shot(page, "fhir_download_laptop")
    before = db.list_audit(db.AuditFilters(action="export"), store=store)[1]
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"screening-{screening_id}-fhir.json"
    target = tmp_path / "bundle.json"
    download.save_as(target)
    bundle = json.loads(target.read_text(encoding="utf-8"))
    fhir_model(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[:3] == ["Questionnaire", "QuestionnaireResponse", "Patient"]
    assert {"DetectedIssue", "MedicationStatement"} <= set(kinds)
    patient = bundle["entry"][2]["resource"]
    assert patient["name"][0]["family"] == "Lacks-Mirror"
    rows, total = db.list_audit(db.AuditFilters(action="export"), store=store)
    assert total == before + 1
    assert rows[0].actor == "dr_fhir" and rows[0].target == f"screening:{screening_id}"
    assert rows[0].details["format"] == "fhir-bundle"
    page.set_viewport_size({"width": 390, "height": 844})
    wait_idle(page, timeout=BUSY_MS)
    expect(button).to_be_visible()
    shot(page, "fhir_download_phone")
    page.close()
