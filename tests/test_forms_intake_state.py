"""The intake state machine without Streamlit: collect, check, move, to_document."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest

from forms import intake_state as flow
from forms.models import InvalidDocument
from forms.steps import STEP_IDS, STEPS
from forms.validation import parse_document
from tests.conftest import CLEAN_ANSWERS

TODAY = date(2026, 11, 21)


def step_values(step_id: str, answers: dict) -> dict:
    step = STEPS[STEP_IDS.index(step_id)]
    return {c: answers.get(c) for c in step.codes if c != "medications"}


def walk(state: flow.IntakeState, answers: dict) -> None:
    """Every step from the first to the review page, as a patient with these answers."""
    flow.start(state)
    for step in STEPS[:-1]:
        assert state.current is not None and state.current.id == step.id
        if step.id == "medications":
            for med in answers.get("medications", []):
                row = flow.add_med(state)
                assert row is not None
                row.name, row.status = med["name"], med["status"]
        moved = flow.next_step(state, step_values(step.id, answers), TODAY)
        assert moved, state.problems


def test_a_new_state_is_on_the_welcome_page():
    state = flow.IntakeState()
    assert state.step is None and state.current is None and state.answers == {}
    flow.start(state)
    assert state.current.id == "about" and state.moves == 1


def test_next_refuses_an_unanswered_step_and_names_each_question():
    state = flow.IntakeState(step=0)
    assert not flow.next_step(state, {}, TODAY)
    assert state.step == 0
    assert set(state.problems) == {"first_name", "last_name", "date_of_birth", "sex_at_birth"}


def test_next_moves_on_and_keeps_valid_answers():
    state = flow.IntakeState(step=0)
    assert flow.next_step(state, step_values("about", CLEAN_ANSWERS), TODAY)
    assert state.current.id == "mental_health" and state.problems == {}
    assert state.answers["first_name"] == "Ann"


def test_collect_ignores_codes_of_other_steps_and_drops_blanks():
    state = flow.IntakeState(step=0, answers={"phone": "555 123 4567"})
    flow.collect(state, {"first_name": "Ann", "bipolar_disorder": "yes", "phone": None})
    assert state.answers == {"first_name": "Ann"}


def test_a_change_that_hides_a_follow_up_drops_its_answer():
    state = flow.IntakeState(step=0, answers={"sex_at_birth": "female", "pregnant": "yes"})
    flow.collect(state, {"sex_at_birth": "male"})
    assert "pregnant" not in state.answers


def test_locked_prefilled_answers_are_not_overwritten():
    state = flow.IntakeState()
    flow.prefill(state, {"first_name": "Ann", "date_of_birth": "1985-06-15"})
    flow.start(state)
    flow.collect(state, {"first_name": "Eve", "last_name": "Lee"})
    assert state.answers["first_name"] == "Ann" and state.answers["last_name"] == "Lee"
    assert state.locked == {"first_name", "date_of_birth"}


def test_back_keeps_what_was_typed_without_checking_it():
    state = flow.IntakeState(step=1)
    flow.back(state, {"bipolar_disorder": "unsure"})
    assert state.step == 0 and state.answers["bipolar_disorder"] == "unsure"
    flow.back(state, {})
    assert state.step == 0  # never before the first step


def test_edit_from_the_review_returns_there_in_one_next():
    state = flow.IntakeState()
    walk(state, CLEAN_ANSWERS)
    assert state.on_review
    flow.edit(state, STEP_IDS.index("cardiovascular"), {"signature_name": "Ann Lee"})
    assert state.current.id == "cardiovascular" and state.back_to_review
    assert state.answers["signature_name"] == "Ann Lee"  # the review page was collected
    assert flow.next_step(state, {"high_blood_pressure": "no"}, TODAY)
    assert state.on_review and not state.back_to_review


def test_edit_that_needs_a_fix_stays_on_the_step():
    state = flow.IntakeState()
    walk(state, CLEAN_ANSWERS)
    flow.edit(state, 0, {})
    assert not flow.next_step(state, {"first_name": None}, TODAY)
    assert state.step == 0 and "first_name" in state.problems


def test_medicine_rows_blank_rows_are_not_sent_and_problems_count_filled_rows():
    state = flow.IntakeState(step=STEP_IDS.index("medications"))
    blank, named = flow.add_med(state), flow.add_med(state)
    flow.update_meds(state, {named.id: {"name": "x" * 201, "status": "current"}})
    assert state.medications() == [{"name": "x" * 201, "dose": "", "frequency": "",
                                    "status": "current"}]
    assert not flow.next_step(state, {"takes_no_medications": False}, TODAY)
    assert "medications[0].name" in state.problems
    flow.remove_med(state, named.id)
    assert [r.id for r in state.meds] == [blank.id]


def test_medicine_list_is_capped():
    state = flow.IntakeState()
    for _ in range(60):
        assert flow.add_med(state) is not None
    assert flow.add_med(state) is None and len(state.meds) == 60


def test_ticking_no_medicines_with_current_ones_is_refused_not_dropped():
    state = flow.IntakeState(step=STEP_IDS.index("medications"))
    row = flow.add_med(state)
    row.name = "Xanax"
    assert not flow.next_step(state, {"takes_no_medications": True}, TODAY)
    assert "medications" in state.problems and state.medications()[0]["name"] == "Xanax"


def test_submit_builds_the_spec_document_that_parses():
    answers = copy.deepcopy(CLEAN_ANSWERS)
    answers.update(takes_no_medications=False,
                   medications=[{"name": "sertraline", "status": "current"}])
    state = flow.IntakeState()
    walk(state, answers)
    now = datetime(2026, 11, 21, 9, 30, 15, 123, tzinfo=UTC)
    document = flow.submit(state, step_values("review", answers), now)
    assert document["form_version"] == "1" and document["submitted_at"] == "2026-11-21T09:30:15Z"
    assert document["answers"]["medications"] == [
        {"name": "sertraline", "dose": "", "frequency": "", "status": "current"}]
    screening = parse_document(document)
    assert screening.answers["first_name"] == "Ann"


def test_a_refused_submit_with_a_wrong_signature_says_why():
    state = flow.IntakeState()
    walk(state, CLEAN_ANSWERS)
    values = {**step_values("review", CLEAN_ANSWERS), "signature_name": "Someone Else"}
    now = datetime(2026, 11, 21, tzinfo=UTC)
    document = flow.submit(state, values, now)
    with pytest.raises(InvalidDocument) as caught:  # checked once, where it is submitted
        parse_document(document)
    flow.refused(state, caught.value.problems)
    assert "signature_name" in state.problems


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_draft_round_trips_with_its_medicines_and_language(language):
    state = flow.IntakeState(step=5, answers={"first_name": "Ann"}, language=language)
    row = flow.add_med(state)
    row.name, row.status = "Xanax", "past"
    saved = flow.draft_answers(state)
    again = flow.from_draft(saved, 5, "tok")
    assert again.answers == {"first_name": "Ann"} and again.language == language
    assert again.medications() == state.medications() and again.token == "tok"


def test_a_draft_step_beyond_the_form_opens_the_review():
    assert flow.from_draft({}, 99, "tok").on_review


def test_only_the_row_being_edited_blank_rows_and_rows_with_a_problem_are_open():
    state = flow.IntakeState(step=STEP_IDS.index("medications"))
    first = flow.add_med(state)
    assert flow.open_meds(state) == {first.id}
    first.name = "sertraline"
    second = flow.add_med(state)  # adding a row closes the one typed before
    assert state.editing == second.id and flow.open_meds(state) == {second.id}
    second.name = "Lamictal"
    flow.edit_med(state, first.id)
    assert flow.open_meds(state) == {first.id}
    flow.edit_med(state, None)
    assert flow.open_meds(state) == set()
    third = flow.add_med(state)
    flow.edit_med(state, first.id)
    assert flow.open_meds(state) == {first.id, third.id}  # a blank row is never text
    flow.remove_med(state, first.id)
    assert state.editing is None and flow.open_meds(state) == {third.id}
    flow.edit_med(state, "no-such-row")
    assert state.editing is None


def test_a_row_with_a_problem_opens_and_moving_closes_the_rest():
    state = flow.IntakeState(step=STEP_IDS.index("medications"))
    blank, long_name, fine = flow.add_med(state), flow.add_med(state), flow.add_med(state)
    long_name.name, fine.name = "x" * 201, "sertraline"
    assert not flow.next_step(state, {"takes_no_medications": False}, TODAY)
    # medications[0] is the first *filled* row: the long name, not the blank row above it
    assert "medications[0].name" in state.problems
    assert flow.open_meds(state) == {blank.id, long_name.id, fine.id}
    state.editing = None
    assert flow.open_meds(state) == {blank.id, long_name.id}
    long_name.name = "Xanax"
    assert flow.next_step(state, {"takes_no_medications": False}, TODAY)
    flow.back(state, {})
    assert state.current.id == "medications" and flow.open_meds(state) == {blank.id}
