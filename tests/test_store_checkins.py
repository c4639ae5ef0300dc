"""Day-of check-in in the store: stored with its flags and audit row, a defer flag after a
decision sends the screening back to "To review", the review needs the check-in's defer
acknowledged, the front desk's list shows no clinical detail; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import store as db
from forms.checkin import CheckIn, check_checkin
from services import intake
from services.checkin import record as record_checkin
from store.checkins import CheckInRefused, checkin_candidates, latest_checkin
from store.schema import CheckInRow, ScreeningRow
from tests.conftest import make_doc
from tests.test_rules_checkin import APPOINTMENT, CHECKED_IN, checkin

PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff(store_db):
    db.create_user("desk_dee", PASSWORD, "front_desk")
    db.create_user("dr_grey", PASSWORD, "clinician")
    return store_db


def submit(first: str = "Ann", last: str = "Lee", appointment: datetime | None = APPOINTMENT,
           **answers) -> int:
    sid = intake.submit(make_doc(first_name=first, last_name=last,
                                 signature_name=f"{first} {last}", **answers)).screening_id
    with db.get_store().session() as session:
        session.get(ScreeningRow, sid).appointment_at = appointment
    return sid


def valid(**changes) -> CheckIn:
    model = check_checkin(checkin(**changes))
    assert isinstance(model, CheckIn), model
    return model


def test_checkin_is_stored_with_its_flags_and_audited(staff):
    sid = submit()
    result = record_checkin(sid, valid(systolic_bp=150, sedatives_taken=True,
                                       sedatives=[{"name": "Xanax 0.5mg",
                                                   "taken_at": CHECKED_IN.isoformat()}]),
                            "desk_dee")
    assert set(result.model_dump()) == {"checkin_id", "screening_id", "checked_in_at"}  # no flags
    view = latest_checkin(sid)
    assert view is not None and view.recorded_by == "desk_dee"
    assert [f.rule_id for f in view.evaluation.flags] == ["checkin_benzodiazepine_today",
                                                          "checkin_bp_elevated"]  # catalogue order
    assert view.data.systolic_bp == 150 and view.appointment_at == APPOINTMENT
    assert view.checked_in_at == CHECKED_IN and view.highest_severity == "review"
    detail = db.get_screening(sid)
    assert detail.checked_in_at == CHECKED_IN and detail.appointment_at == APPOINTMENT
    rows, _ = db.list_audit(db.AuditFilters(action="checkin"))
    assert rows[0].actor == "desk_dee" and rows[0].target == f"screening:{sid}"
    assert rows[0].details["flags"] == ["checkin_benzodiazepine_today", "checkin_bp_elevated"]
    assert "Xanax" not in str(rows[0].details) and "Sam" not in str(rows[0].details)


def test_a_correction_is_a_new_check_in_and_the_newest_counts(staff):
    sid = submit()
    record_checkin(sid, valid(systolic_bp=170), "desk_dee")
    record_checkin(sid, valid(), "desk_dee")
    assert latest_checkin(sid).evaluation.flags == ()
    with db.get_store().session() as session:
        assert session.query(CheckInRow).count() == 2
        assert session.get(ScreeningRow, sid).checkin_severity == "none"


def test_defer_at_check_in_after_a_decision_returns_it_to_review(staff):
    sid = submit()
    review = db.record_review(sid, "dr_grey", "cleared", "fine", {}, None)
    record_checkin(sid, valid(escort_present=False, escort_name=None, escort_phone=None),
                   "desk_dee")
    detail = db.get_screening(sid)
    assert detail.review_status == "unreviewed" and detail.latest_review_id == review.id
    assert latest_checkin(sid).requeued_review_id == review.id
    rows, _ = db.list_queue(db.QueueFilters(review_status=("unreviewed",)))
    row = next(r for r in rows if r.id == sid)
    assert row.reviewed_before and row.checkin_severity == "defer" and row.checked_in_at
    # The new decision must acknowledge the check-in's defer flag.
    with pytest.raises(db.ReviewRefused, match="checkin_no_escort"):
        db.record_review(sid, "dr_grey", "cleared", "", {}, review.id)
    db.record_review(sid, "dr_grey", "needs_follow_up", "", {"checkin_no_escort": "escort late"},
                     review.id)
    rows, _ = db.list_audit(db.AuditFilters(action="checkin"))
    assert rows[0].details["requeued_from"] == "cleared"


@pytest.mark.parametrize(("changes", "requeued"), [
    ({"systolic_bp": 150}, False),  # a review flag: the decision stands, the flag is shown
    ({}, False),
    ({"heart_rate": 120, "diastolic_bp": 101}, True),
])
def test_only_a_defer_flag_reopens_a_decision(staff, changes, requeued):
    sid = submit()
    db.record_review(sid, "dr_grey", "cleared", "", {}, None)
    record_checkin(sid, valid(**changes), "desk_dee")
    assert (db.get_screening(sid).review_status == "unreviewed") is requeued


def test_check_in_before_any_decision_keeps_it_unreviewed(staff):
    sid = submit()
    record_checkin(sid, valid(systolic_bp=180), "desk_dee")
    assert db.get_screening(sid).review_status == "unreviewed"
    assert latest_checkin(sid).requeued_review_id is None


def test_walk_in_fasting_counts_from_check_in(staff):
    sid = submit(appointment=None)
    record_checkin(sid, valid(last_food_at=(CHECKED_IN - timedelta(hours=5)).isoformat()),
                   "desk_dee")
    assert [f.rule_id for f in latest_checkin(sid).evaluation.flags] == ["checkin_fasting_food"]


def test_only_active_check_in_staff_record(staff):
    sid = submit()
    with pytest.raises(CheckInRefused):
        record_checkin(sid, valid(), "nobody")
    db.set_user_active("desk_dee", False, actor="test")
    with pytest.raises(CheckInRefused):
        record_checkin(sid, valid(), "desk_dee")
    with pytest.raises(db.ScreeningNotFound):
        record_checkin(sid + 99, valid(), "dr_grey")
    assert latest_checkin(sid) is None  # nothing half-saved


def test_front_desk_list_is_today_by_the_clinic_calendar(staff, monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/Los_Angeles")
    zone = ZoneInfo("America/Los_Angeles")
    late = submit("Late", "Evening", datetime(2026, 12, 3, 23, 30, tzinfo=zone))  # 4th in UTC
    early = submit("Early", "Morning", datetime(2026, 12, 3, 7, 0, tzinfo=zone))
    submit("Next", "Day", datetime(2026, 12, 4, 9, 0, tzinfo=zone))
    walk_in = submit("Walk", "Inn", None)
    found = checkin_candidates(date(2026, 12, 3), viewer="desk_dee")
    assert [c.id for c in found] == [early, late]
    assert set(found[0].model_dump()) == {"id", "public_id", "first_name", "last_name",
                                          "date_of_birth", "appointment_at", "checked_in_at"}
    assert [c.id for c in checkin_candidates(date(2026, 12, 3), name="walk")] == [walk_in]
    assert checkin_candidates(date(2026, 12, 3), name="%") == []
    record_checkin(early, valid(), "desk_dee")
    assert checkin_candidates(date(2026, 12, 3))[0].checked_in_at == CHECKED_IN
    rows, _ = db.list_audit(db.AuditFilters(action="checkin_list"))
    assert rows[0].details == {"day": "2026-12-03", "name_search": False, "results": 2}


def test_stored_times_are_utc(staff):
    sid = submit()
    local = CHECKED_IN.astimezone(ZoneInfo("America/New_York"))
    record_checkin(sid, valid(checked_in_at=local.isoformat()), "desk_dee")
    assert latest_checkin(sid).checked_in_at.utcoffset() == timedelta(0)
    assert latest_checkin(sid).checked_in_at == CHECKED_IN.astimezone(UTC)
