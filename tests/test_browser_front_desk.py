"""Issue 13 in a real browser: the front desk's menu holds Check-in and Invitations only,
and the front desk checks a patient in on a tablet; the clinician then sees the check-in
(the invitation link, locked name, email and the urgent alert are tested in AppTest and
against real SMTP and webhook servers in test_app_invitations.py / test_app_alerts.py)."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from services import intake
from store.schema import ScreeningRow, utcnow
from tests.browser import (  # noqa: F401 - browser is a fixture
    ANSWERS,
    DOB,
    DOB_TYPED,
    FIRST,
    LAST,
    STEP_CODES,
    act,
    axe_violations,
    browser,
    choose,
    fill,
    fill_date,
    finish_intake,
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
    checkin_id = intake.submit(doc, store=store).screening_id
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
    # argon2 and a loaded machine: wait for the run to end
    act(page, page.get_by_role("button", name="Sign in").click, timeout=120_000)
    expect(page.get_by_role("heading", name="Check-in")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Invitations")).to_be_visible()
    for name in ("Screenings", "Screening detail", "Export CSV", "Audit log"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)
    act(page, page.get_by_role("link", name="Invitations").click)
    expect(page.get_by_text("Upcoming appointments")).to_be_visible()  # the list (a canvas grid)
    shot(page, "front_desk_invitations_laptop")
    base = clinic["server"].url
    for path in ("queue", "detail", "export", "audit"):  # typed addresses lead nowhere clinical
        page.goto(f"{base}/{path}")
        wait_idle(page, timeout=120_000)
        for words in ("Henrietta", "Decision", "Download", "Audit log"):
            expect(page.get_by_text(words, exact=False)).to_have_count(0)
    page.close()


def _time(page, key: str, hh_mm: str) -> None:
    """Streamlit's time field is two spin buttons (24-hour clock): type the digits."""
    page.locator(f".st-key-{key} [data-type='hour']").click()
    page.keyboard.type(hh_mm.replace(":", ""))
    page.keyboard.press("Tab")


def _radio(page, key: str, label: str) -> None:
    page.locator(f".st-key-{key}").get_by_text(label, exact=True).click()


def test_front_desk_checks_in_on_a_tablet_and_the_clinician_sees_it(browser, clinic):  # noqa: F811
    from playwright.sync_api import expect

    from store.checkins import latest_checkin

    page = browser.new_page(viewport={"width": 1024, "height": 1366})  # a tablet, portrait
    sign_in(page, clinic["server"].url, "desk_amy", PASSWORD)
    expect(page.get_by_role("heading", name="Check-in")).to_be_visible(timeout=30_000)
    sid = clinic["checkin_id"]
    expect(page.get_by_text("Lacks-Mirror, Henrietta")).to_be_visible()
    shot(page, "checkin_list_tablet")
    act(page, page.locator(f".st-key-checkin_{sid} button").click)
    expect(page.get_by_text("No food after", exact=False)).to_be_visible()
    # Last food 12 hours and last clear liquid 6 hours ago (clinic time: UTC), on the
    # quarter hour, so the fast is met whatever the time of day the test runs.
    now = utcnow().replace(second=0, microsecond=0)
    for key, hours in (("food", 12), ("liquid", 6)):
        moment = now - timedelta(hours=hours, minutes=now.minute % 15)
        fill_date(page, f"ci_{key}_day", moment.strftime("%m/%d/%Y"))
        _time(page, f"ci_{key}_time", moment.strftime("%H:%M"))
    _radio(page, "ci_escort", "No")  # the escort is not here yet: a defer flag
    _radio(page, "ci_sedatives", "No")
    _radio(page, "ci_new_any", "No")
    for key, value in (("ci_systolic", "150"), ("ci_diastolic", "92"), ("ci_heart_rate", "70")):
        page.locator(f".st-key-{key} input").fill(value)
    shot(page, "checkin_form_tablet")
    press(page, "ci_submit")
    expect(page.get_by_text("Check-in recorded", exact=False)).to_be_visible(timeout=30_000)
    for clinical in ("defer", "escort", "Blood pressure on arrival", "flag"):
        expect(page.get_by_text(clinical, exact=False)).to_have_count(0)
    shot(page, "checkin_recorded_tablet")
    page.close()
    view = latest_checkin(sid, store=clinic["store"])
    assert view is not None and {f.rule_id for f in view.evaluation.flags} == {
        "checkin_no_escort", "checkin_bp_elevated"}

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, clinic["server"].url, "dr_ida", PASSWORD)
    act(page, page.locator(f".st-key-open_{sid} button").click, timeout=120_000)
    # "Checked in" also shows on the queue row: wait for the detail page's own section.
    expect(page.get_by_text("What changed since the intake")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Checked in", exact=False).first).to_be_visible()
    expect(page.get_by_text("Escort: arranged at intake; NOT here at check-in",
                            exact=False)).to_be_visible()
    expect(page.locator(".st-key-ack_checkin_no_escort")).to_be_visible()
    shot(page, "checkin_clinician_laptop")
    page.close()


def _open_invitation(browser, link: str):  # noqa: F811
    """A new tab (phone size) on the clinic's link, past the date-of-birth check."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(link)
    wait_idle(page, timeout=120_000)
    assert axe_violations(page) == []  # a patient page too (issue 12)
    fill_date(page, "invite_dob", DOB_TYPED)
    press(page, "invite_open")
    return page


def test_patient_screens_from_the_emailed_link_closes_the_tab_and_comes_back(browser, clinic):  # noqa: F811
    import re

    from playwright.sync_api import expect

    import store as db

    base = clinic["server"].url
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, base, "desk_amy", PASSWORD)  # the front desk invites
    act(page, page.get_by_role("link", name="Invitations").click)
    fill(page, "inv_first", FIRST)
    fill(page, "inv_last", LAST)
    fill_date(page, "inv_dob", DOB_TYPED)
    fill(page, "inv_email", "marisol@example.org")
    fill_date(page, "inv_day", (utcnow() + timedelta(days=2)).strftime("%m/%d/%Y"))
    _time(page, "inv_time", "14:00")
    press(page, "inv_create")
    expect(page.get_by_text("Invitation created", exact=False)).to_be_visible(timeout=30_000)
    press(page, "inv_email_send")
    expect(page.get_by_text("The link was emailed to the patient.")).to_be_visible(timeout=30_000)
    page.close()
    deadline = utcnow() + timedelta(seconds=30)
    while not [m for m in clinic["smtp"].messages if "marisol@example.org" in m.rcpt_tos]:
        assert utcnow() < deadline, "the invitation email did not arrive"
        time.sleep(0.5)
    [mail] = [m for m in clinic["smtp"].messages if "marisol@example.org" in m.rcpt_tos]
    assert FIRST not in mail.message.as_string()  # no patient data in the email
    found = re.search(r"https://screening\.clinic\.test/\S*\?invite=[\w-]+", mail.body)
    assert found, mail.body
    link = found.group(0).replace("https://screening.clinic.test", base)

    tab = _open_invitation(browser, link)
    if tab.locator(".st-key-start button").count():
        press(tab, "start")
    expect(tab.locator(".st-key-q_first_name input")).to_have_value(FIRST, timeout=30_000)
    expect(tab.locator(".st-key-q_first_name input")).to_be_disabled()  # the clinic's record
    for code in ("sex_at_birth", "pregnant", "breastfeeding"):
        choose(tab, code, ANSWERS[code])
    press(tab, "next")
    for code in STEP_CODES["mental_health"]:
        choose(tab, code, ANSWERS[code])
    press(tab, "next")
    expect(tab.get_by_text("Step 3 of 9", exact=False).first).to_be_visible(timeout=30_000)
    tab.close()  # the patient closes the tab mid-way

    tab = _open_invitation(browser, link)  # the same link continues the draft
    expect(tab.get_by_text("Step 3 of 9", exact=False).first).to_be_visible(timeout=30_000)
    shot(tab, "invitation_resumed_phone")
    finish_intake(tab, FIRST, LAST, ANSWERS)
    expect(tab.get_by_text("Your answers were sent")).to_be_visible(timeout=30_000)
    tab.close()

    tab = _open_invitation(browser, link)  # once more: it says the screening is sent
    expect(tab.get_by_text("Your answers were sent")).to_be_visible(timeout=30_000)
    expect(tab.locator(".st-key-next")).to_have_count(0)
    tab.close()
    with clinic["store"].session() as session:
        [row] = session.query(ScreeningRow).filter(ScreeningRow.last_name == LAST).all()
        assert row.appointment_at is not None and row.invitation_id is not None
    assert db.count_screenings(store=clinic["store"]) >= 2
