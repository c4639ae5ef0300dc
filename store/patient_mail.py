"""Emails to patients: the invitation, "email me a link to continue", and the reminder the
day before with the preparation times. They carry no health information: the clinic's name
(``CLINIC_NAME``), the appointment time, the preparation times and a link, never a name or
an answer. Each send is audited (the address itself is not logged)."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select

from core.vocab import AuditAction
from forms.clock import clinic_timezone
from forms.i18n import DEFAULT as DEFAULT_LANGUAGE
from forms.i18n import Text
from forms.intake_state import known_language
from forms.prep import capitalised, clock, day, prep_times
from store import audit
from store.db import Store, get_store
from store.drafts import DRAFT_LANGUAGE
from store.invitations import INVITATION_LANGUAGE, with_draft_and_screening
from store.mailer import MailError, MailNotConfigured, send_email, smtp_settings
from store.schema import DraftRow, InvitationRow, utcnow

log = logging.getLogger(__name__)

SendResult = Literal["sent", "not_configured", "failed", "no_address"]
CONTINUE_EMAIL: AuditAction = "continue_email"
REMINDER_EMAIL: AuditAction = "reminder_email"


def clinic_name(language: str = DEFAULT_LANGUAGE) -> str:
    """``CLINIC_NAME``, else "Your clinic" in the patient's language."""
    return os.environ.get("CLINIC_NAME", "").strip() or Text(language).ui("clinic_default")


def email_configured() -> bool:
    try:
        return smtp_settings() is not None
    except ValueError:
        return False


def when_text(appointment_at: datetime, language: str = DEFAULT_LANGUAGE) -> str:
    """'Thursday 3 December at 2:00 pm' in the clinic's time zone."""
    local = appointment_at.astimezone(clinic_timezone())
    return Text(language).ui("when", day=day(local, language), time=clock(local, language))


def invitation_message(appointment_at: datetime, link: str,
                       language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    tx, name = Text(language), clinic_name(language)
    return (tx.ui("mail_invitation_subject", clinic=name),
            tx.ui("mail_invitation_body", clinic=name, when=when_text(appointment_at, language),
                  link=link))


def continue_message(link: str, language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    tx, name = Text(language), clinic_name(language)
    return (tx.ui("mail_continue_subject", clinic=name),
            tx.ui("mail_continue_body", clinic=name, link=link))


def reminder_message(appointment_at: datetime, language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    tx, name = Text(language), clinic_name(language)
    return (tx.ui("mail_reminder_subject", clinic=name),
            tx.ui("mail_reminder_body", clinic=name, when=when_text(appointment_at, language),
                  prep=capitalised(prep_times(appointment_at).sentence(language))))


def _send(address: str, message: tuple[str, str]) -> SendResult:
    try:
        send_email([address], *message)
    except MailNotConfigured:
        return "not_configured"
    except (MailError, ValueError) as err:
        log.warning("patient email not sent: %s", err)
        return "failed"
    return "sent"


def send_invitation_email(invitation_id: int, link: str, *, actor: str,
                          store: Store | None = None) -> SendResult:
    """Email the invitation's link to its address (the token is in ``link`` only), in the
    language its draft keeps (the front desk's choice, or the patient's since)."""
    store = store or get_store()
    with store.session(readonly=True) as session:
        found = session.execute(
            select(InvitationRow.email, InvitationRow.appointment_at, DRAFT_LANGUAGE)
            .outerjoin(DraftRow, DraftRow.id == InvitationRow.draft_id)
            .where(InvitationRow.id == invitation_id)).first()
        if found is None or not found.email:
            return "no_address"
        address, appointment, language = found
    result = _send(address, invitation_message(appointment, link, known_language(language)))
    audit.record_audit(actor, audit.INVITATION_EMAIL, audit.target_of("invitation", invitation_id),
                       {"result": result}, store=store)
    return result


def send_continue_email(address: str, link: str, *, target: str | None, language: str = DEFAULT_LANGUAGE,
                        store: Store | None = None) -> SendResult:
    """The patient's own "email me a link to continue", in the language they are using."""
    if not address or "@" not in address:
        return "no_address"
    result = _send(address.strip(), continue_message(link, language))
    audit.record_audit("patient", CONTINUE_EMAIL, target, {"result": result}, store=store)
    return result


def send_reminders(*, now: datetime | None = None, store: Store | None = None) -> dict[str, int]:
    """Email every invited patient whose appointment is tomorrow (clinic day) once."""
    store = store or get_store()
    zone = clinic_timezone()
    today = (now or utcnow()).astimezone(zone).date()
    start = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    end = start + timedelta(days=1)
    counts = {"sent": 0, "failed": 0, "not_configured": 0}
    with store.session(readonly=True) as session:
        due = session.execute(with_draft_and_screening(
            select(InvitationRow.id, InvitationRow.email, InvitationRow.appointment_at,
                   INVITATION_LANGUAGE))
            .where(InvitationRow.appointment_at >= start, InvitationRow.appointment_at < end,
                   InvitationRow.email.is_not(None), InvitationRow.reminded_at.is_(None))).all()
    for invitation_id, address, appointment, language in due:
        result = _send(str(address), reminder_message(appointment, known_language(language)))
        counts[result if result in counts else "failed"] += 1
        with store.session() as session:
            if result == "sent":
                row = session.get(InvitationRow, invitation_id)
                if row is not None:
                    row.reminded_at = utcnow()
            audit.write_audit(session, "system", REMINDER_EMAIL,
                              audit.target_of("invitation", invitation_id), {"result": result})
        if result == "not_configured":
            break
    return counts
