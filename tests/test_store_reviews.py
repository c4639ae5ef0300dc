"""Reviews: defer and urgent flags must be acknowledged, stale reviews are refused, history kept."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from services import intake
from store import (
    ClearingNeedsConfirmation,
    ReviewRefused,
    ScreeningNotFound,
    StaleReview,
    create_user,
    get_screening,
    list_audit,
    record_review,
    set_user_active,
)
from store.models import AuditFilters
from store.schema import AckRow, ReviewRow
from tests.conftest import make_doc

PASSWORD = "correct horse battery"


@pytest.fixture
def clinicians(store_db):
    create_user("doc", PASSWORD, "clinician")
    create_user("nurse", PASSWORD, "clinician")
    create_user("records", PASSWORD, "exporter")
    create_user("desk", PASSWORD, "front_desk")


@pytest.fixture
def flagged(clinicians):
    """Urgent defer (suicidal_plan), plain defer (aneurysm_avm), review (glaucoma)."""
    doc = make_doc(suicidal_thoughts="active_with_plan", aneurysm_or_avm="yes", glaucoma="yes")
    result = intake.submit(doc)
    assert set(result.flags) == {"suicidal_plan", "aneurysm_avm", "glaucoma"}
    return result.screening_id


ALL_MUST = {"suicidal_plan": "spoke to patient, safety plan in place", "aneurysm_avm": None}


def review_count(store) -> int:
    with store.session(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(ReviewRow))


@pytest.mark.parametrize(("reviewer", "decision", "acks", "error", "message"), [
    ("doc", "cleared", {}, ReviewRefused, "suicidal_plan"),
    ("doc", "cleared", {"suicidal_plan": "ok"}, ReviewRefused, "aneurysm_avm"),
    ("doc", "cleared", {"aneurysm_avm": "ok", "glaucoma": None}, ReviewRefused, "suicidal_plan"),
    ("doc", "cleared", {**ALL_MUST, "pregnancy": None}, ReviewRefused, "pregnancy"),
    ("doc", "approved", ALL_MUST, ReviewRefused, "decision"),
    ("nobody", "cleared", ALL_MUST, ReviewRefused, "reviewer"),
    ("records", "needs_follow_up", ALL_MUST, ReviewRefused, "only clinician and admin"),
    ("desk", "needs_follow_up", ALL_MUST, ReviewRefused, "only clinician and admin"),
    ("doc", "cleared", {**ALL_MUST, "glaucoma": "x" * 5000}, ReviewRefused, "longer"),
])
def test_refused_reviews_store_nothing(store_db, flagged, reviewer, decision, acks, error,
                                       message):
    with pytest.raises(error, match=message):
        record_review(flagged, reviewer, decision, "note", acks, None)
    assert review_count(store_db) == 0
    detail = get_screening(flagged)
    assert detail.review_status == "unreviewed" and detail.reviews == ()
    assert list_audit(AuditFilters(action="review"))[1] == 0


def test_an_inactive_reviewer_is_refused(store_db, flagged):
    set_user_active("doc", False, actor="admin")
    with pytest.raises(ReviewRefused, match="active"):
        record_review(flagged, "doc", "cleared", "", ALL_MUST, None)
    with pytest.raises(ScreeningNotFound):
        record_review(999, "nurse", "cleared", "", {}, None)


def test_a_review_with_every_required_acknowledgement(store_db, flagged):
    review = record_review(flagged, "DOC", "needs_follow_up", " call back today ", ALL_MUST, None)
    assert (review.reviewer, review.decision, review.note) == ("doc", "needs_follow_up",
                                                               "call back today")
    assert review.supersedes_id is None
    assert {a.rule_id: a.note for a in review.acknowledgements} == ALL_MUST
    assert all(a.acknowledged_by == "doc" for a in review.acknowledgements)
    detail = get_screening(flagged)
    assert detail.review_status == "needs_follow_up" and detail.latest_review_id == review.id
    rows, total = list_audit(AuditFilters(action="review"))
    assert total == 1 and rows[0].actor == "doc" and rows[0].target == f"screening:{flagged}"
    assert rows[0].details["acknowledged"] == sorted(ALL_MUST)
    assert "safety plan" not in repr(rows)


def test_flags_that_are_not_defer_or_urgent_need_no_acknowledgement(store_db, clinicians):
    screening_id = intake.submit(make_doc(glaucoma="yes", cannabis_use="daily")).screening_id
    review = record_review(screening_id, "doc", "needs_follow_up", "", {}, None)
    assert review.acknowledgements == ()


@pytest.mark.parametrize("decision", ["cleared", "cleared_with_conditions"])
def test_clearing_with_open_review_or_adjust_flags_needs_confirmation(store_db, flagged, decision):
    with pytest.raises(ClearingNeedsConfirmation) as caught:
        record_review(flagged, "doc", decision, "", ALL_MUST, None)
    assert caught.value.open_flags == ("glaucoma",)
    assert review_count(store_db) == 0
    review = record_review(flagged, "doc", decision, "", ALL_MUST, None, confirm_open_flags=True)
    assert review.decision == decision
    rows, _ = list_audit(AuditFilters(action="review"))
    assert rows[0].details["cleared_with_open_flags"] == ["glaucoma"]


def test_clearing_with_every_flag_acknowledged_needs_no_confirmation(store_db, flagged):
    review = record_review(flagged, "doc", "cleared", "", {**ALL_MUST, "glaucoma": None}, None)
    assert review.decision == "cleared"
    assert list_audit(AuditFilters(action="review"))[0][0].details["cleared_with_open_flags"] == []


def test_other_decisions_never_ask_for_confirmation(store_db, flagged):
    assert record_review(flagged, "doc", "not_a_candidate", "", ALL_MUST, None).id


def test_a_stale_review_is_refused(store_db, flagged):
    first = record_review(flagged, "doc", "needs_follow_up", "", ALL_MUST, None)
    # The nurse opened the screening before the doctor's review and submits now.
    with pytest.raises(StaleReview) as caught:
        record_review(flagged, "nurse", "cleared", "", ALL_MUST, None)
    assert caught.value.current == first.id
    with pytest.raises(StaleReview):
        record_review(flagged, "nurse", "cleared", "", ALL_MUST, first.id + 100)
    assert review_count(store_db) == 1
    assert get_screening(flagged).review_status == "needs_follow_up"


def test_reviews_are_appended_and_history_is_newest_first(store_db, flagged):
    first = record_review(flagged, "doc", "needs_follow_up", "first", ALL_MUST, None)
    second = record_review(flagged, "nurse", "cleared_with_conditions", "second",
                           {**ALL_MUST, "glaucoma": "eye drops ok"}, first.id)
    third = record_review(flagged, "doc", "not_a_candidate", "third", ALL_MUST, second.id)
    detail = get_screening(flagged)
    assert [r.id for r in detail.reviews] == [third.id, second.id, first.id]
    assert [r.supersedes_id for r in detail.reviews] == [second.id, first.id, None]
    assert [r.note for r in detail.reviews] == ["third", "second", "first"]
    assert [len(r.acknowledgements) for r in detail.reviews] == [2, 3, 2]
    assert detail.review_status == "not_a_candidate" and detail.latest_review_id == third.id
    with store_db.session(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(AckRow)) == 7
    assert list_audit(AuditFilters(action="review"))[1] == 3


def test_two_clinicians_at_once_one_wins_one_is_told(store_db, flagged):
    barrier = threading.Barrier(2)
    outcomes = {}

    def review(who):
        barrier.wait()
        try:
            outcomes[who] = record_review(flagged, who, "cleared", who, ALL_MUST, None,
                                          confirm_open_flags=True)
        except StaleReview as exc:
            outcomes[who] = exc

    threads = [threading.Thread(target=review, args=(w,)) for w in ("doc", "nurse")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stale = [o for o in outcomes.values() if isinstance(o, StaleReview)]
    assert len(outcomes) == 2 and len(stale) == 1
    assert review_count(store_db) == 1


def test_viewing_a_screening_is_audited(store_db, flagged):
    get_screening(flagged)
    assert list_audit(AuditFilters(action="screening_view"))[1] == 0
    get_screening(flagged, viewer="doc")
    rows, total = list_audit(AuditFilters(action="screening_view"))
    assert total == 1 and (rows[0].actor, rows[0].target) == ("doc", f"screening:{flagged}")
    with pytest.raises(ScreeningNotFound):
        get_screening(12345)
