"""Access in a real browser: a wrong resume token, a clinician on the admin page, and a
brute-force sign-in all get nothing; the server log of the run holds no patient data."""

from __future__ import annotations

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


def test_brute_force_hits_the_lockout(browser, server, seeded):
    from playwright.sync_api import expect

    import store as db

    page = open_page(browser)
    for attempt in range(5):
        sign_in(page, server.url, "boss", f"guess number {attempt}")
        expect(page.get_by_text("Sign-in failed")).to_be_visible()
    sign_in(page, server.url, "boss", PASSWORD)  # the right password, too late
    expect(page.get_by_text("Sign-in failed")).to_be_visible()
    expect(page.get_by_role("heading", name="Screenings")).to_have_count(0)
    assert db.get_user("boss", store=seeded["store"]).locked_until is not None
    locked = db.list_audit(db.AuditFilters(actor="boss", action="login_locked"),
                           store=seeded["store"])[1]
    assert locked >= 1
    page.close()


def test_server_log_of_this_run_holds_no_patient_data(server, seeded):
    log = server.log()
    assert "You can now view your Streamlit app" in log  # the log really was captured
    assert "locked after 5 failed logins" in log  # the app logs events, by id only
    for secret in (*PATIENT, DOB, seeded["token"], PASSWORD):
        assert secret not in log, f"{secret!r} in the server log"
