"""Notes, contacts and hand-offs: append-only (the database refuses changes), audited
without the text, refused with a clear message when the input is bad."""

from __future__ import annotations

import pytest
from sqlalchemy import text

import store as db
from services import intake
from tests.conftest import make_doc

PASSWORD = "correct horse battery"


@pytest.fixture
def screening(store_db) -> int:
    db.create_user("doc", PASSWORD, "clinician")
    db.create_user("nurse", PASSWORD, "clinician")
    return intake.submit(make_doc(glaucoma="yes")).screening_id


def test_notes_and_contacts_form_one_thread_oldest_first(screening):
    first = db.add_note(screening, "doc", "  called patient, BP recheck on arrival ")
    contact = db.add_note(screening, "nurse", "no answer, left message", channel="voicemail")
    bare = db.add_note(screening, "nurse", "", channel="phone")
    thread = db.list_notes(screening)
    assert [n.id for n in thread] == [first.id, contact.id, bare.id]
    assert thread[0].body == "called patient, BP recheck on arrival" and thread[0].kind == "note"
    assert (thread[1].kind, thread[1].channel, thread[1].author) == ("contact", "voicemail", "nurse")
    assert thread[2].body == ""


def test_every_note_is_audited_without_its_text(screening):
    db.add_note(screening, "doc", "Patient says her sister Maria drives")
    db.add_note(screening, "doc", "", channel="sms")
    rows, _ = db.list_audit(db.AuditFilters(target=f"screening:{screening}"))
    actions = [r.action for r in rows]
    assert "note_add" in actions and "contact_log" in actions
    assert "Maria" not in repr(rows)


@pytest.mark.parametrize(("body", "channel", "message"), [
    ("", None, "empty"),
    ("   ", None, "empty"),
    ("x" * 4001, None, "limit"),
    ("bell\x07", None, "control"),
    ("ok", "fax", "channel must be one of"),
])
def test_bad_notes_are_refused_and_nothing_is_saved(screening, body, channel, message):
    with pytest.raises(db.NoteRefused, match=message):
        db.add_note(screening, "doc", body, channel=channel)
    assert db.list_notes(screening) == []


def test_unknown_or_inactive_accounts_and_screenings_are_refused(screening):
    db.set_user_active("nurse", False, actor="doc")
    with pytest.raises(db.NoteRefused, match="active"):
        db.add_note(screening, "nurse", "hello")
    with pytest.raises(db.NoteRefused, match="active"):
        db.assign(screening, "nurse", by="doc")
    with pytest.raises(db.ScreeningNotFound):
        db.add_note(999, "doc", "hello")


def test_front_desk_accounts_neither_write_notes_nor_take_screenings(screening):
    db.create_user("desk", PASSWORD, "front_desk")
    with pytest.raises(db.NoteRefused, match="clinician"):
        db.add_note(screening, "desk", "hello")
    with pytest.raises(db.NoteRefused, match="clinician"):
        db.assign(screening, "desk", by="doc")
    with pytest.raises(db.NoteRefused, match="clinician"):
        db.assign(screening, "doc", by="desk")
    assert db.list_notes(screening) == [] and db.assignment_history(screening) == []


@pytest.mark.parametrize("statement", ["UPDATE screening_notes SET body = 'changed'",
                                       "DELETE FROM screening_notes",
                                       "UPDATE screening_assignments SET assignee_id = NULL",
                                       "DELETE FROM screening_assignments"])
def test_the_database_refuses_to_change_notes_or_hand_offs(store_db, screening, statement):
    db.add_note(screening, "doc", "original")
    db.assign(screening, "nurse", by="doc")
    with pytest.raises(Exception, match="append-only"), store_db.engine.begin() as conn:
        conn.execute(text(statement))
    assert db.list_notes(screening)[0].body == "original"
    assert db.current_assignee(screening) == "nurse"


def test_hand_offs_keep_history_and_drive_the_assigned_to_me_filter(screening):
    other = intake.submit(make_doc(first_name="Bo", last_name="Other",
                                         signature_name="Bo Other")).screening_id
    db.assign(screening, "nurse", by="doc")
    db.assign(screening, "doc", by="nurse")
    db.assign(other, "nurse", by="doc")
    assert db.current_assignee(screening) == "doc"
    assert db.get_screening(screening).assigned_to == "doc"
    history = db.assignment_history(screening)
    assert [(h.assignee, h.assigned_by) for h in history] == [("nurse", "doc"), ("doc", "nurse")]
    mine, total = db.list_queue(db.QueueFilters(assigned_to="DOC"))
    assert total == 1 and mine[0].id == screening and mine[0].assigned_to == "doc"
    nurse, _ = db.list_queue(db.QueueFilters(assigned_to="nurse"))
    assert [r.id for r in nurse] == [other]
    db.assign(screening, None, by="doc")
    assert db.current_assignee(screening) is None
    assert db.list_queue(db.QueueFilters(assigned_to="doc"))[1] == 0
    audits = db.list_audit(db.AuditFilters(action="assign"))[0]
    assert len(audits) == 4 and audits[0].details["assignee"] is None
