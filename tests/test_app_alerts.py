"""Urgent alerts from the app: the deliverer runs inside the app process, so a patient's
urgent answer reaches the SMTP server and the webhook within seconds; the alert's link
opens the screening once staff have signed in."""

from __future__ import annotations

import copy
import time

import pytest
from streamlit.testing.v1 import AppTest

import store as db
from services import intake
from store import alerts
from tests.apptest_helpers import APP, TIMEOUT, complete_intake, new_app, texts
from tests.conftest import CLEAN_ANSWERS, make_doc
from tests.mail_support import smtp_server, webhook_server  # noqa: F401 - fixtures

PASSWORD = "correct horse battery staple"


@pytest.fixture
def in_app_deliverer(store_db, monkeypatch, smtp_server, webhook_server):  # noqa: F811
    from app_pages import services

    monkeypatch.setenv("ALERT_EMAIL", "oncall@clinic.test")
    monkeypatch.setenv("SMTP_URL", smtp_server.url)
    monkeypatch.setenv("ALERT_WEBHOOK_URL", webhook_server.url)
    monkeypatch.setenv("APP_BASE_URL", "https://screening.clinic.test")
    services.start_alert_deliverer.clear()
    yield smtp_server, webhook_server
    alerts.stop_in_process_deliverer()
    services.start_alert_deliverer.clear()


def test_urgent_answer_in_the_app_reaches_email_and_webhook_within_seconds(in_app_deliverer):
    smtp, hook = in_app_deliverer
    answers = copy.deepcopy(CLEAN_ANSWERS)
    answers.update(first_name="Quentin", last_name="Urgentson", signature_name="Quentin Urgentson",
                   suicidal_thoughts="active_with_plan")
    at = new_app()
    complete_intake(at, answers)
    assert "Your answers were sent" in texts(at)
    started = time.monotonic()
    [mail] = smtp.wait_for(1, timeout=30)
    [body] = hook.wait_for(1, timeout=30)
    assert time.monotonic() - started < 30
    for text in (mail.message.as_string(), str(body)):
        assert "Quentin" not in text and "Urgentson" not in text and "1985" not in text
    assert body["rule_ids"] == ["suicidal_plan"]
    assert "https://screening.clinic.test/staff?screening=" in mail.body


def test_alert_link_opens_the_screening_after_sign_in(store_db):
    db.create_user("dr_grey", PASSWORD, "clinician")
    result = intake.submit(make_doc(suicidal_thoughts="active_with_plan"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["screening"] = result.public_id
    at.run()
    at.switch_page("app_pages/staff_login.py").run()
    at.text_input(key="login_username").input("dr_grey")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert "URGENT: contact the patient today" in texts(at)
    assert "Lee, Ann" in texts(at)
    views, _ = db.list_audit(db.AuditFilters(action="screening_view"))
    assert [v.target for v in views] == [f"screening:{result.screening_id}"]


def test_alert_link_with_an_unknown_id_opens_nothing(store_db):
    db.create_user("dr_grey", PASSWORD, "clinician")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["screening"] = "00000000-0000-0000-0000-000000000000"
    at.run()
    at.switch_page("app_pages/staff_login.py").run()
    at.text_input(key="login_username").input("dr_grey")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert "Screenings" in texts(at)
    assert db.list_audit(db.AuditFilters(action="screening_view"))[1] == 0
