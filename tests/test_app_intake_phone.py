"""Issue 12 in AppTest: units, pasted text over a limit, plain messages, the medicine limit,
explanations, and editing from the review page in one tap."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from forms.intake_state import IntakeState, MedRow
from forms.steps import STEP_IDS
from tests.apptest_helpers import click_next, complete_intake, current_step, errors, new_app, texts
from tests.conftest import CLEAN_ANSWERS

pytest_plugins = ["store.testing"]

VITALS = STEP_IDS.index("vitals")


@pytest.fixture(autouse=True)
def fresh_database(store_db):
    return store_db


def at_step(step_id: str, **state):
    at = new_app()
    at.session_state["intake"] = IntakeState(step=STEP_IDS.index(step_id), **state)
    at.run()
    return at


def test_height_and_weight_default_to_feet_inches_and_pounds_and_are_stored_metric():
    at = at_step("vitals")
    assert at.radio(key="unit_height").value == "ft_in"
    assert at.radio(key="unit_weight").value == "lb"
    at.number_input(key="q_height_ft").set_value(5)
    at.number_input(key="q_height_in").set_value(5)
    at.number_input(key="q_weight_lb").set_value(160).run()
    click_next(at)
    assert current_step(at).id == "visit", errors(at)
    answers = at.session_state["intake"].answers
    assert answers["height_cm"] == 165 and answers["weight_kg"] == 73
    at.button(key="back").click().run()  # shown again as typed
    assert at.number_input(key="q_weight_lb").value == 160
    assert at.number_input(key="q_height_ft").value == 5


def test_switching_units_converts_what_was_typed():
    at = at_step("vitals")
    at.number_input(key="q_weight_lb").set_value(160).run()
    at.radio(key="unit_weight").set_value("kg").run()
    assert at.number_input(key="q_weight_kg").value == 73


def test_an_implausible_bmi_is_questioned_before_next():
    at = at_step("vitals")
    at.radio(key="unit_height").set_value("cm").run()
    at.radio(key="unit_weight").set_value("kg").run()
    at.number_input(key="q_height_cm").set_value(165)
    at.number_input(key="q_weight_kg").set_value(160).run()  # 160 lb typed as kg
    click_next(at)
    assert current_step(at).id == "vitals"
    assert any("BMI) of 58.8" in w.value for w in at.warning)
    at.checkbox(key="bmi_confirmed").check().run()
    click_next(at)
    assert current_step(at).id == "visit"
    assert at.session_state["intake"].answers["weight_kg"] == 160


def test_a_height_typed_in_inches_as_centimeters_is_explained_plainly():
    at = at_step("vitals")
    at.radio(key="unit_height").set_value("cm").run()
    at.number_input(key="q_height_cm").set_value(65).run()
    click_next(at)
    assert current_step(at).id == "vitals"
    assert errors(at) == ["Please check this number and the unit you chose. Leave it blank if "
                          "you don't know it."]


def test_pasted_text_over_the_limit_is_kept_and_the_limit_explained():
    at = at_step("about")
    at.text_input(key="q_last_name").input("L" * 101).run()
    click_next(at)
    assert at.text_input(key="q_last_name").value == "L" * 101  # nothing disappears
    assert any("This is 101 characters long; the limit is 100. Your text is kept" in e
               for e in errors(at))


def test_a_long_allergy_list_is_kept_and_explained():
    at = at_step("other_health")
    at.text_area(key="q_allergies").input("penicillin, " * 100).run()
    click_next(at)
    assert at.text_area(key="q_allergies").value.startswith("penicillin, penicillin")
    assert any("the limit is 1000" in e for e in errors(at))


def test_a_birth_date_in_the_future_says_so():
    at = at_step("about")
    at.date_input(key="q_date_of_birth").set_value(date(date.today().year + 1, 1, 2)).run()
    click_next(at)
    assert "This date is in the future. Please check the year." in errors(at)
    assert "Please answer this question." not in [
        e for e in errors(at) if "future" in e]  # the filled field is not called unanswered


def test_an_odd_blood_pressure_asks_to_check_the_reading():
    at = at_step("vitals")
    at.number_input(key="q_systolic_bp").set_value(300)
    at.number_input(key="q_diastolic_bp").set_value(20).run()
    click_next(at)
    shown = errors(at)
    assert any(e.startswith("Please check this reading: 300 is higher than we expect") for e in shown)
    assert any(e.startswith("Please check this reading: 20 is lower than we expect") for e in shown)
    assert not any("allowed" in e for e in shown)


def test_the_medicine_limit_is_shown_beside_the_list():
    rows = [MedRow(name=f"vitamin {i}") for i in range(60)]
    at = at_step("medications", meds=rows)
    assert at.button(key="add_med").disabled
    assert any("60 medicines, the most this form takes" in i.value for i in at.info)


@pytest.mark.parametrize(("code", "words"), [
    ("aneurysm_or_avm", "arteriovenous malformation"),
    ("raised_brain_pressure", "Hydrocephalus is"),
    ("raised_brain_pressure", "A shunt is"),
    ("bladder_pain_or_cystitis", "Interstitial cystitis is"),
])
def test_medical_words_are_explained(code, words):
    step = {"aneurysm_or_avm": "cardiovascular", "raised_brain_pressure": "cardiovascular",
            "bladder_pain_or_cystitis": "other_health"}[code]
    at = at_step(step)
    assert words in texts(at)


def test_no_british_spellings_on_the_patient_side():
    at = at_step("cardiovascular")
    label = at.radio(key="q_raised_brain_pressure").label
    assert "tumor" in label and "tumour" not in label


def test_welcome_page_is_honest_about_im_not_sure():
    at = new_app()
    page = texts(at)
    assert "Where a question offers **I'm not sure**" in page or "Where a question offers" in page
    assert "Where it doesn't" in page


def test_editing_from_the_review_returns_there_in_one_tap():
    at = new_app()
    complete_intake(at, copy.deepcopy(CLEAN_ANSWERS), submit=False)
    assert current_step(at).id == "review"
    at.button(key="edit_about").click().run()
    assert current_step(at).id == "about"
    assert at.button(key="next").label == "Save and return to review"
    at.text_input(key="q_first_name").input("Anne").run()
    click_next(at)
    assert current_step(at).id == "review"
    assert at.session_state["intake"].answers["first_name"] == "Anne"
