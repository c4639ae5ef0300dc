"""Invitations: created with validation, opened with the date of birth (lock-out as for
resume links), one draft per link, the screening tied to the appointment, expiry, CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from services import intake
from store import (
    create_draft,
    get_screening,
    list_audit,
    save_draft,
)
from store import invitations as inv
from store.drafts import MAX_RESUME_FAILURES
from store.models import AuditFilters
from store.schema import utcnow
from tests.conftest import ROOT, make_doc

DOB = date(1985, 6, 15)


def soon(hours: float = 48) -> datetime:
    return (utcnow() + timedelta(hours=hours)).replace(microsecond=0)


def invite(**changes):
    values = {"first_name": "Ann", "last_name": "Lee", "date_of_birth": DOB,
              "appointment_at": soon(), "email": None, **changes}
    return inv.create_invitation(values.pop("first_name"), values.pop("last_name"),
                                 values.pop("date_of_birth"), values.pop("appointment_at"),
                                 values.pop("email"), actor="frontdesk1", **values)


def test_open_prefills_and_the_same_link_reaches_the_same_draft(store_db):
    view, token = invite(email="ann@example.org")
    assert view.status == "not_opened" and view.expires_at == view.appointment_at + inv.EXPIRES_AFTER
    assert inv.open_invitation(token, "1985-06-16") is None
    first = inv.open_invitation(token, "1985-06-15")
    assert first is not None
    assert first.prefilled == {"first_name": "Ann", "last_name": "Lee", "date_of_birth": "1985-06-15"}
    assert first.draft.answers == first.prefilled and first.draft.step == 0
    assert first.email == "ann@example.org" and first.appointment_at == view.appointment_at

    answers = {**first.prefilled, "sex_at_birth": "female"}
    save_draft(first.draft_token, answers, 2, "1985-06-15")
    again = inv.open_invitation(token, DOB)
    assert again.draft_token == first.draft_token and again.draft.draft_id == first.draft.draft_id
    assert again.draft.step == 2 and again.draft.answers["sex_at_birth"] == "female"
    [listed] = inv.list_invitations(actor="frontdesk1")
    assert listed.status == "in_progress"
    opens, _ = list_audit(AuditFilters(action="invitation_open"))
    assert [o.details["ok"] for o in opens] == [True, True, False]  # newest first
    assert all("1985" not in str(o.details) for o in opens)


def test_submitted_screening_is_tied_to_the_appointment_and_the_link_then_shows_it(store_db):
    view, token = invite()
    opened = inv.open_invitation(token, DOB)
    result = intake.submit(make_doc(), draft_token=opened.draft_token)
    detail = get_screening(result.screening_id)
    assert detail.document["answers"]["first_name"] == "Ann"
    from store.schema import ScreeningRow

    with store_db.session(readonly=True) as session:
        row = session.get(ScreeningRow, result.screening_id)
        assert (row.appointment_at, row.invitation_id) == (view.appointment_at, view.id)
    after = inv.open_invitation(token, DOB)
    assert after.draft.submitted and after.draft.answers is None
    [listed] = inv.list_invitations(actor="frontdesk1")
    assert listed.status == "submitted" and listed.screening_id == result.screening_id
    # a walk-in has no appointment
    walk_in = intake.submit(make_doc(first_name="Wal", signature_name="Wal Lee"))
    with store_db.session(readonly=True) as session:
        assert session.get(ScreeningRow, walk_in.screening_id).appointment_at is None


def test_wrong_dates_lock_the_link_like_resume_links(store_db):
    _, token = invite()
    for _ in range(MAX_RESUME_FAILURES):
        assert inv.open_invitation(token, "2000-01-01") is None
    assert inv.open_invitation(token, DOB) is None  # locked, even with the right date
    assert inv.open_invitation("not-a-token", DOB) is None
    assert inv.open_invitation(token + "x", DOB) is None
    assert inv.open_invitation(token, "garbage") is None


def test_link_expires_after_the_appointment_unless_already_sent(store_db):
    view, token = invite()
    later = view.expires_at + timedelta(minutes=1)
    assert inv.open_invitation(token, DOB, now=view.expires_at - timedelta(minutes=1)) is not None
    with pytest.raises(inv.InvitationExpired):
        inv.open_invitation(token, DOB, now=later)
    assert inv.open_invitation(token, "2000-01-01", now=later) is None  # the date is checked first
    [listed] = inv.list_invitations(actor="x", since=utcnow() - timedelta(days=1))
    assert listed.status in ("in_progress", "expired")


@pytest.mark.parametrize(("changes", "message"), [
    ({"first_name": " "}, "first name"),
    ({"last_name": "x" * 101}, "last name"),
    ({"email": "not-an-address"}, "email"),
    ({"date_of_birth": date(1890, 1, 1)}, "date of birth"),
    ({"appointment_at": utcnow() - timedelta(hours=1)}, "future"),
    ({"appointment_at": datetime(2030, 1, 1, 9, 0)}, "time zone"),
])
def test_invalid_invitations_name_the_field(store_db, changes, message):
    with pytest.raises(ValueError, match=message):
        invite(**changes)


def test_appointment_is_read_in_the_clinic_time_zone(monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    when = inv.parse_appointment("2030-12-03 14:00")
    assert when.astimezone(UTC) == datetime(2030, 12, 3, 19, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="YYYY-MM-DD HH:MM"):
        inv.parse_appointment("3 Dec 2030 2pm")


def test_a_draft_token_of_another_draft_is_not_an_invitation(store_db):
    _, draft_token = create_draft()
    assert inv.open_invitation(draft_token, DOB) is None


def test_invite_command_prints_a_working_link(store_db, store_url):
    env = {**os.environ, "DATABASE_URL": store_url, "APP_BASE_URL": "https://screening.clinic.test",
           "CLINIC_TIMEZONE": "America/New_York"}
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    proc = subprocess.run([sys.executable, "-m", "store", "invite", "--first-name", "Ann",
                           "--last-name", "Lee", "--dob", "1985-06-15", "--appointment",
                           f"{day} 14:00", "--email", "ann@example.org"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"for {day} 14:00 (EST)" in proc.stdout
    token = re.search(r"^https://screening\.clinic\.test/\?invite=(\S+)$", proc.stdout, re.M).group(1)
    assert inv.open_invitation(token, DOB) is not None
    bad = subprocess.run([sys.executable, "-m", "store", "invite", "--first-name", "Ann",
                          "--last-name", "Lee", "--dob", "15/06/1985", "--appointment",
                          f"{day} 14:00"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 1 and "--dob" in bad.stderr


def test_the_draft_is_made_with_the_invitation_in_the_chosen_language(store_db):
    """The front desk's language lives in the invitation's draft, as a patient's own choice
    does: the link's page opens in it before the date of birth, and opening keeps it."""
    _, spanish = invite(language="es")
    _, english = invite(first_name="Bo")
    assert inv.invitation_language(spanish) == "es"
    assert inv.invitation_language(english) == "en"
    assert inv.invitation_language("not-a-token") is None
    assert [(v.first_name, v.language) for v in inv.list_invitations(actor="x")] == [
        ("Ann", "es"), ("Bo", "en")]
    opened = inv.open_invitation(spanish, DOB)
    assert opened.draft.answers == {**opened.prefilled, "_language": "es"}
    assert "_language" not in inv.open_invitation(english, DOB).draft.answers
    save_draft(opened.draft_token, {**opened.prefilled, "sex_at_birth": "female"}, 1)
    assert inv.invitation_language(spanish) == "en"  # the patient switched to English since
    assert [v.language for v in inv.list_invitations(actor="x")] == ["en", "en"]
    created, _ = list_audit(AuditFilters(action="draft_create"))
    assert {c.actor for c in created} == {"frontdesk1"} and len(created) == 2


@pytest.mark.parametrize("language", ["fr", "ES", "", "english"])
def test_an_unknown_language_is_refused_naming_the_allowed_ones(store_db, language):
    with pytest.raises(ValueError, match=r"language must be one of: en \(English\), es \(Español\)"):
        invite(language=language)
    assert inv.list_invitations(actor="x") == []


def test_a_waiting_invitations_draft_outlives_the_stale_draft_purge(store_db):
    """An appointment booked weeks ahead: the draft made with the invitation (the clinic's
    record and the language, nothing typed) stays until the link is opened or expires."""
    from store import purge_stale_drafts

    _, token = invite(appointment_at=soon(hours=90 * 24), language="es")
    create_draft()  # a walk-in's draft of the same day
    month = utcnow() + timedelta(days=31)
    assert purge_stale_drafts(now=month) == 1  # the walk-in's only
    assert inv.invitation_language(token) == "es"
    assert inv.open_invitation(token, DOB, now=month).draft.answers["_language"] == "es"
    # opened: an ordinary draft from then on, started that day
    assert purge_stale_drafts(now=month + timedelta(days=29)) == 0
    assert purge_stale_drafts(now=month + timedelta(days=31)) == 1


@pytest.mark.parametrize("sent_in", ["es", "en"])
def test_the_list_shows_the_language_a_screening_was_sent_in(store_db, sent_in):
    _, token = invite(language="es")
    opened = inv.open_invitation(token, DOB)
    intake.submit(make_doc(), draft_token=opened.draft_token, language=sent_in)
    [listed] = inv.list_invitations(actor="frontdesk1")
    assert listed.status == "submitted" and listed.language == sent_in
