"""The questionnaire (form version 1) as data.

Codes and answer values are the contract of ``shared/spec/questionnaire.md``; the
wording is ours, written for patients (plain words, reading age ~12). Everything
else -- validation, branching, the intake pages, the CSV data dictionary -- is
driven from this table, so a question is described exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

FORM_VERSION = "1"

QuestionType = Literal["text", "date", "int", "choice", "multi", "bool", "medications"]


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str
    label: str


class When(BaseModel):
    """FHIR-style enableWhen: the question is asked only when this holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    op: Literal["eq", "ne", "in"]
    value: str | tuple[str, ...]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        given = answers.get(self.code)
        if given is None:
            return False
        if self.op == "eq":
            return bool(given == self.value)
        if self.op == "ne":
            return bool(given != self.value)
        return given in self.value


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    section: str
    type: QuestionType
    label: str
    help: str = ""
    options: tuple[Option, ...] = ()
    required: bool = True
    when: When | None = None
    min: int | None = None  # numeric range, or text length for text
    max: int | None = None
    unit: str = ""
    identifying: bool = False  # identifies the patient (dropped from de-identified exports)
    free_text: bool = False

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def label_of(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return value

    @model_validator(mode="after")
    def _options_match_type(self) -> Question:
        if self.type in ("choice", "multi") and not self.options:
            raise ValueError(f"{self.code}: a {self.type} question needs options")
        if self.type not in ("choice", "multi") and self.options:
            raise ValueError(f"{self.code}: only choice and multi questions take options")
        return self


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: str
    intro: str = ""


def _opts(*pairs: tuple[str, str]) -> tuple[Option, ...]:
    return tuple(Option(value=v, label=label) for v, label in pairs)


YES_NO = _opts(("yes", "Yes"), ("no", "No"))
YES_NO_UNSURE = _opts(("yes", "Yes"), ("no", "No"), ("unsure", "I'm not sure"))

SECTIONS: tuple[Section, ...] = (
    Section(id="about", title="About you", intro="A few details so the clinic knows who you are."),
    Section(
        id="mental_health",
        title="Mental health",
        intro="These questions help the care team keep you safe. There are no wrong answers.",
    ),
    Section(
        id="substances",
        title="Alcohol and drugs",
        intro="Honest answers help us plan a safe treatment. They are kept private.",
    ),
    Section(id="cardiovascular", title="Heart, blood pressure and brain"),
    Section(id="other_health", title="Other health"),
    Section(
        id="medications",
        title="Medicines",
        intro=(
            "List every medicine you take now, including supplements, vitamins and herbal "
            "remedies. Write names the way you know them."
        ),
    ),
    Section(
        id="vitals",
        title="Blood pressure, height and weight",
        intro="Only if you know them. Leave blank what you don't know; the clinic will measure.",
    ),
    Section(id="visit", title="Your visit"),
)

_Q = Question

QUESTIONS: tuple[Question, ...] = (
    # 1. About you
    _Q(code="first_name", section="about", type="text", label="First name", min=1, max=100,
       identifying=True),
    _Q(code="last_name", section="about", type="text", label="Last name", min=1, max=100,
       identifying=True),
    _Q(code="date_of_birth", section="about", type="date", label="Date of birth",
       identifying=True),
    _Q(code="sex_at_birth", section="about", type="choice", label="Sex assigned at birth",
       options=_opts(("female", "Female"), ("male", "Male"), ("intersex", "Intersex"),
                     ("prefer_not_to_say", "Prefer not to say"))),
    _Q(code="phone", section="about", type="text", label="Phone number", required=False,
       max=30, identifying=True, help="So the clinic can call you about your visit."),
    _Q(code="email", section="about", type="text", label="Email", required=False, max=254,
       identifying=True),
    _Q(code="pregnant", section="about", type="choice", label="Are you pregnant, or could you be?",
       options=YES_NO_UNSURE, when=When(code="sex_at_birth", op="ne", value="male")),
    _Q(code="breastfeeding", section="about", type="choice", label="Are you breastfeeding?",
       options=YES_NO, when=When(code="sex_at_birth", op="ne", value="male")),
    _Q(code="reasons", section="about", type="multi", label="What brings you to the clinic?",
       required=False, help="Choose all that apply.",
       options=_opts(("depression", "Depression"), ("anxiety", "Anxiety"), ("ptsd", "PTSD"),
                     ("ocd", "OCD"), ("bipolar_depression", "Bipolar depression"),
                     ("chronic_pain", "Long-term pain"), ("other", "Something else"))),
    # 2. Mental health
    _Q(code="bipolar_disorder", section="mental_health", type="choice",
       label="Has a doctor ever told you that you have bipolar disorder?", options=YES_NO_UNSURE),
    _Q(code="mania_current", section="mental_health", type="choice",
       label=("In the past month, have you had days when your mood was unusually high or "
              "irritable and you needed much less sleep than usual?"),
       options=YES_NO_UNSURE),
    _Q(code="psychosis_current", section="mental_health", type="choice",
       label=("Right now, do you hear or see things other people don't, or believe things "
              "others say are not true (for example, that you are being watched or followed)?"),
       options=YES_NO_UNSURE),
    _Q(code="psychosis_history", section="mental_health", type="choice",
       label=("Have you ever had schizophrenia, schizoaffective disorder, or a psychotic "
              "episode (losing touch with reality)?"),
       options=YES_NO_UNSURE),
    _Q(code="suicidal_thoughts", section="mental_health", type="choice",
       label="In the past month, have you had thoughts of ending your life?",
       options=_opts(("none", "No"),
                     ("passive", "I wished I were dead, but had no plan"),
                     ("active_with_plan", "Yes, and I made a plan")),
       help="If you are in danger now, call 988 (US) or your local emergency number."),
    _Q(code="suicide_attempt_past_year", section="mental_health", type="choice",
       label="In the past year, have you tried to end your life?", options=YES_NO),
    _Q(code="cognitive_disorder", section="mental_health", type="choice",
       label="Do you have dementia or another memory disorder?", options=YES_NO),
    # 3. Alcohol and drugs
    _Q(code="substance_problem_current", section="substances", type="choice",
       label=("In the past 3 months, have you used alcohol or drugs in a way you could not "
              "control, or that caused you problems?"),
       options=YES_NO_UNSURE),
    _Q(code="substance_problem_history", section="substances", type="choice",
       label="Have you ever had a problem with, or treatment for, alcohol or drug use?",
       options=YES_NO),
    _Q(code="ketamine_recreational_history", section="substances", type="choice",
       label="Have you ever used ketamine or PCP outside a clinic?", options=YES_NO),
    _Q(code="alcohol_drinks_per_week", section="substances", type="int",
       label="About how many alcoholic drinks do you have in a week?", min=0, max=200,
       unit="drinks", help="One drink is a can of beer, a glass of wine or a shot. Enter 0 if none."),
    _Q(code="cannabis_use", section="substances", type="choice",
       label="How often do you use cannabis (marijuana)?",
       options=_opts(("none", "Never"), ("occasional", "Sometimes"), ("daily", "Every day"))),
    # 4. Heart, blood pressure, brain
    _Q(code="high_blood_pressure", section="cardiovascular", type="choice",
       label="Has a doctor ever told you that you have high blood pressure?",
       options=YES_NO_UNSURE),
    _Q(code="blood_pressure_controlled", section="cardiovascular", type="choice",
       label="Is your blood pressure under control now (treated, with normal readings)?",
       options=YES_NO_UNSURE, when=When(code="high_blood_pressure", op="eq", value="yes")),
    _Q(code="heart_conditions", section="cardiovascular", type="multi",
       label="Do you have, or have you had, any of these?", help="Choose all that apply.",
       options=_opts(
           ("heart_attack_last_6_weeks", "A heart attack in the last 6 weeks"),
           ("heart_attack_earlier", "A heart attack more than 6 weeks ago"),
           ("chest_pain_at_rest_or_worsening", "Chest pain when resting, or chest pain getting worse"),
           ("heart_failure", "Heart failure"),
           ("irregular_heartbeat_symptomatic", "An irregular heartbeat that causes symptoms"),
           ("valve_disease", "Heart valve disease"),
           ("stroke_or_tia", "A stroke or mini-stroke (TIA)"),
           ("none", "None of these"),
       )),
    _Q(code="aneurysm_or_avm", section="cardiovascular", type="choice",
       label=("Have you ever had an aneurysm (a bulging artery, in the brain, chest, belly or "
              "elsewhere) or an AVM, treated or not?"),
       help=("An AVM (arteriovenous malformation) is a tangle of blood vessels where arteries "
             "join veins directly, most often in the brain or spine."),
       options=YES_NO_UNSURE),
    _Q(code="brain_bleed_history", section="cardiovascular", type="choice",
       label="Have you ever had bleeding in the brain?", options=YES_NO),
    _Q(code="raised_brain_pressure", section="cardiovascular", type="choice",
       label=("Do you have a brain tumor, hydrocephalus or a shunt, or high pressure "
              "inside the head?"),
       help=("Hydrocephalus is a build-up of fluid in the brain. A shunt is a thin tube put in "
             "by a surgeon to drain that fluid."),
       options=YES_NO),
    # 5. Other health
    _Q(code="thyroid_disease", section="other_health", type="choice",
       label="Do you have a thyroid problem?",
       options=_opts(("none", "No"), ("underactive", "Yes, underactive (hypothyroid)"),
                     ("overactive", "Yes, overactive (hyperthyroid)"), ("unsure", "I'm not sure"))),
    _Q(code="thyroid_treated", section="other_health", type="choice",
       label="Is your thyroid problem treated and stable?", options=YES_NO,
       when=When(code="thyroid_disease", op="in", value=("underactive", "overactive"))),
    _Q(code="glaucoma", section="other_health", type="choice",
       label="Do you have glaucoma or high pressure in the eye?", options=YES_NO),
    _Q(code="liver_disease", section="other_health", type="choice",
       label=("Do you have liver disease (such as cirrhosis or hepatitis with liver damage), "
              "or were you told your liver tests are very high?"),
       options=YES_NO),
    _Q(code="bladder_pain_or_cystitis", section="other_health", type="choice",
       label="Do you have interstitial cystitis or long-term bladder pain?", options=YES_NO,
       help=("Interstitial cystitis is a long-lasting bladder condition that causes bladder "
             "pain or pressure and a frequent, urgent need to pass urine.")),
    _Q(code="sleep_apnea", section="other_health", type="choice",
       label="Do you have sleep apnea (stopping breathing during sleep)?",
       options=_opts(("none", "No"), ("treated", "Yes, and I use a CPAP or other device"),
                     ("untreated", "Yes, and it is not treated"))),
    _Q(code="seizures", section="other_health", type="choice",
       label="Have you ever had epilepsy or a seizure?", options=YES_NO),
    _Q(code="ketamine_reaction", section="other_health", type="choice",
       label=("Have you ever had an allergic or serious reaction to ketamine or esketamine "
              "(Spravato)?"),
       options=YES_NO),
    _Q(code="allergies", section="other_health", type="text", label="Any other allergies?",
       required=False, max=1000, free_text=True,
       help="Medicines, foods, latex, and what happened."),
    # 6. Medications
    _Q(code="takes_no_medications", section="medications", type="bool",
       label="I take no medicines, supplements or herbal remedies"),
    _Q(code="medications", section="medications", type="medications", label="Your medicines",
       required=False, min=0, max=60, free_text=True),
    # 7. Vitals (all optional)
    _Q(code="systolic_bp", section="vitals", type="int", label="Blood pressure: top number",
       required=False, min=60, max=260, unit="mmHg", help="Your most recent reading, e.g. 120."),
    _Q(code="diastolic_bp", section="vitals", type="int", label="Blood pressure: bottom number",
       required=False, min=30, max=160, unit="mmHg", help="For example 80."),
    _Q(code="heart_rate", section="vitals", type="int", label="Heart rate (pulse)",
       required=False, min=25, max=220, unit="beats per minute"),
    _Q(code="height_cm", section="vitals", type="int", label="Height", required=False,
       min=100, max=230, unit="cm"),
    _Q(code="weight_kg", section="vitals", type="int", label="Weight", required=False,
       min=25, max=350, unit="kg"),
    # 8. Your visit
    _Q(code="escort_arranged", section="visit", type="choice",
       label="Will an adult take you home after your treatment?", options=YES_NO),
    _Q(code="will_drive_after", section="visit", type="choice",
       label="Do you plan to drive on the day of your treatment?", options=YES_NO),
    _Q(code="fasting_understood", section="visit", type="bool",
       label=("I understand: no food for 6 hours before my visit, and only clear liquids "
              "until 2 hours before.")),
    _Q(code="consent_accurate", section="visit", type="bool",
       label="My answers are true and complete as far as I know."),
    _Q(code="signature_name", section="visit", type="text",
       label="Type your full name as your signature", min=1, max=201, identifying=True),
)

QUESTIONS_BY_CODE: dict[str, Question] = {q.code: q for q in QUESTIONS}
SECTION_IDS: tuple[str, ...] = tuple(s.id for s in SECTIONS)
SECTIONS_BY_ID: dict[str, Section] = {s.id: s for s in SECTIONS}

# Bool questions that must be ticked before a screening can be submitted.
MUST_BE_TRUE: tuple[str, ...] = ("fasting_understood", "consent_accurate")
MEDICATION_STATUSES: tuple[str, ...] = ("current", "past")
MAX_MEDICATIONS = 60
MEDICATION_NAME_MAX = 200
MEDICATION_FIELD_MAX = 100


def questions_in(section_id: str) -> tuple[Question, ...]:
    return tuple(q for q in QUESTIONS if q.section == section_id)


def _check_table() -> None:
    """Fail at import, not at a patient, if the table contradicts itself."""
    seen: set[str] = set()
    for question in QUESTIONS:
        if question.code in seen:
            raise ValueError(f"forms/definition.py: duplicate question code {question.code!r}")
        seen.add(question.code)
        if question.section not in SECTIONS_BY_ID:
            raise ValueError(f"forms/definition.py: {question.code}: unknown section")
        if question.when is not None:
            target = QUESTIONS_BY_CODE.get(question.when.code)
            if target is None or target.code == question.code:
                raise ValueError(f"forms/definition.py: {question.code}: bad 'when' code")
            wanted = (question.when.value,) if isinstance(question.when.value, str) \
                else question.when.value
            for value in wanted:
                if value not in target.values:
                    raise ValueError(
                        f"forms/definition.py: {question.code}: 'when' value {value!r} "
                        f"is not an option of {target.code}"
                    )


_check_table()
