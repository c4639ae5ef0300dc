"""The exporter role in a real browser: after signing in the menu holds Export CSV only,
the export works (the zip carries the review columns), and a staff link to a screening or
the queue shows no patient."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.browser import (  # noqa: F401 - fixtures
    BUSY_MS,
    act,
    browser,
    server,
    shot,
    sign_in,
    wait_idle,
)
from tests.conftest import make_doc

pytestmark = pytest.mark.browser
PASSWORD = "a long clinic password"


def test_exporter_sees_export_only_and_exports(browser, server):  # noqa: F811
    from playwright.sync_api import expect

    import store as db
    from services import intake

    store = db.get_store(server.database_url)
    db.create_user("records_ivy", PASSWORD, "exporter", store=store)
    db.create_user("dr_ivy", PASSWORD, "clinician", store=store)
    screening_id = intake.submit(
        make_doc(first_name="Quirina", last_name="Vexley", signature_name="Quirina Vexley",
                 bipolar_disorder="yes"), store=store).screening_id
    db.record_review(screening_id, "dr_ivy", "needs_follow_up", "call back Tuesday", {}, None,
                     store=store)
    public_id = db.get_screening(screening_id, store=store).public_id

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, server.url, "records_ivy", PASSWORD)
    expect(page.get_by_role("heading", name="Export screenings")).to_be_visible(timeout=BUSY_MS)
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    for name in ("Screenings", "Screening detail", "Invitations", "Audit log"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)
    shot(page, "exporter_laptop")
    act(page, page.locator(".st-key-x_prepare button").click, timeout=BUSY_MS)
    button = page.locator(".st-key-x_download button")
    expect(button).to_be_visible(timeout=BUSY_MS)
    with page.expect_download(timeout=BUSY_MS) as caught:
        button.click()
    with zipfile.ZipFile(io.BytesIO(open(caught.value.path(), "rb").read())) as archive:
        screenings = archive.read("screenings.csv").decode("utf-8-sig")
    assert "review_note,flag_ids" in screenings.splitlines()[0]
    assert "call back Tuesday" in screenings and "bipolar_disorder" in screenings

    # A colleague's link to the screening, opened by the exporter: it asks to sign in (a new
    # page load is a new session), and once signed in shows no patient.
    page.goto(f"{server.url}/detail?id={public_id}")
    wait_idle(page, timeout=BUSY_MS)
    page.locator(".st-key-login_username input").fill("records_ivy")
    page.locator(".st-key-login_password input").fill(PASSWORD)
    act(page, page.get_by_role("button", name="Sign in").click, timeout=BUSY_MS)
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible(timeout=BUSY_MS)
    expect(page.get_by_text("Vexley")).to_have_count(0)
    expect(page.get_by_role("heading", name="Decision")).to_have_count(0)
    assert db.list_audit(db.AuditFilters(action="screening_view"), store=store)[1] == 0
    page.close()
