"""Issue 13 in a real browser: the front desk's menu holds Check-in and Invitations only,
and the front desk checks a patient in on a tablet; the clinician then sees the check-in
(the invitation link, locked name, email and the urgent alert are tested in AppTest and
against real SMTP and webhook servers in test_app_invitations.py / test_app_alerts.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from store.schema import ScreeningRow, utcnow
from tests.browser import (  # noqa: F401 - browser is a fixture
    DOB,
    DOB_TYPED,
    browser,
    fill_date,
    fresh_database_url,
    press,
    shot,
    sign_in,
    start_server,
    stop_server,
    submit_intake,
    wait_idle,
)
from tests.conftest import make_doc
from tests.mail_support import SmtpServer, WebhookServer

pytestmark = pytest.mark.browser
PASSWORD = "clinic password 2026"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    import store as db

    tmp = tmp_path_factory.mktemp("front_desk")
    smtp = SmtpServer().start()
    hook = WebhookServer().start()
    url = fresh_database_url(tmp, "frontdesk")
    server = start_server(tmp, url, {"SMTP_URL": smtp.url, "ALERT_EMAIL": "oncall@clinic.test",
                                     "ALERT_WEBHOOK_URL": hook.url, "CLINIC_NAME": "Calm Clinic",
                                     "APP_BASE_URL": "https://screening.clinic.test"})
    store = db.get_store(url)
    db.create_user("desk_amy", PASSWORD, "front_desk", store=store)
    db.create_user("dr_ida", PASSWORD, "clinician", store=store)
    from store import invitations

    _, token = invitations.create_invitation("Violetta", "Quintanilla", date.fromisoformat(DOB),
                                             utcnow() + timedelta(days=2), None, actor="desk_amy",
                                             store=store)
    # Henrietta screened for an appointment an hour from now (today, clinic time: UTC).
    doc = make_doc(first_name="Henrietta", last_name="Lacks-Mirror",
                   signature_name="Henrietta Lacks-Mirror")
    checkin_id = db.submit_screening(doc, store=store).screening_id
    with store.session() as session:
        session.get(ScreeningRow, checkin_id).appointment_at = min(
            utcnow() + timedelta(hours=1), utcnow().replace(hour=23, minute=59))
    yield {"server": server, "smtp": smtp, "hook": hook, "token": token, "store": store,
           "checkin_id": checkin_id}
    stop_server(server)
    smtp.stop()
    hook.stop()


def test_front_desk_menu_has_invitations_and_no_clinical_page(browser, clinic):  # noqa: F811
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{clinic['server'].url}/staff")
    wait_idle(page, timeout=120_000)
    page.locator(".st-key-login_username input").fill("desk_amy")
    page.locator(".st-key-login_password input").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page, timeout=120_000)  # argon2 and a loaded machine: wait for the run to end
    expect(page.get_by_role("heading", name="Check-in")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Invitations")).to_be_visible()
    for name in ("Screenings", "Screening detail", "Export CSV", "Audit log"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)
    page.get_by_role("link", name="Invitations").click()
    wait_idle(page)
    expect(page.get_by_text("Upcoming appointments")).to_be_visible()  # the list (a canvas grid)
    shot(page, "front_desk_invitations_laptop")
    base = clinic["server"].url
    for path in ("queue", "detail", "export", "audit"):  # typed addresses lead nowhere clinical
        page.goto(f"{base}/{path}")
        wait_idle(page, timeout=120_000)
        for words in ("Henrietta", "Decision", "Download", "Audit log"):
            expect(page.get_by_text(words, exact=False)).to_have_count(0)
    page.close()

