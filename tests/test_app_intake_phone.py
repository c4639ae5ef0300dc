"""Issue 12 in AppTest: units, pasted text over a limit, plain messages, the medicine limit,
explanations, and editing from the review page in one tap."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from forms.intake_state import IntakeState, MedRow
from forms.patient_messages import patient_message
from forms.steps import STEP_IDS
from tests.apptest_helpers import click_next, complete_intake, current_step, errors, new_app, texts
from tests.conftest import CLEAN_ANSWERS

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


@pytest.mark.parametrize(("language", "feet", "inches"), [("en", "e.g. 5", "e.g. 7"),
                                                         ("es", "p. ej. 5", "p. ej. 7")])
def test_empty_height_boxes_show_examples_not_numbers_that_look_typed(language, feet, inches):
    at = at_step("vitals", language=language)
    assert at.number_input(key="q_height_ft").value is None
    assert at.number_input(key="q_height_ft").placeholder == feet
    assert at.number_input(key="q_height_in").placeholder == inches


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
    # The filled field is not called unanswered (the empty names beside it are).
    problem = at.session_state["intake"].problems["date_of_birth"]
    assert patient_message("date_of_birth", problem, "en") == (
        "This date is in the future. Please check the year.")


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


def test_a_patient_completes_the_whole_form_in_spanish():
    import store as db

    at = new_app()
    at.radio(key="language_choice").set_value("es").run()
    assert "Antes de su tratamiento con ketamina" in texts(at)
    answers = copy.deepcopy(CLEAN_ANSWERS)
    answers.update(takes_no_medications=False,
                   medications=[{"name": "Xanax 0.5mg", "status": "current"}])
    at.button(key="start").click().run()
    assert at.get("progress")[0].proto.text == "Paso 1 de 9: Sobre usted"
    assert at.radio(key="q_sex_at_birth").options == ["Femenino", "Masculino", "Intersexual",
                                                       "Prefiero no decirlo"]
    click_next(at)
    assert "Responda esta pregunta." in errors(at)
    at.session_state["intake"].step = None
    at.run()
    complete_intake(at, answers, submit=False)
    assert "Revisar y firmar" in texts(at)
    assert "Xanax 0.5mg" in texts(at)  # the patient's own text, unchanged
    at.button(key="submit").click().run()
    assert "Gracias. Sus respuestas fueron enviadas." in texts(at)
    assert "Nada de comida 6 horas antes de su cita." in texts(at)
    assert db.count_screenings() == 1
    rows, _ = db.list_queue(db.QueueFilters(), page=1, page_size=10)
    detail = db.get_screening(rows[0].id)
    assert detail.language == "es"  # clinicians see English labels and the patient's language
    assert detail.document["answers"]["sex_at_birth"] == "female"  # codes, never translations
    assert detail.document["answers"]["medications"][0]["name"] == "Xanax 0.5mg"


def test_medicine_feedback_in_spanish():
    at = at_step("medications", language="es")
    rid = at.session_state["intake"].meds[0].id
    at.text_input(key=f"med_name_{rid}").input("xanex 0.5 prn").run()
    assert "Entendimos: alprazolam, benzodiazepina (medicamento para la ansiedad o el sueño)" \
        in texts(at)


def test_the_language_is_remembered_in_the_draft():
    import store as db

    at = new_app()
    at.radio(key="language_choice").set_value("es").run()
    at.button(key="start").click().run()
    from tests.apptest_helpers import fill_step

    fill_step(at, copy.deepcopy(CLEAN_ANSWERS))
    click_next(at)
    token = at.session_state["intake"].token
    view = db.resume_draft(token, "1985-06-15")
    assert view.answers["_language"] == "es"
    again = new_app()
    again.query_params["resume"] = token
    again.run()
    again.date_input(key="resume_dob").set_value(date(1985, 6, 15))
    again.button(key="resume").click().run()
    assert again.session_state["intake"].language == "es"
    assert again.get("progress")[0].proto.text.startswith("Paso 2 de 9")


def _page_lang(at) -> list[str]:
    return [h.proto.body for h in at.html if "documentElement.lang" in h.proto.body]


def test_the_page_language_follows_the_patients_choice():
    at = new_app()
    assert _page_lang(at) == []  # an English session adds nothing to the page
    at.radio(key="language_choice").set_value("es").run()
    assert _page_lang(at) == ['<script>document.documentElement.lang = "es";</script>']
    at.radio(key="language_choice").set_value("en").run()
    assert _page_lang(at) == ['<script>document.documentElement.lang = "en";</script>']


def test_the_first_page_starts_loading_the_drug_dictionary_in_the_background(monkeypatch):
    """No patient waits at the medicines step: the first page a patient opens starts the
    dictionary and rules loading in a thread, and is drawn without waiting for it."""
    import threading

    from app_pages import services
    from rules import engine as engine_module

    loaded = threading.Event()
    release = threading.Event()

    def slow_engine():
        release.wait(30)  # still loading while the welcome page is drawn
        loaded.set()
        return None

    monkeypatch.setattr(engine_module, "get_engine", slow_engine)
    services.warm_up_in_background.clear()
    try:
        at = new_app()
        assert "Before your ketamine treatment" in texts(at) and not loaded.is_set()
        [warming] = [t for t in threading.enumerate() if t.name == "warm-up" and t.is_alive()]
        release.set()
        warming.join(30)
        assert loaded.is_set()
    finally:
        release.set()
        services.warm_up_in_background.clear()
