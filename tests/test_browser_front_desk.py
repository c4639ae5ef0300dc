"""Issue 13 in a real browser: the front desk's menu holds Invitations only (the invitation
link, locked name, email and the urgent alert are tested in AppTest and against real SMTP
and webhook servers in test_app_invitations.py / test_app_alerts.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser import (  # noqa: F401 - browser is a fixture
    DOB,
    DOB_TYPED,
    act,
    browser,
    fill_date,
    fresh_database_url,
    press,
    shot,
    start_server,
    stop_server,
    submit_intake,
    wait_idle,
)
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
    from store import invitations
    from store.schema import utcnow

    _, token = invitations.create_invitation("Violetta", "Quintanilla", date.fromisoformat(DOB),
                                             utcnow() + timedelta(days=2), None, actor="desk_amy",
                                             store=store)
    yield {"server": server, "smtp": smtp, "hook": hook, "token": token, "store": store}
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
    # argon2 and a loaded machine: wait for the run to end
    act(page, page.get_by_role("button", name="Sign in").click, timeout=120_000)
    expect(page.get_by_role("heading", name="Invitations")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Invitations")).to_be_visible()
    for name in ("Screenings", "Screening detail", "Export CSV", "Audit log"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)
    expect(page.get_by_text("Upcoming appointments")).to_be_visible()  # the list (a canvas grid)
    shot(page, "front_desk_invitations_laptop")
    page.close()
