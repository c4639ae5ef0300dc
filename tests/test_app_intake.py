"""The patient intake in Streamlit's AppTest: steps, branching, validation, medication
feedback, drafts and resume, submission."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

import store as db
from forms.intake_state import IntakeState
from tests.apptest_helpers import (
    click_next,
    complete_intake,
    current_step,
    errors,
    fill_step,
    new_app,
    texts,
)
from tests.conftest import CLEAN_ANSWERS, SHARED_VIGNETTES


@pytest.fixture(autouse=True)
def fresh_database(store_db):
    """Each test gets its own empty database (DATABASE_URL points at it)."""
    return store_db


def patient(**changes):
    answers = copy.deepcopy(CLEAN_ANSWERS)
    answers.update(changes)
    return answers


def test_welcome_then_first_step_with_progress():
    at = new_app()
    assert "Before your ketamine treatment" in texts(at)
    at.button(key="start").click().run()
    assert current_step(at).id == "about"
    assert at.get("progress")[0].proto.text.startswith("Step 1 of 9")


def test_choices_start_with_nothing_selected():
    at = new_app()
    at.button(key="start").click().run()
    assert at.radio(key="q_sex_at_birth").value is None


def test_next_with_nothing_answered_marks_each_required_question():
    at = new_app()
    at.button(key="start").click().run()
    click_next(at)
    assert current_step(at).id == "about"
    assert errors(at).count("Please answer this question.") == 4  # names, birth date, sex


def test_valid_answers_stay_filled_after_a_failed_next():
    at = new_app()
    at.button(key="start").click().run()
    fill_step(at, {"first_name": "Ann", "last_name": "Lee", "date_of_birth": "1985-06-15",
                   "sex_at_birth": "female", "email": "ann@", "pregnant": "no",
                   "breastfeeding": "no"})
    click_next(at)
    assert current_step(at).id == "about"
    assert any("Please check this email address" in e for e in errors(at))
    assert at.text_input(key="q_first_name").value == "Ann"
    assert at.radio(key="q_pregnant").value == "no"


@pytest.mark.parametrize(("sex", "shown"), [("female", True), ("male", False), ("intersex", True)])
def test_pregnancy_questions_follow_sex_at_birth(sex, shown):
    at = new_app()
    at.button(key="start").click().run()
    at.radio(key="q_sex_at_birth").set_value(sex).run()
    keys = {r.key for r in at.radio}
    assert ("q_pregnant" in keys) is shown
    assert ("q_breastfeeding" in keys) is shown


def test_hidden_answer_is_dropped_when_a_later_change_hides_it():
    at = new_app()
    at.button(key="start").click().run()
    fill_step(at, patient(pregnant="yes"))
    click_next(at)
    at.button(key="back").click().run()
    at.radio(key="q_sex_at_birth").set_value("male").run()
    click_next(at)
    assert "pregnant" not in at.session_state["intake"].answers


def test_blood_pressure_follow_up_appears_on_yes():
    at = new_app()
    at.session_state["intake"] = IntakeState(step=3)
    at.run()
    assert "q_blood_pressure_controlled" not in {r.key for r in at.radio}
    at.radio(key="q_high_blood_pressure").set_value("yes").run()
    assert "q_blood_pressure_controlled" in {r.key for r in at.radio}


def _at_medications():
    at = new_app()
    at.session_state["intake"] = IntakeState(step=5)
    at.run()
    return at


@pytest.mark.parametrize(("typed", "shown"), [
    ("xanex 0.5 prn", "We understood: alprazolam"),
    ("Lamisil", "We understood: terbinafine"),
    ("Claritin-D", "We understood: loratadine + pseudoephedrine"),
    ("the blue pill", "We could not recognize this name"),
])
def test_medication_feedback_as_typed(typed, shown):
    at = _at_medications()
    rid = at.session_state["intake"].meds[0].id
    at.text_input(key=f"med_name_{rid}").input(typed).run()
    assert shown in texts(at)


def test_patient_never_sees_a_clinical_verdict():
    at = _at_medications()
    rid = at.session_state["intake"].meds[0].id
    at.text_input(key=f"med_name_{rid}").input("Xanax 0.5mg").run()
    page = texts(at).lower()
    for word in ("contraindicat", "defer", "flag", "unsafe", "not a candidate"):
        assert word not in page


def test_medications_step_needs_a_medicine_or_the_none_box():
    at = _at_medications()
    click_next(at)
    assert current_step(at).id == "medications"
    assert any("add at least one medicine" in e.lower() for e in errors(at))
    at.checkbox(key="q_takes_no_medications").check().run()
    click_next(at)
    assert current_step(at).id == "vitals"


def test_add_and_remove_medicine_rows():
    at = _at_medications()
    first = at.session_state["intake"].meds[0].id
    at.text_input(key=f"med_name_{first}").input("sertraline")
    at.button(key="add_med").click().run()
    assert len(at.session_state["intake"].meds) == 2
    at.button(key=f"med_remove_{first}").click().run()
    rows = at.session_state["intake"].meds
    assert len(rows) == 1 and rows[0].id != first


def test_vitals_out_of_range_is_explained():
    at = new_app()
    at.session_state["intake"] = IntakeState(step=6)
    at.run()
    at.number_input(key="q_systolic_bp").set_value(400)
    at.number_input(key="q_diastolic_bp").set_value(80).run()
    click_next(at)
    assert current_step(at).id == "vitals"
    assert any("Please check this reading: 400 is higher than we expect (60 to 260)" in e
               for e in errors(at))


def test_draft_is_saved_after_each_step_and_token_put_in_url():
    at = new_app()
    at.button(key="start").click().run()
    fill_step(at, patient())
    click_next(at)
    token = at.session_state["intake"].token
    assert token and at.query_params["resume"] == token
    view = db.resume_draft(token, "1985-06-15")
    assert view.answers["first_name"] == "Ann" and view.step == 1


def _saved_draft() -> str:
    at = new_app()
    at.button(key="start").click().run()
    fill_step(at, patient())
    click_next(at)
    fill_step(at, patient(bipolar_disorder="unsure"))
    click_next(at)
    return at.session_state["intake"].token


def resume(token: str, birth: str, at=None):
    """Open the resume link in a new browser session and enter a date of birth."""
    at = at or new_app()
    at.query_params["resume"] = token
    at.run()
    at.date_input(key="resume_dob").set_value(date.fromisoformat(birth))
    at.button(key="resume").click().run()
    return at


def test_resume_with_wrong_date_of_birth_reveals_nothing():
    at = resume(_saved_draft(), "1985-06-16")
    page = texts(at)
    assert "could not open a screening" in page
    assert "Ann" not in page and "Lee" not in page
    assert at.session_state["intake"].token is None


def test_resume_with_right_date_of_birth_restores_the_step_and_answers():
    at = resume(_saved_draft(), "1985-06-15")
    assert current_step(at).id == "substances"
    assert at.session_state["intake"].answers["bipolar_disorder"] == "unsure"
    at.button(key="back").click().run()
    assert at.radio(key="q_bipolar_disorder").value == "unsure"


def test_full_intake_writes_exactly_one_screening_with_its_flags():
    answers = patient(bipolar_disorder="yes", takes_no_medications=False,
                      medications=[{"name": "Xanax 0.5mg prn", "status": "current"},
                                   {"name": "Lamictal 200 mg", "status": "current"}])
    at = new_app()
    complete_intake(at, answers)
    assert "Your answers were sent" in texts(at)
    assert "No food for 6 hours" in texts(at)
    assert db.count_screenings() == 1
    rows, _total = db.list_queue(db.QueueFilters(), page=1, page_size=10)
    detail = db.get_screening(rows[0].id)
    assert {f.rule_id for f in detail.evaluation.flags} == {
        "benzodiazepine", "bipolar_disorder", "lamotrigine"}
    page = texts(at)
    assert "benzodiazepine" not in page and "Xanax" not in page


def test_submit_from_two_tabs_of_one_draft_creates_one_screening():
    first = new_app()
    complete_intake(first, patient(), submit=False)
    # The same draft open in another tab, also on the review step.
    second = resume(first.session_state["intake"].token, "1985-06-15")
    assert current_step(second).id == "review"
    fill_step(second, patient())
    first.button(key="submit").click().run()
    second.button(key="submit").click().run()
    assert "Your answers were sent" in texts(first)
    assert "Your answers were sent" in texts(second)
    assert db.count_screenings() == 1


def test_submitted_link_shows_only_the_confirmation():
    at = new_app()
    complete_intake(at, patient())
    again = resume(at.session_state["intake"].token, "1985-06-15")
    page = texts(again)
    assert "Your answers were sent" in page
    assert "Ann" not in page


def test_review_page_lists_answers_and_refuses_a_wrong_signature():
    at = new_app()
    complete_intake(at, patient(signature_name="Someone Else"))
    assert db.count_screenings() == 0
    assert any("type your name exactly as you gave it: ann lee" in e.lower() for e in errors(at))
    assert "Check and sign" in texts(at)


@pytest.mark.skipif(not (SHARED_VIGNETTES / "xanax_lamictal_bipolar.json").exists(),
                    reason="shared vignettes not present")
def test_vignette_through_the_ui_matches_the_cli_flags(engine):
    case = json.loads((SHARED_VIGNETTES / "theophylline_emsam_provigil_apnea.json").read_text())
    answers = case["document"]["answers"]
    at = new_app()
    complete_intake(at, answers)
    rows, _ = db.list_queue(db.QueueFilters(), page=1, page_size=10)
    detail = db.get_screening(rows[0].id)
    fired = {f.rule_id for f in detail.evaluation.flags}
    assert set(case["must_fire"]) <= fired
    assert not set(case["must_not_fire"]) & fired


def test_stale_drafts_are_purged_when_the_app_runs(store_db):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from app_pages.services import purge_stale_drafts_daily
    from store.schema import DraftRow

    _, old = db.create_draft()
    _, fresh = db.create_draft()
    db.save_draft(old, {"first_name": "Old"}, 1, "1985-06-15")
    db.save_draft(fresh, {"first_name": "Fresh"}, 1, "1985-06-15")
    with store_db.session() as session:
        session.execute(update(DraftRow).where(DraftRow.id == 1)
                        .values(updated_at=datetime.now(UTC) - timedelta(days=31)))
    purge_stale_drafts_daily.clear()
    new_app()
    purge = purge_stale_drafts_daily()  # started by that run, in the background
    purge.join(timeout=60)
    assert not purge.is_alive()
    assert db.resume_draft(old, "1985-06-15") is None
    assert db.resume_draft(fresh, "1985-06-15").answers["first_name"] == "Fresh"


def test_ticking_no_medicines_with_medicines_listed_is_refused_not_dropped():
    at = _at_medications()
    rid = at.session_state["intake"].meds[0].id
    at.text_input(key=f"med_name_{rid}").input("Xanax 0.5mg").run()
    at.checkbox(key="q_takes_no_medications").check().run()
    assert at.text_input(key=f"med_name_{rid}").value == "Xanax 0.5mg"  # still on screen
    click_next(at)
    assert current_step(at).id == "medications"
    assert any('ticked "i take no medicines" but listed' in e.lower() for e in errors(at))


def test_medicine_problem_shows_under_its_own_row():
    at = _at_medications()
    at.button(key="add_med").click().run()
    rows = at.session_state["intake"].meds
    at.text_input(key=f"med_name_{rows[1].id}").input("x" * 200).run()  # first row blank
    at.session_state["intake"].problems = {"medications[0].name": "is too long"}
    at.run()
    # medications[0] is the first filled row, i.e. the second box: one error, and only once
    assert errors(at) == ["This is too long."]
    at.session_state["intake"].problems = {"medications[1].name": "is too long"}
    at.run()
    assert errors(at) == []  # there is no second filled row (counting boxes would show it)


def test_the_draft_token_is_not_stored_as_the_idempotency_key(store_db):
    from sqlalchemy import select

    from store.schema import ScreeningRow

    at = new_app()
    complete_intake(at, patient())
    token = at.session_state["intake"].token
    with store_db.session(readonly=True) as session:
        keys = session.scalars(select(ScreeningRow.idempotency_key)).all()
    assert keys and token not in keys
