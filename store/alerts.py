"""Urgent alerts: a durable outbox and the deliverer that empties it.

A submitted screening with an urgent flag gets an ``alert_outbox`` row in the same
transaction (``enqueue_urgent_alert``), however it arrived (the app, ``store import``, a
re-evaluation). A deliverer (a thread in each app process, and ``python -m store
deliver-alerts`` as a separate worker) sends due alerts to ``ALERT_EMAIL`` through the SMTP
server of ``SMTP_URL`` and/or as a JSON POST to ``ALERT_WEBHOOK_URL``; a failed channel is
retried with exponential back-off (1 s, 2 s, 4 s, ... at most ``ALERT_RETRY_MAX_SECONDS``)
until it succeeds, and every delivery and failure is written to the audit log. A deliverer
leases the rows it sends (``locked_until``), so several can run at once; a process killed
while sending leaves the lease to expire and the alert is sent by the next one.

An alert says only: urgent, the rule ids, when, and a link to the screening (sign-in
required). Never a patient name, birth date or answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict
from sqlalchemy import CursorResult, and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from forms.clock import clinic_timezone
from store import audit
from store.db import Store, get_store
from store.mailer import MailError, SmtpSettings, is_loopback, send_email, send_timeout, smtp_settings
from store.schema import AlertRow, ScreeningRow, utcnow

log = logging.getLogger(__name__)

URGENT_SCREENING = "urgent_screening"
CHANNELS: tuple[str, ...] = ("email", "webhook")
SYSTEM = "system"
DEFAULT_BASE_URL = "http://127.0.0.1:8501"
DEFAULT_RETRY_MAX_S = 300.0
POLL_INTERVAL_S = 2.0
BATCH = 20

# Woken after a commit that queued an alert, so the in-process deliverer sends at once.
_wake = threading.Event()


class AlertSettingsError(ValueError):
    """A malformed alert setting (the message names the variable)."""


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go; read from the environment by ``from_env``."""

    emails: tuple[str, ...] = ()
    webhook_url: str | None = None
    smtp: SmtpSettings | None = None
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 20.0
    retry_max: float = DEFAULT_RETRY_MAX_S
    problems: tuple[str, ...] = field(default=())

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels that can deliver now."""
        chosen = []
        if self.emails and self.smtp is not None:
            chosen.append("email")
        if self.webhook_url:
            chosen.append("webhook")
        return tuple(chosen)

    @property
    def lease(self) -> timedelta:
        """How long a deliverer may hold an alert it is sending: every channel's time-out."""
        return timedelta(seconds=self.timeout * 3 + 5)

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.retry_max, 2.0 ** max(0, attempts - 1)))

    @classmethod
    def from_env(cls) -> AlertSettings:
        emails = tuple(a.strip() for a in os.environ.get("ALERT_EMAIL", "").replace(";", ",")
                       .split(",") if a.strip())
        for address in emails:
            if "@" not in address or any(c.isspace() for c in address):
                raise AlertSettingsError("ALERT_EMAIL must be email addresses separated by commas")
        webhook = os.environ.get("ALERT_WEBHOOK_URL", "").strip() or None
        if webhook is not None:
            check_webhook_url(webhook)
        try:
            smtp = smtp_settings()
        except ValueError as err:
            raise AlertSettingsError(str(err)) from None
        base = app_base_url()
        try:
            retry_max = max(1.0, float(os.environ.get("ALERT_RETRY_MAX_SECONDS",
                                                      DEFAULT_RETRY_MAX_S)))
        except ValueError:
            raise AlertSettingsError("ALERT_RETRY_MAX_SECONDS must be a number") from None
        problems: tuple[str, ...] = ()
        if emails and smtp is None:
            problems = ("ALERT_EMAIL is set but SMTP_URL is not: alerts cannot be emailed",)
        return cls(emails=emails, webhook_url=webhook, smtp=smtp, base_url=base,
                   timeout=send_timeout(), retry_max=retry_max, problems=problems)


def app_base_url() -> str:
    """The app's public address for links (``APP_BASE_URL``)."""
    return (os.environ.get("APP_BASE_URL", "").strip() or DEFAULT_BASE_URL).rstrip("/")


def check_webhook_url(url: str) -> None:
    """HTTPS, or plain HTTP to this machine only (a local relay or a test)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return
    raise AlertSettingsError("ALERT_WEBHOOK_URL must be an https:// URL "
                             "(plain http:// only to localhost)")


def alerting_configured() -> bool:
    """Whether urgent alerts can reach someone (for the patient's confirmation page)."""
    try:
        return bool(AlertSettings.from_env().channels)
    except AlertSettingsError:
        return False


# --- queueing ---------------------------------------------------------------------------

def _dedupe_key(kind: str, screening_id: int, rule_ids: Sequence[str]) -> str:
    rules = ",".join(sorted(set(rule_ids)))
    digest = hashlib.sha256(rules.encode()).hexdigest()[:32]
    return f"{kind}:{screening_id}:{digest}"


def enqueue_urgent_alert(session: Session, screening_id: int, rule_ids: Sequence[str], *,
                         actor: str = SYSTEM) -> int | None:
    """Queue an urgent alert for a screening in the caller's transaction.

    Committed (or rolled back) with the caller's work, so an urgent screening is never
    stored without its alert. The same screening with the same urgent rules is queued once
    (returns None the second time); a re-evaluation raising other urgent rules queues a
    new alert. Returns the alert id.
    """
    rules = sorted(set(rule_ids))
    if not rules:
        raise ValueError("an urgent alert needs at least one rule id")
    key = _dedupe_key(URGENT_SCREENING, screening_id, rules)
    if session.scalar(select(AlertRow.id).where(AlertRow.dedupe_key == key)) is not None:
        return None
    now = utcnow()
    row = AlertRow(screening_id=screening_id, kind=URGENT_SCREENING, dedupe_key=key,
                   rule_ids=rules, created_at=now, status="pending", attempts=0,
                   next_attempt_at=now)
    session.add(row)
    session.flush()
    audit.write_audit(session, actor, audit.ALERT_QUEUED, audit.target_of("screening", screening_id),
                      {"alert_id": row.id, "rule_ids": rules})
    event.listen(session, "after_commit", lambda _s: _wake.set(), once=True)
    return row.id


def wake() -> None:
    """Ask the in-process deliverer to look at the outbox now."""
    _wake.set()


# --- what an alert says -----------------------------------------------------------------

class AlertMessage(BaseModel):
    """Everything an alert carries: no patient name, birth date or answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    alert_id: int
    kind: str
    urgency: str
    rule_ids: tuple[str, ...]
    submitted_at: datetime
    queued_at: datetime
    link: str

    def clinic_time(self) -> str:
        local = self.submitted_at.astimezone(clinic_timezone())
        return f"{local:%A %d %B %Y, %H:%M} ({local.tzname()})"

    def subject(self) -> str:
        return "URGENT: a screening needs same-day contact"

    def text(self) -> str:
        return (f"A screening submitted {self.clinic_time()} raised an urgent flag "
                f"({', '.join(self.rule_ids)}). Contact the patient today.\n\n"
                f"Open it (staff sign-in required): {self.link}\n\n"
                f"This alert holds no patient details by design. Alert {self.alert_id}.\n")

    def webhook_json(self) -> dict[str, Any]:
        return {"text": self.text(), "alert_id": self.alert_id, "kind": self.kind,
                "urgency": self.urgency, "rule_ids": list(self.rule_ids),
                "submitted_at": self.submitted_at.isoformat(),
                "queued_at": self.queued_at.isoformat(), "link": self.link}


def screening_link(base_url: str, public_id: str) -> str:
    return f"{base_url.rstrip('/')}/staff?screening={public_id}"


# --- sending ----------------------------------------------------------------------------

def post_webhook(url: str, payload: dict[str, Any], timeout: float) -> None:
    """POST JSON; any answer but 2xx is a failure. Raises MailError (the retryable kind)."""
    check_webhook_url(url)
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 - checked
        "Content-Type": "application/json", "User-Agent": "screening-alerts/1",
        "Idempotency-Key": f"alert-{payload.get('alert_id')}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - checked
            status = response.status
    except urllib.error.HTTPError as err:
        raise MailError(f"webhook answered HTTP {err.code}") from None
    except (OSError, ValueError) as err:
        raise MailError(f"webhook {type(err).__name__}") from None
    if not 200 <= status < 300:
        raise MailError(f"webhook answered HTTP {status}")


def _send(channel: str, message: AlertMessage, settings: AlertSettings) -> None:
    if channel == "email":
        send_email(list(settings.emails), message.subject(), message.text(),
                   settings=settings.smtp, message_id=f"alert-{message.alert_id}")
    elif settings.webhook_url is not None:
        post_webhook(settings.webhook_url, message.webhook_json(), settings.timeout)


@dataclass
class DeliveryReport:
    sent: int = 0  # alerts now fully delivered
    failed: int = 0  # alerts with a channel that failed this time (retried later)
    pending: int = 0  # alerts still waiting after this round
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    rule_ids: tuple[str, ...]
    attempts: int
    created_at: datetime
    submitted_at: datetime
    public_id: str
    done: frozenset[str]


def _due(now: datetime) -> Any:
    return and_(AlertRow.status == "pending", AlertRow.next_attempt_at <= now,
                or_(AlertRow.locked_until.is_(None), AlertRow.locked_until < now))


def _claim(store: Store, now: datetime, lease: timedelta) -> list[_Claimed]:
    """Lease up to BATCH due alerts; a row another deliverer leased meanwhile is skipped."""
    claimed: list[_Claimed] = []
    with store.session() as session:
        ids = session.scalars(select(AlertRow.id).where(_due(now))
                              .order_by(AlertRow.next_attempt_at, AlertRow.id).limit(BATCH)).all()
        for alert_id in ids:
            taken = cast("CursorResult[Any]", session.execute(
                update(AlertRow).where(AlertRow.id == alert_id, _due(now))
                .values(locked_until=now + lease, attempts=AlertRow.attempts + 1)
            )).rowcount
            if not taken:
                continue
            row, submitted_at, public_id = session.execute(
                select(AlertRow, ScreeningRow.submitted_at, ScreeningRow.public_id)
                .join(ScreeningRow, ScreeningRow.id == AlertRow.screening_id)
                .where(AlertRow.id == alert_id)).one()
            done = frozenset(c for c in CHANNELS if getattr(row, f"{c}_sent_at") is not None)
            claimed.append(_Claimed(row.id, row.kind, tuple(row.rule_ids), row.attempts,
                                    row.created_at, submitted_at, public_id, done))
    return claimed


def _record(store: Store, alert: _Claimed, channels: tuple[str, ...], sent: list[str],
            failures: dict[str, str], settings: AlertSettings) -> bool:
    """Write the outcome of one attempt and its audit rows; True when fully delivered."""
    now = utcnow()
    target = f"alert:{alert.id}"
    complete = not failures and all(c in alert.done or c in sent for c in channels)
    with store.session() as session:
        values: dict[str, Any] = {f"{c}_sent_at": now for c in sent}
        values["locked_until"] = None
        if complete:
            values.update(status="sent", sent_at=now, last_error=None)
        else:
            values.update(next_attempt_at=now + settings.backoff(alert.attempts),
                          last_error="; ".join(f"{c}: {e}" for c, e in failures.items())[:200])
        session.execute(update(AlertRow).where(AlertRow.id == alert.id).values(**values))
        for channel in sent:
            audit.write_audit(session, SYSTEM, audit.ALERT_SENT, target, {
                "channel": channel, "attempt": alert.attempts, "screening": alert.public_id,
                "rule_ids": list(alert.rule_ids),
                **({"recipients": len(settings.emails)} if channel == "email" else {})})
        for channel, error in failures.items():
            audit.write_audit(session, SYSTEM, audit.ALERT_FAILED, target, {
                "channel": channel, "attempt": alert.attempts, "error": error,
                "retry_in_seconds": int(settings.backoff(alert.attempts).total_seconds())})
    return complete


def deliver_due(settings: AlertSettings | None = None, *, store: Store | None = None,
                now: datetime | None = None) -> DeliveryReport:
    """Send every alert that is due now, once each; returns what happened.

    Without any usable channel nothing is claimed: the alerts wait (and a warning is
    logged), so configuring a channel later still delivers them.
    """
    settings = settings or AlertSettings.from_env()
    store = store or get_store()
    report = DeliveryReport()
    channels = settings.channels
    if not channels:
        report.pending = pending_count(store=store)
        if report.pending:
            log.warning("%s urgent alerts waiting: no alert channel is configured "
                        "(ALERT_EMAIL with SMTP_URL, or ALERT_WEBHOOK_URL)", report.pending)
        return report
    while True:
        batch = _claim(store, now or utcnow(), settings.lease)
        if not batch:
            break
        for alert in batch:
            message = AlertMessage(
                alert_id=alert.id, kind=alert.kind, urgency="urgent", rule_ids=alert.rule_ids,
                submitted_at=alert.submitted_at, queued_at=alert.created_at,
                link=screening_link(settings.base_url, alert.public_id))
            sent: list[str] = []
            failures: dict[str, str] = {}
            for channel in channels:
                if channel in alert.done:
                    continue
                try:
                    _send(channel, message, settings)
                except (MailError, ValueError) as err:
                    failures[channel] = str(err)[:120]
                    log.warning("alert %s: %s delivery failed (attempt %s): %s", alert.id,
                                channel, alert.attempts, failures[channel])
                else:
                    sent.append(channel)
                    log.info("alert %s sent by %s", alert.id, channel)
            if _record(store, alert, channels, sent, failures, settings):
                report.sent += 1
            else:
                report.failed += 1
                report.errors.extend(failures.values())
        if now is not None:
            break  # a fixed clock: one round (tests)
    report.pending = pending_count(store=store)
    return report


def pending_count(*, store: Store | None = None) -> int:
    with (store or get_store()).session(readonly=True) as session:
        return int(session.scalar(select(func.count()).select_from(AlertRow)
                                  .where(AlertRow.status == "pending")) or 0)


def run_deliverer(stop: threading.Event, *, store: Store | None = None,
                  settings: AlertSettings | None = None,
                  interval: float = POLL_INTERVAL_S) -> None:
    """Deliver until ``stop`` is set: every ``interval`` seconds, and at once when woken."""
    settings = settings or AlertSettings.from_env()
    for problem in settings.problems:
        log.warning(problem)
    while not stop.is_set():
        _wake.clear()
        try:
            deliver_due(settings, store=store or get_store())
        except Exception:  # the database may be down for a moment: keep the deliverer alive
            log.exception("alert delivery round failed; retrying")
        _wake.wait(interval)


_thread: threading.Thread | None = None
_thread_lock = threading.Lock()
_stop = threading.Event()


def start_in_process_deliverer(*, store: Store | None = None) -> bool:
    """Start the deliverer thread of this process once; False when it is not started
    (``ALERT_DELIVERY_IN_APP=0``, no channel configured, or a malformed setting)."""
    global _thread
    if os.environ.get("ALERT_DELIVERY_IN_APP", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    try:
        settings = AlertSettings.from_env()
    except AlertSettingsError as err:
        log.error("urgent alerts are not delivered: %s", err)
        return False
    if not settings.channels:
        for problem in settings.problems:
            log.warning(problem)
        log.warning("no alert channel configured (ALERT_EMAIL with SMTP_URL, or "
                    "ALERT_WEBHOOK_URL): urgent screenings reach staff only in the queue")
        return False
    with _thread_lock:
        if _thread is not None and _thread.is_alive():
            return True
        _stop.clear()
        _thread = threading.Thread(target=run_deliverer, args=(_stop,),
                                   kwargs={"store": store, "settings": settings},
                                   name="alert-deliverer", daemon=True)
        _thread.start()
    log.info("alert deliverer started (%s)", ", ".join(settings.channels))
    return True


def stop_in_process_deliverer(timeout: float = 10.0) -> None:
    global _thread
    with _thread_lock:
        thread, _thread = _thread, None
    _stop.set()
    _wake.set()
    if thread is not None:
        thread.join(timeout)


def alerts_for(screening_id: int, *, store: Store | None = None) -> list[dict[str, Any]]:
    """The alerts of one screening (for staff pages and tests): status and channels."""
    with (store or get_store()).session(readonly=True) as session:
        rows: Iterable[AlertRow] = session.scalars(
            select(AlertRow).where(AlertRow.screening_id == screening_id).order_by(AlertRow.id))
        return [{"id": r.id, "status": r.status, "attempts": r.attempts, "rule_ids": r.rule_ids,
                 "email_sent_at": r.email_sent_at, "webhook_sent_at": r.webhook_sent_at,
                 "sent_at": r.sent_at, "last_error": r.last_error} for r in rows]
