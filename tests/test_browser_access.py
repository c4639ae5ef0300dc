"""Access in a real browser: a wrong resume token, a clinician on the admin page, and a
brute-force sign-in all get nothing (while the account's owner still signs in); the server
log of the run holds no patient data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services import intake
from tests.browser import (
    DOB,
    DOB_TYPED,
    fill_date,
    open_page,
    press,
    sign_in,
    wait_idle,
)
from tests.conftest import make_doc

pytestmark = pytest.mark.browser
PASSWORD = "clinic password 2026"
PATIENT = ("Henrietta", "Lacks-Mirror")


@pytest.fixture(scope="module")
def seeded(server):
    import store as db

    store = db.get_store(server.database_url)
    doc = make_doc(first_name=PATIENT[0], last_name=PATIENT[1],
                   signature_name=" ".join(PATIENT), date_of_birth=DOB, pregnant="yes")
    intake.submit(doc, store=store)
    db.create_user("nurse_kim", PASSWORD, "clinician", store=store)
    db.create_user("boss", PASSWORD, "admin", store=store)
    _, token = db.create_draft(store=store)
    db.save_draft(token, {"first_name": PATIENT[0], "last_name": PATIENT[1],
                          "date_of_birth": DOB}, 1, DOB, store=store)
    return {"store": store, "token": token}



@pytest.mark.parametrize("token", ["not-a-real-token", "A" * 43, "' OR 1=1 --", ""])
def test_wrong_resume_token_reveals_nothing(browser, server, seeded, token):
    from playwright.sync_api import expect

    page = open_page(browser)
    page.goto(f"{server.url}/?resume={token}")
    wait_idle(page, timeout=60_000)
    if token:
        fill_date(page, "resume_dob", DOB_TYPED)  # even with the right date of birth
        press(page, "resume")
        expect(page.get_by_text("could not open a screening")).to_be_visible()
    assert PATIENT[0] not in page.content() and PATIENT[1] not in page.content()
    page.close()


def test_right_token_with_wrong_birth_date_reveals_nothing(browser, server, seeded):
    from playwright.sync_api import expect

    page = open_page(browser)
    page.goto(f"{server.url}/?resume={seeded['token']}")
    wait_idle(page, timeout=60_000)
    fill_date(page, "resume_dob", "06/15/1986")
    press(page, "resume")
    expect(page.get_by_text("could not open a screening")).to_be_visible()
    assert PATIENT[0] not in page.content()
    page.close()


def test_clinician_typing_the_admin_url_gets_no_admin_page(browser, server, seeded):
    from playwright.sync_api import expect

    page = open_page(browser)
    sign_in(page, server.url, "nurse_kim", PASSWORD)
    expect(page.get_by_role("heading", name="Screenings")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Audit log")).to_have_count(0)
    page.goto(f"{server.url}/audit")  # a new session: signed out again, lands on the intake
    wait_idle(page, timeout=60_000)
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)
    # Inside the signed-in session the clinician's pages are in the menu, the admin page not.
    sign_in(page, server.url, "nurse_kim", PASSWORD)
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("link", name="Screenings")).to_be_visible()
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    page.close()


def test_admin_menu_offers_the_audit_log(browser, server, seeded):
    from playwright.sync_api import expect

    page = open_page(browser)
    sign_in(page, server.url, "boss", PASSWORD)
    page.get_by_role("link", name="Audit log").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible(timeout=20_000)
    page.close()


def test_patients_see_no_staff_menu(browser, server, seeded):
    from playwright.sync_api import expect

    page = open_page(browser)
    page.goto(server.url)
    wait_idle(page, timeout=60_000)
    expect(page.get_by_role("link", name="Staff sign-in")).to_have_count(0)
    expect(page.get_by_role("link", name="Screenings")).to_have_count(0)
    page.close()


def test_brute_force_is_throttled_but_a_known_computer_still_gets_in(browser, server, seeded):
    """Guessing from one browser is slowed down (refused unchecked); an attacker elsewhere
    holding the account back does not stop its owner on a computer that signed in before."""
    from playwright.sync_api import expect

    import store as db
    from app_pages.auth import DEVICE_COOKIE

    store = seeded["store"]
    owner = open_page(browser)  # the clinician's workstation: signs in once, is remembered
    sign_in(owner, server.url, "boss", PASSWORD)
    expect(owner.get_by_role("heading", name="Screenings")).to_be_visible(timeout=20_000)
    owner.wait_for_function(f"document.cookie.includes('{DEVICE_COOKIE}=')", timeout=20_000)
    cookie = next(c for c in owner.context.cookies() if c["name"] == DEVICE_COOKIE)
    assert cookie["sameSite"] == "Strict" and cookie["expires"] > 0

    attacker = open_page(browser)
    for attempt in range(5):
        sign_in(attacker, server.url, "boss", f"guess number {attempt}")
        expect(attacker.get_by_text("Sign-in failed").or_(
            attacker.get_by_text("Too many sign-in attempts"))).to_be_visible()
    start = db.schema.utcnow()
    for attempt in range(8):  # more guesses from elsewhere, each as the delay ends
        db.authenticate("boss", f"another guess {attempt}", store=store,
                        now=start + timedelta(minutes=attempt))
    sign_in(attacker, server.url, "boss", PASSWORD)  # the right password, from a new browser
    expect(attacker.get_by_text("Too many sign-in attempts")).to_be_visible()
    expect(attacker.get_by_role("heading", name="Screenings")).to_have_count(0)
    assert db.get_user("boss", store=store).locked_until is not None
    throttled = db.list_audit(db.AuditFilters(actor="boss", action="login_throttled"),
                              store=store)[1]
    assert throttled >= 1

    sign_in(owner, server.url, "boss", PASSWORD)  # a new session on the known computer
    expect(owner.get_by_role("heading", name="Screenings")).to_be_visible(timeout=20_000)
    rows, _ = db.list_audit(db.AuditFilters(actor="boss", action="login_success"), store=store)
    assert rows[0].details["known_device"] and rows[0].details["passed_throttle"]
    attacker.close()
    owner.close()


def test_server_log_of_this_run_holds_no_patient_data(server, seeded):
    log = server.log()
    assert "You can now view your Streamlit app" in log  # the log really was captured
    assert "failed sign-ins" in log  # the app logs events (a throttle), by id only
    for secret in (*PATIENT, DOB, seeded["token"], PASSWORD):
        assert secret not in log, f"{secret!r} in the server log"
