"""Validation of answer documents: one clear message per offending code, never a traceback."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from forms.definition import QUESTIONS, QUESTIONS_BY_CODE
from forms.models import InvalidDocument
from forms.validation import check_answers, parse_document
from tests.conftest import CLEAN_ANSWERS, make_doc


def problems_of(doc) -> list[str]:
    with pytest.raises(InvalidDocument) as caught:
        parse_document(doc)
    return [str(p) for p in caught.value.problems]


def test_clean_document_is_valid():
    screening = parse_document(make_doc())
    assert screening.age == 41
    assert screening.bmi is None


SPEC_CODES = """first_name last_name date_of_birth sex_at_birth phone email pregnant breastfeeding
reasons bipolar_disorder mania_current psychosis_current psychosis_history suicidal_thoughts
suicide_attempt_past_year cognitive_disorder substance_problem_current substance_problem_history
ketamine_recreational_history alcohol_drinks_per_week cannabis_use high_blood_pressure
blood_pressure_controlled heart_conditions aneurysm_or_avm brain_bleed_history
raised_brain_pressure thyroid_disease thyroid_treated glaucoma liver_disease
bladder_pain_or_cystitis sleep_apnea seizures ketamine_reaction allergies takes_no_medications
medications systolic_bp diastolic_bp heart_rate height_cm weight_kg escort_arranged
will_drive_after fasting_understood consent_accurate signature_name""".split()


def test_every_spec_code_is_in_the_form_in_order():
    assert [q.code for q in QUESTIONS] == SPEC_CODES


def test_every_choice_offering_unsure_is_a_choice():
    unsure = {q.code for q in QUESTIONS if "unsure" in q.values}
    assert unsure == {"pregnant", "bipolar_disorder", "mania_current", "psychosis_current",
                      "psychosis_history", "substance_problem_current", "high_blood_pressure",
                      "blood_pressure_controlled", "aneurysm_or_avm", "thyroid_disease"}


BAD = [
    # (name, overrides, expected problem text)
    ("systolic too high", {"systolic_bp": 400, "diastolic_bp": 80},
     "systolic_bp: 400 is above the allowed 260"),
    ("systolic too low", {"systolic_bp": 50, "diastolic_bp": 40},
     "systolic_bp: 50 is below the allowed 60"),
    ("systolic not above diastolic", {"systolic_bp": 80, "diastolic_bp": 90},
     "systolic_bp: the top number (80) must be higher than the bottom number (90)"),
    ("only systolic", {"systolic_bp": 120}, "diastolic_bp: give both blood pressure numbers"),
    ("only diastolic", {"diastolic_bp": 80}, "systolic_bp: give both blood pressure numbers"),
    ("bp as text", {"systolic_bp": "120", "diastolic_bp": 80},
     "systolic_bp: '120' is not a whole number"),
    ("weight as bool", {"weight_kg": True}, "weight_kg: True is not a whole number"),
    ("drinks negative", {"alcohol_drinks_per_week": -1}, "alcohol_drinks_per_week: -1 is below"),
    ("choice not allowed", {"bipolar_disorder": "maybe"},
     "bipolar_disorder: 'maybe' is not allowed; choose one of: yes, no, unsure"),
    ("yes as boolean", {"glaucoma": True}, "glaucoma: True is not allowed; choose one of: yes, no"),
    ("multi not a list", {"heart_conditions": "none"}, "heart_conditions: must be a list"),
    ("multi empty", {"heart_conditions": []}, "heart_conditions: choose at least one option"),
    ("none exclusive", {"heart_conditions": ["none", "heart_failure"]},
     "heart_conditions: 'none' cannot be combined"),
    ("multi unknown option", {"heart_conditions": ["broken_heart"]},
     "heart_conditions: 'broken_heart' not allowed"),
    ("signature mismatch", {"signature_name": "Anne Leigh"},
     "signature_name: must match your first and last name as given: Ann Lee"),
    ("unknown code", {"favourite_colour": "blue"}, "favourite_colour: is not a question of this form"),
    ("date format", {"date_of_birth": "15/06/1985"}, "date_of_birth: '15/06/1985' is not a date"),
    ("impossible date", {"date_of_birth": "1985-02-30"}, "date_of_birth: '1985-02-30' is not a real"),
    ("future birth", {"date_of_birth": "2030-01-01"}, "date_of_birth: 2030-01-01 is in the future"),
    ("too old", {"date_of_birth": "1890-01-01"}, "date_of_birth: 1890-01-01 gives an age over 120"),
    ("bad email", {"email": "ann@"}, "email: 'ann@' is not a valid email address"),
    ("bad phone", {"phone": "call me"}, "phone: 'call me' is not a valid phone number"),
    ("name too long", {"first_name": "A" * 101}, "first_name: is 101 characters long; the limit is 100"),
    ("blank name", {"first_name": "   "}, "first_name: is required"),
    ("control chars", {"last_name": "Lee\x00"}, "last_name: contains control characters"),
    ("fasting not ticked", {"fasting_understood": False}, "fasting_understood: must be ticked"),
    ("consent not ticked", {"consent_accurate": False}, "consent_accurate: must be ticked"),
    ("allergies too long", {"allergies": "x" * 1001}, "allergies: is 1001 characters long"),
    ("unasked pregnant for male", {"sex_at_birth": "male", "pregnant": "no"},
     "pregnant: was not asked because sex_at_birth is 'male'; remove this answer"),
    ("unasked bp control", {"blood_pressure_controlled": "yes"},
     "blood_pressure_controlled: was not asked because high_blood_pressure is 'no'"),
    ("unasked thyroid treated", {"thyroid_treated": "yes"}, "thyroid_treated: was not asked"),
    ("missing follow-up", {"high_blood_pressure": "yes"},
     "blood_pressure_controlled: is required"),
    ("no meds but some listed",
     {"takes_no_medications": True,
      "medications": [{"name": "Xanax", "dose": "", "frequency": "", "status": "current"}]},
     "medications: you ticked 'I take no medicines' but listed current ones"),
    ("meds claimed but none", {"takes_no_medications": False, "medications": []},
     "medications: add at least one medicine you take now"),
    ("bad med status",
     {"takes_no_medications": False,
      "medications": [{"name": "Xanax", "dose": "", "frequency": "", "status": "sometimes"}]},
     "medications[0].status: 'sometimes' is not allowed; choose one of: current, past"),
    ("med without name",
     {"takes_no_medications": False,
      "medications": [{"name": "", "dose": "", "frequency": "", "status": "current"}]},
     "medications[0].name: is required"),
    ("med extra field",
     {"takes_no_medications": False,
      "medications": [{"name": "Xanax", "status": "current", "colour": "blue"}]},
     "medications[0].colour: is not a medicine field"),
    ("too many meds",
     {"takes_no_medications": False,
      "medications": [{"name": "aspirin", "status": "current"}] * 61},
     "medications: has 61 entries; the limit is 60"),
]


@pytest.mark.parametrize(("overrides", "expected"), [pytest.param(o, e, id=n) for n, o, e in BAD])
def test_bad_answers_get_a_clear_message(overrides, expected):
    answers = copy.deepcopy(CLEAN_ANSWERS)
    answers.update(overrides)
    doc = {"form_version": "1", "answers": answers, "submitted_at": "2026-11-21T14:00:00Z"}
    found = problems_of(doc)
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize("code", [q.code for q in QUESTIONS if q.required and q.when is None])
def test_each_required_answer_is_required(code):
    answers = copy.deepcopy(CLEAN_ANSWERS)
    del answers[code]
    found = problems_of({"form_version": "1", "answers": answers})
    assert f"{code}: is required; please answer this question" in found


@pytest.mark.parametrize("code", ["phone", "email", "reasons", "allergies", "systolic_bp",
                                  "heart_rate", "height_cm", "weight_kg"])
def test_optional_answers_may_be_absent(code):
    assert not QUESTIONS_BY_CODE[code].required
    answers = copy.deepcopy(CLEAN_ANSWERS)
    answers.pop(code, None)
    parse_document({"form_version": "1", "answers": answers})


ENVELOPE = [
    ("not an object", [1, 2], "document: must be a JSON object"),
    ("no answers", {"form_version": "1"}, "answers: is required"),
    ("extra key", {"form_version": "1", "answers": {}, "patient": "x"},
     "patient: is not part of an answer document"),
    ("wrong version", {"form_version": "2", "answers": CLEAN_ANSWERS},
     "form_version: '2' is not supported"),
    ("bad timestamp", {"form_version": "1", "answers": CLEAN_ANSWERS, "submitted_at": "yesterday"},
     "submitted_at: must be an ISO 8601 date-time"),
    ("naive timestamp", {"form_version": "1", "answers": CLEAN_ANSWERS,
                         "submitted_at": "2026-11-21T14:00:00"},
     "submitted_at: must be an ISO 8601 date-time with a time zone"),
    ("answers not an object", {"form_version": "1", "answers": []}, "answers: must be an object"),
]


@pytest.mark.parametrize(("doc", "expected"), [pytest.param(d, e, id=n) for n, d, e in ENVELOPE])
def test_bad_envelope_gets_a_clear_message(doc, expected):
    found = problems_of(doc)
    assert any(p.startswith(expected) for p in found), found


def test_every_problem_is_reported_at_once():
    found = problems_of(make_doc(systolic_bp=400, diastolic_bp=20, bipolar_disorder="maybe"))
    codes = {p.split(":")[0] for p in found}
    assert {"systolic_bp", "diastolic_bp", "bipolar_disorder"} <= codes


def test_one_message_per_bad_answer_not_a_cascade():
    found = problems_of(make_doc(sex_at_birth="dog"))
    assert [p for p in found if p.startswith(("pregnant", "breastfeeding"))] == []


@pytest.mark.parametrize(("submitted_at", "age"), [
    ("2026-06-14T23:59:00Z", 40), ("2026-06-15T00:00:00Z", 41),
    # 00:30 UTC on the birthday, but still the 14th where the patient is (issue 9: the
    # patient's own calendar date, not UTC's)
    ("2026-06-14T22:30:00-02:00", 40), ("2026-06-15T00:30:00+09:00", 41),
])
def test_age_is_computed_at_submission(submitted_at, age):
    doc = make_doc()
    doc["submitted_at"] = submitted_at
    assert parse_document(doc).age == age


def test_age_without_submission_time_is_today():
    doc = make_doc()
    del doc["submitted_at"]
    screening = parse_document(doc)
    assert screening.reference_date == datetime.now(UTC).date()


@pytest.mark.parametrize(("height", "weight", "bmi"), [(165, 112, 41.1), (180, 80, 24.7),
                                                        (None, 80, None), (180, None, None)])
def test_bmi_is_derived(height, weight, bmi):
    screening = parse_document(make_doc(height_cm=height, weight_kg=weight))
    assert screening.bmi == bmi


def test_multi_answers_are_kept_in_form_order():
    screening = parse_document(make_doc(heart_conditions=["stroke_or_tia", "heart_failure"]))
    assert screening.answers["heart_conditions"] == ["heart_failure", "stroke_or_tia"]


def test_past_medications_are_allowed_with_no_current_ones():
    screening = parse_document(make_doc(past=["Valium"], takes_no_medications=True))
    assert [m.status for m in screening.medications] == ["past"]


def test_signature_matching_ignores_case_and_spacing():
    parse_document(make_doc(signature_name="  ann   LEE "))


def test_step_check_reports_only_that_step():
    from forms.steps import STEPS

    problems, _, _ = check_answers({"first_name": "Ann"}, today=datetime.now(UTC).date(),
                                   codes=STEPS[0].codes)
    assert {p.code for p in problems} == {"last_name", "date_of_birth", "sex_at_birth"}


def test_round_trip_to_document():
    doc = make_doc(meds=["Xanax 0.5mg"], systolic_bp=120, diastolic_bp=80)
    screening = parse_document(doc)
    again = parse_document(screening.to_document())
    assert again == screening
