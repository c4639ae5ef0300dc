"""Units (stored metric) and the patient's plain-word messages, without Streamlit."""

from __future__ import annotations

from datetime import date

import pytest

from forms import units
from forms.patient_messages import KINDS, patient_message
from forms.validation import check_answers


@pytest.mark.parametrize(("feet", "inches", "cm"), [
    (5, 5, 165), (6, 0, 183), (4, 11, 150), (None, 65, 165), (5, None, 152), (None, None, None)])
def test_feet_and_inches_to_whole_centimeters(feet, inches, cm):
    assert units.height_cm(feet, inches) == cm


@pytest.mark.parametrize(("lb", "kg"), [(160, 73), (100, 45), (350, 159), (None, None)])
def test_pounds_to_whole_kilograms(lb, kg):
    assert units.weight_kg(lb) == kg


@pytest.mark.parametrize("cm", range(100, 231, 7))
def test_a_stored_height_shows_back_in_feet_and_inches_without_drift(cm):
    feet, inches = units.feet_inches(cm)
    assert abs(units.height_cm(feet, inches) - cm) <= 1 and 0 <= inches < 12


@pytest.mark.parametrize(("height", "weight", "odd"), [
    (165, 73, None), (165, 160, 58.8), (183, 40, 11.9), (183, 55, None), (183, 48, 14.3),
    (None, 160, None), (165, None, None)])
def test_implausible_bmi(height, weight, odd):
    assert units.implausible_bmi(height, weight) == odd


TODAY = date(2026, 11, 21)


def problems_for(**answers):
    found, _, _ = check_answers(answers, today=TODAY)
    return {p.code: p.message for p in found}


@pytest.mark.parametrize(("answers", "code", "en", "es"), [
    ({"first_name": ""}, "first_name", "Please answer this question.", "Responda esta pregunta."),
    ({"last_name": "L" * 101}, "last_name",
     "This is 101 characters long; the limit is 100. Your text is kept: please shorten it.",
     "Tiene 101 caracteres; el límite es 100."),
    ({"date_of_birth": "2027-01-02"}, "date_of_birth",
     "This date is in the future. Please check the year.", "Esta fecha es futura."),
    ({"date_of_birth": "1890-01-02"}, "date_of_birth", "over 120. Please check the year.",
     "más de 120 años"),
    ({"email": "ann@"}, "email", "Please check this email address.", "Revise este correo"),
    ({"phone": "12"}, "phone", "Please check this phone number", "Revise este número"),
    ({"systolic_bp": 300, "diastolic_bp": 80}, "systolic_bp",
     "Please check this reading: 300 is higher than we expect (60 to 260).",
     "Revise esta medida: 300 es mayor de lo esperado (60 a 260)."),
    ({"systolic_bp": 120, "diastolic_bp": 20}, "diastolic_bp",
     "Please check this reading: 20 is lower than we expect (30 to 160).", "20 es menor"),
    ({"heart_rate": 300}, "heart_rate", "leave it blank if you are not sure", "déjela en blanco"),
    ({"height_cm": 65}, "height_cm", "Please check this number and the unit you chose.",
     "Revise este número y la unidad"),
    ({"alcohol_drinks_per_week": 500}, "alcohol_drinks_per_week",
     "Please enter a number from 0 to 200.", "Escriba un número de 0 a 200."),
    ({"systolic_bp": 80, "diastolic_bp": 90}, "systolic_bp",
     "The top number (80) should be higher than the bottom number (90).", "El número de arriba (80)"),
    ({"systolic_bp": 120}, "diastolic_bp", "Please give both blood pressure numbers",
     "Escriba los dos números"),
    ({"medications": [{"name": "x", "status": "current"}] * 61}, "medications",
     "You listed 61 medicines; this form takes up to 60.", "Anotó 61 medicamentos"),
])
def test_problems_in_plain_words(answers, code, en, es):
    message = problems_for(**answers)[code]
    assert en in patient_message(code, message, "en")
    assert es in patient_message(code, message, "es")
    assert "allowed" not in patient_message(code, message, "en")


def test_every_kind_has_english_and_spanish():
    for kind in KINDS:
        assert set(kind.text) == {"en", "es"}, kind.name
        assert all(text.strip() for text in kind.text.values()), kind.name


def test_an_unknown_message_is_still_shown():
    assert patient_message("first_name", "is something new") == "This is something new."
