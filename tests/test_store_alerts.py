"""Urgent alerts: outbox row in the screening's transaction, delivery to a real SMTP server
(aiosmtpd) and a webhook on loopback, retries while they are down, a deliverer killed while
sending, the worker command, and the store import path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services import intake
from store import alerts, audit, get_store, list_audit, reset_stores
from store import screenings as screenings_module
from store.models import AuditFilters
from store.schema import AlertRow, ScreeningRow, utcnow
from tests.conftest import ROOT, make_doc
from tests.mail_support import (  # noqa: F401 - fixtures
    SmtpServer,
    StallingServer,
    WebhookServer,
    free_port,
    smtp_server,
    wait_until,
    webhook_server,
)

STAFF = ("oncall@clinic.test", "nurse@clinic.test")
# make_doc's patient: none of this may appear in an alert.
PATIENT_DETAILS = ("Ann", "Lee", "1985", "06-15", "active_with_plan", "Xanax")


def urgent_doc(**overrides):
    return make_doc(meds=["Xanax 0.5mg prn"], suicidal_thoughts="active_with_plan", **overrides)


def settings(smtp: str | None = None, webhook: str | None = None, **extra) -> alerts.AlertSettings:
    from store.mailer import SmtpSettings

    return alerts.AlertSettings(
        emails=STAFF if smtp else (), webhook_url=webhook,
        smtp=SmtpSettings.parse(smtp, "alerts@clinic.test", timeout=5) if smtp else None,
        base_url="https://screening.clinic.test", timeout=5, **extra)


def outbox(store) -> list[AlertRow]:
    with store.session(readonly=True) as session:
        return list(session.scalars(select(AlertRow).order_by(AlertRow.id)))


def actions(action: str) -> list:
    rows, _ = list_audit(AuditFilters(action=action), page_size=200)
    return rows


def assert_no_patient_data(text: str) -> None:
    leaked = [d for d in PATIENT_DETAILS if d in text]
    assert not leaked, f"patient data in an alert: {leaked}"


# -- the outbox is written with the screening --------------------------------------------

def test_urgent_submit_queues_one_alert_and_others_none(store_db):
    calm = intake.submit(make_doc())
    urgent = intake.submit(urgent_doc())
    again = intake.submit(urgent_doc())  # another patient with the same answers
    assert not calm.urgent and urgent.urgent
    rows = outbox(store_db)
    assert [(r.screening_id, r.rule_ids, r.status, r.attempts) for r in rows] == [
        (urgent.screening_id, ["suicidal_plan"], "pending", 0),
        (again.screening_id, ["suicidal_plan"], "pending", 0)]
    queued = actions(audit.ALERT_QUEUED)
    assert {a.target for a in queued} == {f"screening:{urgent.screening_id}",
                                          f"screening:{again.screening_id}"}
    # re-submitting the same screening (idempotency) and re-queueing it add nothing
    intake.submit(urgent_doc(), idempotency_key="k1")
    intake.submit(urgent_doc(), idempotency_key="k1")
    with store_db.session() as session:
        assert alerts.enqueue_urgent_alert(session, urgent.screening_id, ["suicidal_plan"]) is None
        assert alerts.enqueue_urgent_alert(session, urgent.screening_id, ["other_rule"]) is not None
    assert len(outbox(store_db)) == 4


def test_alert_and_screening_are_one_transaction(store_db, monkeypatch):
    real = audit.write_audit

    def failing_after_alert(session, actor, action, *args, **kwargs):
        if action == audit.SUBMIT:
            raise RuntimeError("crash after the alert was queued")
        return real(session, actor, action, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(screenings_module.audit, "write_audit", failing_after_alert)
        with pytest.raises(RuntimeError):
            intake.submit(urgent_doc())

    def failing_enqueue(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(screenings_module.alerts, "enqueue_urgent_alert", failing_enqueue)
        with pytest.raises(RuntimeError):
            intake.submit(urgent_doc())
    with store_db.session(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(ScreeningRow)) == 0
        assert session.scalar(select(func.count()).select_from(AlertRow)) == 0


# -- delivery ----------------------------------------------------------------------------

def test_delivers_to_smtp_and_webhook_once_without_patient_data(store_db, smtp_server,  # noqa: F811
                                                                webhook_server):  # noqa: F811
    result = intake.submit(urgent_doc())
    report = alerts.deliver_due(settings(smtp_server.url, webhook_server.url), store=store_db)
    assert (report.sent, report.failed, report.pending) == (1, 0, 0)

    [mail] = smtp_server.messages
    assert sorted(mail.rcpt_tos) == sorted(STAFF)
    assert mail.message["From"] == "alerts@clinic.test"
    assert mail.message["Subject"].startswith("URGENT")
    public_id = result.public_id
    link = f"https://screening.clinic.test/staff?screening={public_id}"
    assert link in mail.body and "suicidal_plan" in mail.body
    assert_no_patient_data(mail.message.as_string())

    [hook] = webhook_server.bodies
    assert hook["urgency"] == "urgent" and hook["rule_ids"] == ["suicidal_plan"]
    assert hook["link"] == link and hook["kind"] == "urgent_screening"
    assert set(hook) == {"text", "alert_id", "kind", "urgency", "rule_ids", "submitted_at",
                         "queued_at", "link"}
    assert webhook_server.headers[0]["Content-Type"] == "application/json"
    assert_no_patient_data(json.dumps(hook))

    [row] = outbox(store_db)
    assert row.status == "sent" and row.email_sent_at and row.webhook_sent_at and row.sent_at
    sent = actions(audit.ALERT_SENT)
    assert sorted(a.details["channel"] for a in sent) == ["email", "webhook"]
    assert all(a.target == f"alert:{row.id}" for a in sent)
    assert_no_patient_data(json.dumps([a.details for a in sent]))

    # nothing is sent twice
    assert alerts.deliver_due(settings(smtp_server.url, webhook_server.url),
                              store=store_db).sent == 0
    assert len(smtp_server.messages) == 1 and len(webhook_server.bodies) == 1


def test_servers_down_then_up_retries_with_backoff_and_sends_once(store_db):
    smtp = SmtpServer()  # port chosen, nothing listening yet
    hook = WebhookServer(status=503).start()
    try:
        intake.submit(urgent_doc())
        config = settings(smtp.url, hook.url)
        first = alerts.deliver_due(config, store=store_db)
        assert (first.sent, first.failed, first.pending) == (0, 1, 1)
        [row] = outbox(store_db)
        assert row.attempts == 1 and row.status == "pending" and row.locked_until is None
        assert row.next_attempt_at > utcnow()
        failed = actions(audit.ALERT_FAILED)
        assert sorted(a.details["channel"] for a in failed) == ["email", "webhook"]
        assert {a.details["retry_in_seconds"] for a in failed} == {1}

        # before the back-off has passed nothing is tried again
        assert alerts.deliver_due(config, store=store_db, now=utcnow() - timedelta(seconds=5)).failed == 0

        # the webhook comes back first: only it is sent; email fails a second time
        hook.status = 200
        second = alerts.deliver_due(config, store=store_db, now=utcnow() + timedelta(seconds=2))
        assert (second.sent, second.failed) == (0, 1)
        [row] = outbox(store_db)
        assert row.attempts == 2 and row.webhook_sent_at is not None and row.email_sent_at is None
        assert (row.next_attempt_at - utcnow()).total_seconds() > 1  # 2 s after attempt 2

        smtp.start()
        third = alerts.deliver_due(config, store=store_db, now=utcnow() + timedelta(minutes=1))
        assert (third.sent, third.failed, third.pending) == (1, 0, 0)
        assert len(smtp.messages) == 1 and len(hook.bodies) == 1  # the webhook was not resent
        assert [a.details["attempt"] for a in actions(audit.ALERT_SENT)
                if a.details["channel"] == "email"] == [3]
    finally:
        smtp.stop()
        hook.stop()


def test_backoff_doubles_and_is_capped():
    config = settings(webhook="https://hooks.clinic.test/x", retry_max=60)
    assert [config.backoff(n).total_seconds() for n in (1, 2, 3, 6, 7, 20)] == [1, 2, 4, 32, 60, 60]


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("ALERT_WEBHOOK_URL", "http://hooks.example.org/x", "https://"),
    ("ALERT_WEBHOOK_URL", "ftp://127.0.0.1/x", "https://"),
    ("ALERT_EMAIL", "not an address", "ALERT_EMAIL"),
    ("SMTP_URL", "http://mail.example.org", "smtp://"),
    ("SMTP_URL", "smtp://:25", "host"),
    ("ALERT_RETRY_MAX_SECONDS", "soon", "ALERT_RETRY_MAX_SECONDS"),
])
def test_bad_settings_name_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(alerts.AlertSettingsError, match=message):
        alerts.AlertSettings.from_env()


def test_settings_from_environment(monkeypatch):
    for name in ("ALERT_WEBHOOK_URL", "SMTP_URL", "SMTP_FROM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALERT_EMAIL", "a@clinic.test; b@clinic.test")
    config = alerts.AlertSettings.from_env()
    assert config.emails == ("a@clinic.test", "b@clinic.test")
    assert config.channels == () and "SMTP_URL" in config.problems[0]
    monkeypatch.setenv("SMTP_URL", "smtps://user%40x:p%3Ass@mail.clinic.test")
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "https://hooks.clinic.test/T1")
    config = alerts.AlertSettings.from_env()
    assert config.channels == ("email", "webhook") and config.problems == ()
    assert config.smtp is not None
    assert (config.smtp.host, config.smtp.port, config.smtp.tls) == ("mail.clinic.test", 465, True)
    assert (config.smtp.username, config.smtp.password) == ("user@x", "p:ss")


def test_without_a_channel_alerts_wait(store_db):
    intake.submit(urgent_doc())
    report = alerts.deliver_due(alerts.AlertSettings(), store=store_db)
    assert (report.sent, report.pending) == (0, 1)
    assert outbox(store_db)[0].attempts == 0  # not claimed: a channel configured later sends it


# -- processes: the worker command, import, a deliverer killed while sending -------------

def _env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ALERT_EMAIL", "ALERT_WEBHOOK_URL", "SMTP_URL", "SMTP_FROM")}
    return {**env, "DATABASE_URL": url, "APP_BASE_URL": "https://screening.clinic.test",
            "SMTP_FROM": "alerts@clinic.test", **extra}


def _store_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "store", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_queues_and_deliver_once_sends(store_db, store_url, tmp_path, smtp_server):  # noqa: F811
    path = tmp_path / "urgent.json"
    path.write_text(json.dumps(urgent_doc()))
    env = _env(store_url, ALERT_EMAIL=",".join(STAFF), SMTP_URL=smtp_server.url)
    imported = _store_cli(["import", str(path)], env)
    assert imported.returncode == 0, imported.stderr
    reset_stores()
    assert [r.status for r in outbox(get_store())] == ["pending"]

    once = _store_cli(["deliver-alerts", "--once"], env)
    assert once.returncode == 0, once.stderr
    assert "sent 1" in once.stdout
    assert len(smtp_server.messages) == 1
    assert _store_cli(["deliver-alerts", "--once"], env).stdout.startswith("OK sent 0")
    assert len(smtp_server.messages) == 1

    nothing = _store_cli(["deliver-alerts", "--once"], _env(store_url))
    assert nothing.returncode == 2 and "no alert channel" in nothing.stderr


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "store", "deliver-alerts"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline()
    assert line.startswith("OK delivering"), (line, proc.stderr.read() if proc.poll() else "")
    return proc


def test_worker_delivers_within_seconds_and_stops_on_sigterm(store_db, store_url, smtp_server,  # noqa: F811
                                                             webhook_server):  # noqa: F811
    env = _env(store_url, ALERT_EMAIL=STAFF[0], SMTP_URL=smtp_server.url,
               ALERT_WEBHOOK_URL=webhook_server.url)
    worker = _start_worker(env)
    try:
        started = time.monotonic()
        intake.submit(urgent_doc())
        smtp_server.wait_for(1, timeout=30)
        webhook_server.wait_for(1, timeout=30)
        assert time.monotonic() - started < 30
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    assert len(smtp_server.messages) == 1 and len(webhook_server.bodies) == 1


def test_deliverer_killed_while_sending_sends_once_after_restart(store_db, store_url):
    stalling = StallingServer()
    smtp = SmtpServer()
    try:
        env = _env(store_url, ALERT_EMAIL=STAFF[0], SMTP_URL=stalling.url,
                   ALERT_SEND_TIMEOUT_SECONDS="3")
        worker = _start_worker(env)
        result = intake.submit(urgent_doc())  # committed: the alert is in the outbox

        def claimed() -> bool:
            return any(r.attempts == 1 for r in outbox(store_db))

        wait_until(claimed, 30, lambda: outbox(store_db))
        os.kill(worker.pid, signal.SIGKILL)  # mid-send: the SMTP server has not answered
        worker.wait(timeout=30)
        [row] = outbox(store_db)
        assert row.status == "pending" and row.locked_until is not None

        smtp.start()
        restarted = _start_worker({**env, "SMTP_URL": smtp.url})
        try:
            smtp.wait_for(1, timeout=60)  # once the dead deliverer's lease has run out
            # ... and never a second time: once marked sent, the row is never claimed again
            wait_until(lambda: outbox(store_db)[0].status == "sent", 60, lambda: outbox(store_db))
        finally:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait(timeout=30)
        assert len(smtp.messages) == 1
        [row] = outbox(store_db)
        assert row.status == "sent" and row.attempts == 2
        assert result.public_id in smtp.messages[0].body
        assert [a.details["attempt"] for a in actions(audit.ALERT_SENT)] == [2]
    finally:
        stalling.close()
        smtp.stop()
