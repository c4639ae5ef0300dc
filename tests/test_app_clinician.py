"""Clinician pages in AppTest: sign-in and lockout, access by role, queue order and
filters, the review with its acknowledgement rule, and the audit rows all of it writes."""

from __future__ import annotations

from datetime import datetime

import pytest
from streamlit.testing.v1 import AppTest

import store as db
from forms.intake_state import IntakeState
from services import intake
from tests.apptest_helpers import answer_rows, errors, html_texts, staff_app, texts
from tests.conftest import make_doc

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def database(store_db):
    db.create_user("dr_grey", PASSWORD, "clinician")
    db.create_user("admin_ann", PASSWORD, "admin")
    return store_db


def app(user: str | None = None, role: str = "clinician") -> AppTest:
    return staff_app(user, role)


def login(at: AppTest, username: str, password: str) -> AppTest:
    at.switch_page("app_pages/staff_login.py").run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    return at


def seed() -> dict[str, int]:
    """Four screenings submitted in this order (oldest first)."""
    docs = {
        "review_only": make_doc(first_name="Rita", last_name="Review", signature_name="Rita Review",
                                glaucoma="yes"),
        "no_flags": make_doc(first_name="Nora", last_name="None", signature_name="Nora None"),
        "defer": make_doc(first_name="Dana", last_name="Defer", signature_name="Dana Defer",
                          pregnant="yes", meds=["Xanax 0.5mg"]),
        "urgent": make_doc(first_name="Uma", last_name="Urgent", signature_name="Uma Urgent",
                           suicidal_thoughts="active_with_plan"),
    }
    ids = {}
    for i, (key, doc) in enumerate(docs.items()):
        doc["submitted_at"] = f"2026-11-{10 + i:02d}T09:00:00Z"
        ids[key] = intake.submit(doc).screening_id
    return ids


def names_in_order(at: AppTest) -> list[str]:
    found = []
    for shown in html_texts(at):
        for name in ("Review", "None", "Defer", "Urgent"):
            if shown.startswith(f"{name}, "):
                found.append(name)
    return found


def test_sign_in_shows_the_queue():
    at = login(app(), "dr_grey", PASSWORD)
    assert "Screenings" in texts(at)
    assert at.session_state["staff_user"]["role"] == "clinician"
    actions = [r.action for r in db.list_audit(db.AuditFilters(actor="dr_grey"))[0]]
    assert "login_success" in actions


@pytest.mark.parametrize(("username", "password"), [("dr_grey", "wrong password!!"),
                                                    ("nobody", PASSWORD)])
def test_failed_sign_in_gives_one_generic_message(username, password):
    at = login(app(), username, password)
    assert any("Sign-in failed" in e for e in errors(at))
    assert "staff_user" not in at.session_state
    assert db.list_audit(db.AuditFilters(action="login_failure"))[1] == 1


def test_repeated_failures_are_refused_unchecked_until_the_wait_is_over(monkeypatch):
    from datetime import timedelta

    from store import schema, users

    hashed = []
    real = users._verify
    monkeypatch.setattr(users, "_verify", lambda h, p: hashed.append(1) or real(h, p))
    at = app()
    for _ in range(3):
        login(at, "dr_grey", "wrong password!!")
    assert any("Wait 1 s before the next attempt" in e for e in errors(at))
    before = len(hashed)
    login(at, "dr_grey", PASSWORD)  # at once: refused without checking, even when right
    assert any("Too many sign-in attempts. Try again in 1 s" in e for e in errors(at))
    assert "staff_user" not in at.session_state and len(hashed) == before
    rows, _ = db.list_audit(db.AuditFilters(action="login_throttled"))
    assert rows[0].details["scope"] in ("session", "account") and rows[0].actor in ("unknown",
                                                                                   "dr_grey")
    clock = schema.utcnow
    monkeypatch.setattr(schema, "utcnow", lambda: clock() + timedelta(seconds=1.2))  # no sleep
    login(at, "dr_grey", PASSWORD)  # in time, the right password passes
    assert at.session_state["staff_user"]["username"] == "dr_grey"


def test_a_throttled_account_lets_its_known_device_through(monkeypatch):
    import app_pages.auth as auth

    device = db.authenticate("dr_grey", PASSWORD).device_token  # signed in here before
    from datetime import timedelta

    from store.schema import utcnow

    start = utcnow()
    for attempt in range(8):  # someone elsewhere keeps guessing, each time the delay ends
        db.authenticate("dr_grey", f"guess {attempt} elsewhere",
                        now=start + timedelta(minutes=attempt))
    stranger = login(app(), "dr_grey", PASSWORD)
    assert any("Too many sign-in attempts" in e for e in errors(stranger))
    assert "staff_user" not in stranger.session_state
    monkeypatch.setattr(auth, "device_token", lambda: device)  # the browser sends its cookie
    known = login(app(), "dr_grey", PASSWORD)
    assert known.session_state["staff_user"]["username"] == "dr_grey"
    assert auth.DEVICE_PENDING not in known.session_state  # nothing new to remember


def test_a_first_sign_in_asks_the_browser_to_remember_the_device():
    at = login(app(), "dr_grey", PASSWORD)
    assert at.session_state["staff_user"]["username"] == "dr_grey"
    rows, _ = db.list_audit(db.AuditFilters(action="device_trusted"))
    assert len(rows) == 1 and rows[0].actor == "dr_grey"


def test_idle_session_is_signed_out(monkeypatch):
    monkeypatch.setenv("IDLE_TIMEOUT_MINUTES", "1")
    at = staff_app("dr_grey", idle_seconds=120)
    assert "staff_user" not in at.session_state
    assert "Screenings" not in [t.value for t in at.title]


def test_sign_out():
    at = app("dr_grey")
    at.button(key="sign_out").click().run()
    assert "staff_user" not in at.session_state


@pytest.mark.parametrize("page", ["app_pages/queue.py", "app_pages/screening.py",
                                  "app_pages/audit_log.py"])
def test_anonymous_visitor_reaches_no_staff_page(page):
    seed()
    at = app()
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not registered
        at.switch_page(page).run()
    page_text = texts(at)
    for name in ("Uma", "Dana", "Rita", "Nora"):
        assert name not in page_text


@pytest.mark.parametrize("page", ["queue.py", "screening.py", "audit_log.py"])
def test_every_staff_page_checks_the_role_itself(page):
    """Even run directly (as if navigation were bypassed), a page refuses a visitor."""
    seed()
    at = staff_app(page=page)
    assert any("do not have access" in e for e in errors(at))
    assert "Uma" not in texts(at)


def test_clinician_cannot_reach_the_admin_audit_page():
    at = app("dr_grey")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/audit_log.py").run()
    direct = staff_app("dr_grey", page="audit_log.py")
    assert any("do not have access" in e for e in errors(direct))


def test_admin_sees_the_audit_log():
    seed()
    at = app("admin_ann", role="admin")
    at.switch_page("app_pages/audit_log.py").run()
    assert "Audit log" in [t.value for t in at.title]
    frame = at.dataframe[0].value
    assert "submit" in set(frame["Action"])
    from core.vocab import AUDIT_ACTION_LABELS, AUDIT_ACTIONS

    # Every action of the vocabulary can be filtered on, export_refused included (issue 10).
    options = at.selectbox(key="a_action").options
    assert options[1:] == [f"{AUDIT_ACTION_LABELS[a]} ({a})" for a in AUDIT_ACTIONS]
    assert "Export refused (export_refused)" in options


def test_queue_order_urgent_then_severity_then_oldest():
    seed()
    at = app("dr_grey")
    assert names_in_order(at) == ["Urgent", "Defer", "Review", "None"]


@pytest.mark.parametrize(("widget", "value", "expected"), [
    ("f_severity", "defer", ["Urgent", "Defer"]),
    ("f_rule", "benzodiazepine", ["Defer"]),
    ("f_rule", "glaucoma", ["Review"]),
    ("f_name", "nor", ["None"]),
])
def test_queue_filters(widget, value, expected):
    seed()
    at = app("dr_grey")
    if widget == "f_name":
        at.text_input(key=widget).input(value).run()
    else:
        at.selectbox(key=widget).set_value(value).run()
    assert names_in_order(at) == expected


def test_queue_tabs_split_to_review_from_reviewed():
    ids = seed()
    db.record_review(ids["review_only"], "dr_grey", "cleared", "ok", {}, None,
                     confirm_open_flags=True)
    db.record_review(ids["no_flags"], "dr_grey", "needs_follow_up", "call back", {}, None)
    at = app("dr_grey")
    assert [t.label for t in at.tabs] == ["To review", "Reviewed"]
    # Reviewed screenings are hidden by default; needing follow-up is still work to do.
    assert names_in_order(at) == ["Urgent", "Defer", "None"]
    at.multiselect(key="f_status").set_value(["needs_follow_up"]).run()
    assert names_in_order(at) == ["None"]
    at.session_state["queue_tab"] = "Reviewed"
    at.run()
    assert names_in_order(at) == ["Review"]


def test_queue_rows_name_their_flags_and_show_clinic_time(monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/Chicago")
    seed()
    at = app("dr_grey")
    assert any(t.startswith("Defer, ") for t in html_texts(at))  # the name, as plain text
    chips = [m.value for m in at.markdown if "[pregnancy]" in m.value]
    assert len(chips) == 1 and "[benzodiazepine]" in chips[0]  # the Defer patient's row
    captions = [c.value for c in at.caption]
    assert "Submitted 2026-11-12 03:00 CST" in captions  # 09:00 UTC
    assert any("America/Chicago" in c for c in captions)


def test_queue_filters_are_folded_away_until_opened():
    seed()
    at = app("dr_grey")
    assert at.expander[0].label == "Filters"
    at.text_input(key="f_name").input("dana").run()
    assert at.expander[0].label == "Filters (1 active)"


def test_queue_view_is_audited_without_names():
    seed()
    at = app("dr_grey")
    at.text_input(key="f_name").input("Dana").run()
    rows, _ = db.list_audit(db.AuditFilters(action="queue_view"))
    assert rows and all("Dana" not in str(r.details) for r in rows)


def _open(at: AppTest, screening_id: int) -> AppTest:
    at.button(key=f"open_{screening_id}").click().run()
    return at


def test_detail_shows_flags_with_reason_evidence_and_source():
    ids = seed()
    at = _open(app("dr_grey"), ids["defer"])
    page = texts(at)
    assert "Dana" in page
    assert "pregnancy" in page and "benzodiazepine" in page
    assert "Evidence: pregnant = Yes" in page
    assert "Evidence: medication 'Xanax 0.5mg' -> alprazolam (brand)" in page
    assert "Source: esketamine label 8.1" in page
    views = db.list_audit(db.AuditFilters(action="screening_view"))[0]
    assert [v.target for v in views] == [f"screening:{ids['defer']}"]


def test_urgent_screening_stands_out():
    ids = seed()
    at = _open(app("dr_grey"), ids["urgent"])
    assert any("URGENT" in e for e in errors(at))


def test_decision_refused_while_a_defer_flag_is_unacknowledged():
    ids = seed()
    at = _open(app("dr_grey"), ids["defer"])
    at.radio(key="decision").set_value("needs_follow_up")
    at.button(key="record_review").click().run()
    assert any("pregnancy" in e for e in errors(at))
    assert db.get_screening(ids["defer"]).reviews == ()


def test_acknowledge_and_decide_keeps_history():
    ids = seed()
    at = _open(app("dr_grey"), ids["defer"])
    at.checkbox(key="ack_pregnancy").check()
    at.text_input(key="acknote_pregnancy").input("Confirmed by phone; 8 weeks")
    at.radio(key="decision").set_value("not_a_candidate")
    at.text_area(key="review_note").input("Refer back to psychiatrist")
    at.button(key="record_review").click().run()
    assert "Review recorded." in texts(at)
    detail = db.get_screening(ids["defer"])
    assert detail.review_status == "not_a_candidate"
    review = detail.reviews[0]
    assert review.reviewer == "dr_grey"
    assert {a.rule_id: a.note for a in review.acknowledgements} == {
        "pregnancy": "Confirmed by phone; 8 weeks"}
    # A later review supersedes, never overwrites.
    at.checkbox(key="ack_pregnancy").check()
    at.radio(key="decision").set_value("needs_follow_up")
    at.button(key="record_review").click().run()
    reviews = db.get_screening(ids["defer"]).reviews
    assert [r.decision for r in reviews] == ["needs_follow_up", "not_a_candidate"]
    assert reviews[0].supersedes_id == reviews[1].id
    assert len(db.list_audit(db.AuditFilters(action="review"))[0]) == 2


def test_two_clinicians_reviewing_at_once_do_not_overwrite_each_other():
    ids = seed()
    first = _open(app("dr_grey"), ids["review_only"])
    second = _open(app("admin_ann", role="admin"), ids["review_only"])
    first.radio(key="decision").set_value("needs_follow_up")
    first.button(key="record_review").click().run()
    second.radio(key="decision").set_value("not_a_candidate")
    second.button(key="record_review").click().run()
    assert any("reviewed by someone else" in e for e in errors(second))
    reviews = db.get_screening(ids["review_only"]).reviews
    assert [r.decision for r in reviews] == ["needs_follow_up"]


def test_patient_html_and_markdown_are_shown_as_text():
    doc = make_doc(first_name="<b>Bo</b>", last_name="[x](http://evil)",
                   signature_name="<b>Bo</b> [x](http://evil)",
                   meds=["<script>alert(1)</script>"])
    sid = intake.submit(doc).screening_id
    at = app("dr_grey")
    queue_row = next(str(h.body) for h in at.html if "Bo" in str(h.body))
    assert "&lt;b&gt;Bo&lt;/b&gt;" in queue_row and "<b>" not in queue_row
    assert "[x](http://evil), &lt;b&gt;" in queue_row  # shown as typed, in escaped HTML
    assert not any("Bo" in m.value for m in at.markdown)  # never through markdown
    _open(at, sid)
    title = str(at.html[0].body)
    assert "&lt;b&gt;" in title and "<b>" not in title
    evidence = [t.value for t in at.text if "alert" in t.value]
    assert evidence == ["Evidence: medication '<script>alert(1)</script>' -> not identified (ambiguous)"]
    assert not any("alert" in m.value for m in at.markdown)
    meds = at.dataframe[0].value
    assert list(meds["As typed"]) == ["<script>alert(1)</script>"]  # a table cell is plain text


def test_deactivated_account_loses_access_at_once():
    seed()
    at = app("dr_grey")
    assert "Screenings" in [t.value for t in at.title]
    db.set_user_active("dr_grey", False, actor="admin_ann")
    at.run()
    assert "staff_user" not in at.session_state
    assert "Uma" not in texts(at)


def test_every_opening_of_a_screening_is_audited():
    ids = seed()
    at = _open(app("dr_grey"), ids["defer"])
    at.switch_page("app_pages/queue.py").run()
    _open(at, ids["defer"])
    views = db.list_audit(db.AuditFilters(action="screening_view"))[0]
    assert len(views) == 2


def test_sign_out_clears_a_patient_form_left_open_on_the_device():
    at = app("dr_grey")
    at.session_state["intake"] = IntakeState(step=1, answers={"first_name": "Left"})
    at.run()
    at.button(key="sign_out").click().run()
    # The staff address now shows the sign-in; the patient form starts afresh.
    assert "Staff sign-in" in [t.value for t in at.title]
    at.switch_page("app_pages/intake.py").run()
    answers = at.session_state["intake"].answers
    assert answers == {}


def test_the_patients_language_is_shown_with_english_labels():
    doc = make_doc(first_name="Sofia", last_name="Reyes", signature_name="Sofia Reyes")
    sid = intake.submit(doc, language="es").screening_id
    english = intake.submit(make_doc()).screening_id
    at = _open(app("dr_grey"), sid)
    notes = [i.value for i in at.info]
    assert any("answered in **Español** (es)" in n for n in notes)
    questions = [q for h in at.html for q in answer_rows(str(h.body), "Question")]
    assert "Have you ever had bleeding in the brain?" in questions  # English labels
    at = _open(app("dr_grey"), english)
    assert not any("answered in" in i.value for i in at.info)


def _book(ids: dict[str, int], when: dict[str, datetime | None]) -> None:
    from store.schema import ScreeningRow

    with db.get_store().session() as session:
        for key, at in when.items():
            row = session.get(ScreeningRow, ids[key])
            assert row is not None
            row.appointment_at = at


def test_queue_knows_the_day_due_today_tomorrow_and_sort_by_appointment(monkeypatch):
    from datetime import datetime, time, timedelta

    from forms.clock import clinic_timezone, now_in_clinic

    monkeypatch.setenv("CLINIC_TIMEZONE", "America/Chicago")
    ids = seed()
    today = now_in_clinic().date()
    zone = clinic_timezone()
    _book(ids, {"review_only": datetime.combine(today, time(14, 0), tzinfo=zone),
                "defer": datetime.combine(today, time(8, 30), tzinfo=zone),
                "urgent": datetime.combine(today + timedelta(days=1), time(9, 0), tzinfo=zone)})
    at = app("dr_grey")
    assert names_in_order(at) == ["Urgent", "Defer", "Review", "None"]
    shown = [m.value for m in at.markdown]
    at_two = datetime.combine(today, time(14, 0), tzinfo=zone)
    assert f"**Appointment** {at_two:%a} {today.day} {at_two:%b %Y} 14:00 {at_two:%Z}" in shown
    assert ":gray[Walk-in (no appointment)]" in shown  # Nora has no appointment
    at.segmented_control(key="f_due").set_value("today").run()
    assert names_in_order(at) == ["Defer", "Review"]  # queue order within the day
    at.segmented_control(key="f_due").set_value("tomorrow").run()
    assert names_in_order(at) == ["Urgent"]
    at.segmented_control(key="f_due").set_value("any").run()
    at.segmented_control(key="f_order").set_value("appointment").run()
    assert names_in_order(at) == ["Defer", "Review", "Urgent", "None"]
    assert any("Soonest appointment first" in c.value for c in at.caption)
    audit, _ = db.list_audit(db.AuditFilters(action="queue_view"))
    assert any(a.details["filters"]["order"] == "appointment" for a in audit)
