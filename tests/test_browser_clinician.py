"""Clinician review in a real browser: a patient submits through the intake, a clinician
signs in, finds that screening at the top of the queue, reviews and decides; a visitor
without a login sees no patient data and no staff page by URL."""

from __future__ import annotations

import pytest

from services import intake
from tests.browser import (
    open_page,
    shot,
    sign_in,
    submit_intake,
    wait_idle,
)
from tests.conftest import make_doc

pytestmark = pytest.mark.browser
PASSWORD = "a long clinic password"
STAFF_URLS = ("queue", "detail", "audit", "staff/../queue",
              "detail?id=00000000-0000-0000-0000-000000000000")


def seed_calm_screenings(database_url: str) -> None:
    """Older screenings with milder flags: the patient's urgent one must still come first."""
    import store as db

    store = db.get_store(database_url)
    for i, (first, extra) in enumerate([("Olga", {"glaucoma": "yes"}),
                                        ("Pavel", {"pregnant": "yes"})]):
        doc = make_doc(first_name=first, last_name="Older", signature_name=f"{first} Older", **extra)
        doc["submitted_at"] = f"2026-01-0{i + 1}T08:00:00Z"
        intake.submit(doc, store=store)
    db.create_user("dr_house", PASSWORD, "clinician", store=store)



def test_patient_submits_then_clinician_reviews_it_first(browser, server):
    from playwright.sync_api import expect

    import store as db

    seed_calm_screenings(server.database_url)
    patient = open_page(browser, viewport={"width": 390, "height": 844})
    submit_intake(patient, server.url, "Quentin", "Urgentson",
                  overrides={"suicidal_thoughts": "active_with_plan"}, meds=("klonapin 1mg",))
    patient.close()

    page = open_page(browser, viewport={"width": 1366, "height": 900})
    sign_in(page, server.url, "dr_house", "not the password")
    expect(page.get_by_text("Sign-in failed")).to_be_visible()
    sign_in(page, server.url, "dr_house", PASSWORD)
    expect(page.get_by_role("heading", name="Screenings")).to_be_visible(timeout=20_000)
    first_row = page.locator("[class*='st-key-row_']").first
    expect(first_row).to_contain_text("Urgentson, Quentin")
    expect(first_row).to_contain_text("URGENT")
    shot(page, "20_queue")
    first_row.get_by_role("button", name="Open").click()
    wait_idle(page)
    expect(page.get_by_text("URGENT: contact the patient today", exact=False)).to_be_visible(
        timeout=60_000)
    # The decision is on the first screen, next to the flags' reasons.
    expect(page.locator(".st-key-record_review button")).to_be_in_viewport()
    expect(page.locator(".st-key-flag_summary")).to_be_in_viewport()
    expect(page.get_by_text("medication 'klonapin 1mg'", exact=False)).to_contain_text(
        "clonazepam (misspelling)")
    shot(page, "21_detail")

    # Deciding without acknowledging the urgent flag is refused.
    page.get_by_text("Needs follow-up", exact=True).click()
    page.get_by_role("button", name="Record review").click()
    wait_idle(page)
    expect(page.get_by_text("suicidal_plan", exact=False).last).to_be_visible()
    assert db.get_screening(db.list_queue(store=db.get_store(server.database_url))[0][0].id,
                            store=db.get_store(server.database_url)).reviews == ()

    page.locator(".st-key-ack_suicidal_plan label").click()
    page.locator(".st-key-ack_benzodiazepine label").click()
    page.locator(".st-key-review_note textarea").fill("Called patient; safety plan in place")
    page.get_by_role("button", name="Record review").click()
    wait_idle(page)
    expect(page.get_by_text("Review recorded.")).to_be_visible(timeout=20_000)
    shot(page, "22_reviewed")

    store = db.get_store(server.database_url)
    rows, _ = db.list_queue(db.QueueFilters(name="Urgentson"), store=store)
    detail = db.get_screening(rows[0].id, store=store)
    assert detail.review_status == "needs_follow_up"
    assert {a.rule_id for a in detail.reviews[0].acknowledgements} == {"suicidal_plan",
                                                                       "benzodiazepine"}
    actions = {r.action for r in db.list_audit(db.AuditFilters(actor="dr_house"), store=store)[0]}
    assert {"login_success", "queue_view", "screening_view", "review"} <= actions
    page.close()


@pytest.mark.parametrize("path", STAFF_URLS)
def test_visitor_without_login_sees_no_staff_page_and_no_patient_data(browser, server, path):
    from playwright.sync_api import expect

    import store as db

    store = db.get_store(server.database_url)
    doc = make_doc(first_name="Violetta", last_name="Hidden", signature_name="Violetta Hidden")
    intake.submit(doc, store=store)
    page = open_page(browser)
    page.goto(f"{server.url}/{path}")
    wait_idle(page, timeout=60_000)
    # A staff address shows the sign-in there (and returns to it after); nothing else.
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    content = page.content()
    for secret in ("Violetta", "Hidden", "Screenings", "Audit log", "Urgentson"):
        assert secret not in content
    page.close()


def test_a_link_opens_the_decision_screen_after_sign_in(browser, server):
    """A colleague's link, opened signed out: sign in, land on that screening, decide from
    the first screen; clearing with an open review flag asks for confirmation first."""
    from playwright.sync_api import expect

    import store as db

    store = db.get_store(server.database_url)
    if db.get_user("dr_link", store=store) is None:
        db.create_user("dr_link", PASSWORD, "clinician", store=store)
    doc = make_doc(first_name="Henrietta", last_name="Lacks-Mirror",
                   signature_name="Henrietta Lacks-Mirror", phone="+1 (555) 010-2030",
                   email="h.mirror@example.com", glaucoma="yes", meds=["Lamictal 100mg"])
    result = intake.submit(doc, store=store)

    page = open_page(browser, viewport={"width": 1366, "height": 900})
    page.goto(f"{server.url}/detail?id={result.public_id}")
    wait_idle(page, timeout=60_000)
    assert "Henrietta" not in page.content()
    page.locator(".st-key-login_username input").fill("dr_link")
    page.locator(".st-key-login_password input").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Lacks-Mirror, Henrietta")).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert f"id={result.public_id}" in page.url

    # Above the fold at 1366x900: contact links, reasons, the whole decision panel.
    expect(page.locator(".st-key-contact a[href='tel:+15550102030']")).to_be_in_viewport()
    expect(page.locator(".st-key-contact a[href='mailto:h.mirror@example.com']")).to_be_in_viewport()
    expect(page.get_by_text("Appointment: none booked (walk-in)", exact=False)).to_be_in_viewport()
    glaucoma = page.locator(".st-key-ack_glaucoma")
    expect(glaucoma).to_contain_text("Glaucoma or raised eye pressure")
    expect(glaucoma).to_be_in_viewport()
    expect(page.locator(".st-key-record_review button")).to_be_in_viewport()
    shot(page, "23_decision_screen")

    page.locator(".st-key-decision").get_by_text("Cleared for treatment", exact=True).click()
    page.locator(".st-key-ack_lamotrigine label").click()
    page.get_by_role("button", name="Record review").click()
    wait_idle(page)
    expect(page.get_by_text("These flags are still open", exact=False)).to_be_visible(timeout=30_000)
    expect(page.locator(".st-key-decision_panel")).to_contain_text("Glaucoma or raised eye pressure")
    assert db.get_screening(result.screening_id, store=store).reviews == ()
    page.locator(".st-key-confirm_clear label").click()
    page.get_by_role("button", name="Record review").click()
    wait_idle(page)
    expect(page.get_by_text("Review recorded.")).to_be_visible(timeout=30_000)
    detail = db.get_screening(result.screening_id, store=store)
    assert detail.review_status == "cleared"
    assert [a.rule_id for a in detail.reviews[0].acknowledgements] == ["lamotrigine"]

    # Notes and hand-offs: a contact in the thread, then take it; the queue filters on it.
    page.locator(".st-key-note_kind").get_by_text("Phone call", exact=True).click()
    page.locator(".st-key-note_body textarea").fill("Called: BP recheck on arrival")
    page.locator(".st-key-note_add button").click()
    wait_idle(page)
    expect(page.get_by_text("Called: BP recheck on arrival")).to_be_visible(timeout=30_000)
    page.locator(".st-key-assign_me button").click()
    wait_idle(page)
    expect(page.locator(".st-key-assignment")).to_contain_text("Assigned to dr_link", timeout=30_000)
    shot(page, "24_notes")
    notes = db.list_notes(result.screening_id, store=store)
    assert [(n.kind, n.channel, n.author) for n in notes] == [("contact", "phone", "dr_link")]
    page.get_by_role("link", name="Screenings").first.click()
    wait_idle(page)
    page.get_by_role("tab", name="Reviewed").click()
    wait_idle(page)
    page.get_by_role("tabpanel", name="Reviewed").locator(".st-key-f_mine label").click()
    wait_idle(page)
    rows = page.locator("[class*='st-key-row_']")
    expect(rows).to_have_count(1, timeout=30_000)
    expect(rows.first).to_contain_text("Lacks-Mirror, Henrietta")
    expect(rows.first).to_contain_text("assigned to dr_link")
    shot(page, "25_queue_mine")
    page.close()
