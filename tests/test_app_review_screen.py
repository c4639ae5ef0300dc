"""The detail page as a decision screen (AppTest): acknowledgement boxes in words, the
guard rail on clearing, tap-to-call links, flagged answers marked, and a screening opened
from its link."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import store as db
from services import intake
from tests.apptest_helpers import answer_rows, errors, html_texts, staff_app, texts
from tests.conftest import make_doc

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def database(store_db):
    db.create_user("dr_grey", PASSWORD, "clinician")
    return store_db


def signed_in() -> AppTest:
    return staff_app("dr_grey")


def open_screening(screening_id: int) -> AppTest:
    at = signed_in()
    at.button(key=f"open_{screening_id}").click().run()
    return at


def submit(**answers) -> db.SubmitResult:
    return intake.submit(make_doc(**answers))


def reason_of(rule_id: str) -> str:
    from rules.engine import get_engine

    return next(r.reason for r in get_engine().catalogue.rules if r.id == rule_id)


def test_acknowledgement_boxes_show_each_reason_in_words():
    sid = submit(glaucoma="yes", pregnant="yes", meds=["Xanax 0.5mg"]).screening_id
    at = open_screening(sid)
    for rule_id in ("pregnancy", "glaucoma", "benzodiazepine"):
        label = at.checkbox(key=f"ack_{rule_id}").label.replace("\\", "")
        assert label.startswith(reason_of(rule_id)), label  # the reason, not the rule code


def test_clearing_with_an_open_review_flag_asks_for_confirmation_naming_it():
    sid = submit(glaucoma="yes").screening_id
    at = open_screening(sid)
    at.radio(key="decision").set_value("cleared")
    at.button(key="record_review").click().run()
    assert db.get_screening(sid).reviews == ()  # nothing recorded yet
    warning = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "still open" in warning and reason_of("glaucoma")[:20] in warning
    at.checkbox(key="confirm_clear").check()
    at.button(key="record_review").click().run()
    assert "Review recorded." in texts(at), errors(at)
    detail = db.get_screening(sid)
    assert detail.review_status == "cleared"
    audit = db.list_audit(db.AuditFilters(action="review"))[0][0]
    assert audit.details["cleared_with_open_flags"] == ["glaucoma"]


def test_acknowledged_flags_need_no_confirmation_to_clear():
    sid = submit(glaucoma="yes").screening_id
    at = open_screening(sid)
    at.checkbox(key="ack_glaucoma").check()
    at.radio(key="decision").set_value("cleared")
    at.button(key="record_review").click().run()
    assert "Review recorded." in texts(at)
    assert db.get_screening(sid).review_status == "cleared"


def test_a_missing_required_acknowledgement_is_named_by_its_reason():
    sid = submit(pregnant="yes").screening_id
    at = open_screening(sid)
    at.radio(key="decision").set_value("needs_follow_up")
    at.button(key="record_review").click().run()
    assert any(reason_of("pregnancy")[:20] in e for e in errors(at))


def test_contact_details_are_tap_to_call_and_email_links():
    sid = submit(phone="+1 (555) 123-4567", email="ann.lee@example.com").screening_id
    at = open_screening(sid)
    contact = next(str(h.body) for h in at.html if "tel:" in str(h.body))
    assert '<a href="tel:+15551234567">+1 (555) 123-4567</a>' in contact
    assert '<a href="mailto:ann.lee@example.com">ann.lee@example.com</a>' in contact
    assert not any("tel:" in m.value for m in at.markdown)  # never through markdown


def test_without_contact_details_the_page_says_so():
    at = open_screening(submit().screening_id)
    page = texts(at)
    assert "no phone given" in page and "no email given" in page
    assert "Appointment: none booked (walk-in)" in page


def test_answers_that_raised_a_flag_are_marked():
    sid = submit(glaucoma="yes", bipolar_disorder="yes").screening_id
    at = open_screening(sid)
    marked = {}
    for element in at.html:
        body = str(element.body)
        for flag, question in zip(answer_rows(body, "Flag"), answer_rows(body, "Question"), strict=True):
            if flag:
                marked[question] = flag
    flagged = " ".join(marked.values())
    assert "glaucoma" in flagged and "bipolar" in flagged
    assert len(marked) == 2, marked  # nothing else is marked


def test_a_screening_opens_from_its_link():
    result = submit(first_name="Lina", last_name="Link", signature_name="Lina Link")
    at = signed_in()
    at.query_params["id"] = result.public_id
    at.switch_page("app_pages/screening.py").run()
    assert "Link, Lina" in texts(at).replace("\\", "")
    views = db.list_audit(db.AuditFilters(action="screening_view"))[0]
    assert [v.target for v in views] == [f"screening:{result.screening_id}"]


@pytest.mark.parametrize("bad", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_link_says_so_and_shows_no_patient(bad):
    submit(first_name="Hidden", last_name="Patient", signature_name="Hidden Patient")
    at = signed_in()
    at.query_params["id"] = bad
    at.switch_page("app_pages/screening.py").run()
    assert any("No screening has this link" in e for e in errors(at))
    assert "Hidden" not in texts(at)


def test_notes_and_contacts_are_added_to_the_thread_and_shown_as_text():
    sid = submit(glaucoma="yes").screening_id
    at = open_screening(sid)
    at.text_area(key="note_body").input("Called patient, BP recheck on arrival **now**")
    at.button(key="note_add").click().run()
    assert "Added to the record." in texts(at)
    at.segmented_control(key="note_kind").set_value("voicemail")
    at.text_area(key="note_body").input("")
    at.button(key="note_add").click().run()
    shown = [t.value for t in at.text]
    assert "Called patient, BP recheck on arrival **now**" in shown  # as typed, not markup
    thread = db.list_notes(sid)
    assert [(n.kind, n.channel) for n in thread] == [("note", None), ("contact", "voicemail")]
    assert "Left a voicemail" in texts(at)


def test_an_empty_note_is_refused_with_a_message():
    sid = submit().screening_id
    at = open_screening(sid)
    at.button(key="note_add").click().run()
    assert any("empty" in e for e in errors(at))
    assert db.list_notes(sid) == []


def test_assign_to_me_and_the_assigned_to_me_filter():
    mine = submit(glaucoma="yes").screening_id
    submit(first_name="Otto", last_name="Other", signature_name="Otto Other")
    at = open_screening(mine)
    at.button(key="assign_me").click().run()
    assert db.current_assignee(mine) == "dr_grey"
    assert "Assigned to **dr\\_grey**" in texts(at) or "Assigned to **dr_grey**" in texts(at)
    queue = signed_in()
    def names(at: AppTest) -> list[str]:
        return [t for t in html_texts(at) if t.startswith(("Lee, Ann", "Other, Otto"))]
    assert len(names(queue)) == 2
    queue.toggle(key="f_mine").set_value(True).run()
    rows = names(queue)
    assert len(rows) == 1 and "Lee, Ann" in rows[0]
