"""Validation problems in plain words for the patient, in the patient's language.

``forms/validation.py`` keeps its technical ``{code, message}`` problems (the CLI, imports and
the clinic see those). The patient side reads each problem by its code and the parameters in
its message, and says what to do in plain words. Unknown messages fall back to the
validation text with a capital letter, so a new check is never silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forms.definition import QUESTIONS_BY_CODE

Language = str
VITALS = ("systolic_bp", "diastolic_bp", "heart_rate")


@dataclass(frozen=True)
class Kind:
    """One kind of problem: how to spot it in a validation message, and what to say."""

    name: str
    pattern: re.Pattern[str]
    text: dict[Language, str]
    codes: tuple[str, ...] = ()  # only for these question codes (empty: any)


def _k(name: str, pattern: str, en: str, es: str, codes: tuple[str, ...] = ()) -> Kind:
    return Kind(name, re.compile(pattern), {"en": en, "es": es}, codes)


KINDS: tuple[Kind, ...] = (
    _k("required_med_name", r"^is required: write the medicine's name",
       "Please write the medicine's name.",
       "Escriba el nombre del medicamento."),
    _k("required", r"^is required",
       "Please answer this question.",
       "Responda esta pregunta."),
    _k("too_long", r"^is (?P<n>\d+) characters long; the limit is (?P<max>\d+)",
       "This is {n} characters long; the limit is {max}. Your text is kept: please shorten it.",
       "Tiene {n} caracteres; el límite es {max}. Su texto se conserva: acórtelo, por favor."),
    _k("too_long_med", r"^is too long; the limit is (?P<max>\d+) characters",
       "This is too long; the limit is {max} characters. Please shorten it.",
       "Es demasiado largo; el límite es {max} caracteres. Acórtelo, por favor."),
    _k("control_chars", r"^contains control characters",
       "This has characters we cannot save. Please retype it as plain text.",
       "Contiene caracteres que no podemos guardar. Escríbalo de nuevo como texto simple."),
    _k("email", r"is not a valid email address",
       "Please check this email address. It should look like name@example.com.",
       "Revise este correo electrónico. Debe ser como nombre@ejemplo.com."),
    _k("phone", r"is not a valid phone number",
       "Please check this phone number: use 7 to 15 digits, for example +1 555 123 4567.",
       "Revise este número de teléfono: use de 7 a 15 dígitos, por ejemplo +1 555 123 4567."),
    _k("future_date", r"is in the future",
       "This date is in the future. Please check the year.",
       "Esta fecha es futura. Revise el año."),
    _k("too_old", r"gives an age over (?P<max>\d+)",
       "This date gives an age over {max}. Please check the year.",
       "Con esta fecha tendría más de {max} años. Revise el año."),
    _k("not_a_date", r"is not a (real calendar )?date",
       "Please enter a real date as month/day/year.",
       "Escriba una fecha real como mes/día/año."),
    _k("vital_range", r"^(?P<value>-?\d+) is (?P<dir>below|above) the allowed \d+ \(allowed "
       r"(?P<min>\d+)-(?P<max>\d+)\)",
       "Please check this reading: {value} is {dir_word} than we expect ({min} to {max}). "
       "Retype it, or leave both blood pressure numbers blank if you are not sure.",
       "Revise esta medida: {value} es {dir_word} de lo esperado ({min} a {max}). Escríbala de "
       "nuevo, o deje en blanco los dos números de presión si no está seguro.",
       codes=("systolic_bp", "diastolic_bp")),
    _k("pulse_range", r"^(?P<value>-?\d+) is (?P<dir>below|above) the allowed \d+ \(allowed "
       r"(?P<min>\d+)-(?P<max>\d+)\)",
       "Please check this reading: {value} is {dir_word} than we expect ({min} to {max}). "
       "Retype it, or leave it blank if you are not sure.",
       "Revise esta medida: {value} es {dir_word} de lo esperado ({min} a {max}). Escríbala de "
       "nuevo, o déjela en blanco si no está seguro.",
       codes=("heart_rate",)),
    _k("body_range", r"^(?P<value>-?\d+) is (?P<dir>below|above) the allowed \d+ \(allowed "
       r"(?P<min>\d+)-(?P<max>\d+)\)",
       "Please check this number and the unit you chose. Leave it blank if you don't know it.",
       "Revise este número y la unidad que eligió. Déjelo en blanco si no lo sabe.",
       codes=("height_cm", "weight_kg")),
    _k("range", r"^(?P<value>-?\d+) is (?P<dir>below|above) the allowed \d+ \(allowed "
       r"(?P<min>\d+)-(?P<max>\d+)\)",
       "Please enter a number from {min} to {max}.",
       "Escriba un número de {min} a {max}."),
    _k("whole_number", r"is not a whole number",
       "Please enter a whole number.",
       "Escriba un número entero."),
    _k("bp_both", r"^give both blood pressure numbers",
       "Please give both blood pressure numbers, or leave both blank.",
       "Escriba los dos números de la presión arterial, o deje los dos en blanco."),
    _k("bp_order", r"^the top number \((?P<top>\d+)\) must be higher than the bottom number "
       r"\((?P<bottom>\d+)\)",
       "The top number ({top}) should be higher than the bottom number ({bottom}). Please check "
       "the reading.",
       "El número de arriba ({top}) debe ser mayor que el de abajo ({bottom}). Revise la medida."),
    _k("must_tick", r"^must be ticked to submit",
       "Please tick this box to send your answers.",
       "Marque esta casilla para enviar sus respuestas."),
    _k("signature", r"^must match your first and last name as given: (?P<name>.*)$",
       "Please type your name exactly as you gave it: {name}.",
       "Escriba su nombre tal como lo dio: {name}."),
    _k("meds_conflict", r"^you ticked 'I take no medicines'",
       "You ticked \"I take no medicines\" but listed medicines you take now. Untick the box, "
       "or mark them as ones you used to take.",
       "Marcó \"No tomo medicamentos\" pero anotó medicamentos que toma ahora. Desmarque la "
       "casilla o márquelos como medicamentos que tomaba antes."),
    _k("meds_needed", r"^add at least one medicine",
       "Add at least one medicine you take now, or tick \"I take no medicines\".",
       "Anote al menos un medicamento que toma ahora, o marque \"No tomo medicamentos\"."),
    _k("too_many_meds", r"^has (?P<n>\d+) entries; the limit is (?P<max>\d+)",
       "You listed {n} medicines; this form takes up to {max}. Please remove some and tell "
       "the clinic about the others at your visit.",
       "Anotó {n} medicamentos; este formulario acepta hasta {max}. Quite algunos y hable de "
       "los demás con la clínica en su visita."),
)

_DIR_WORDS = {"en": {"below": "lower", "above": "higher"},
              "es": {"below": "menor", "above": "mayor"}}


def kind_of(code: str, message: str) -> tuple[Kind, dict[str, str]] | None:
    base = code.split("[", 1)[0].split(".", 1)[0]
    for kind in KINDS:
        if kind.codes and base not in kind.codes:
            continue
        found = kind.pattern.search(message)
        if found:
            return kind, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


def _fallback(message: str) -> str:
    if message.startswith("is "):
        return "This " + message + "."
    return message[:1].upper() + message[1:] + "."


def patient_message(code: str, message: str, language: Language = "en") -> str:
    """The problem in plain words for the patient, in their language."""
    found = kind_of(code, message)
    if found is None:
        return _fallback(message)
    kind, params = found
    text = kind.text.get(language) or kind.text["en"]
    words = _DIR_WORDS.get(language, _DIR_WORDS["en"])
    base = code.split("[", 1)[0].split(".", 1)[0]
    params.setdefault("dir", "above")
    params["dir_word"] = words[params["dir"]]
    if base in QUESTIONS_BY_CODE and "max" not in params:
        params["max"] = str(QUESTIONS_BY_CODE[base].max)
    return text.format(**params)
