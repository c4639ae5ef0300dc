"""The patient side in the patient's language.

English is the source: the question table (``forms/definition.py``), the visit preparation
(``forms/data/visit_prep.yaml``), the drug class labels (``rules/data/drugs.yaml``) and the page
wording in :data:`UI` below. Every other language is one file beside the questionnaire data,
``forms/data/i18n/<language>.yaml``, validated at load; ``missing()`` lists every string
without a translation (a test fails on any). Clinicians always read English labels; only
the patient's own typed text is kept as typed.

The translations must be reviewed by a qualified medical translator before clinical use.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from forms.definition import QUESTIONS, QUESTIONS_BY_CODE, SECTIONS_BY_ID, Question
from forms.visit_prep import VisitPrep, load_visit_prep

I18N_DIR = Path(__file__).parent / "data" / "i18n"
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT = "en"

# Page wording (English source). {names} are filled in by the page.
UI: dict[str, str] = {
    "welcome_title": "Before your ketamine treatment",
    "welcome_intro": ("This form helps the clinic make sure treatment is safe for you. It takes "
                      "about 10 minutes. Have a list of your medicines nearby."),
    "welcome_saved": "Your answers are saved after each step, so you can stop and come back.",
    "welcome_private": "Only the clinic's care team can see your answers.",
    "welcome_unsure": ("Where a question offers **I'm not sure**, choose it if you don't know: "
                       "the clinic will check. Where it doesn't, choose the closest answer and "
                       "tell the clinic at your visit."),
    "language": "Language / Idioma",
    "start": "Start",
    "resume_title": "Continue your screening",
    "resume_intro": "To keep your answers private, please enter your date of birth.",
    "resume_dob": "Date of birth",
    "resume_failed": ("We could not open a screening with that link and date of birth. "
                      "Check the date, or start a new screening."),
    "resume_continue": "Continue",
    "resume_restart": "Start a new screening instead",
    "sent_title": "Thank you. Your answers were sent.",
    "sent_success": "The clinic has received your screening.",
    "sent_next": "What happens next",
    "new_screening": "Start a new screening",
    "progress": "Step {number} of {total}: {title}",
    "announce": "{title}: step {number} of {total}",
    "save_link_title": "Need a break? Save your link",
    "save_link_text": ("Your answers are saved. Bookmark or copy this link to come back; you "
                       "will need your date of birth. Keep it private."),
    "no_meds_hint": ("If you do take anything, even vitamins or herbal remedies, untick the "
                     "box and add them."),
    "medicine_n": "Medicine {n}",
    "med_name": "Name",
    "med_name_example": "e.g. Xanax, sertraline, fish oil",
    "med_dose": "Dose (optional)",
    "med_dose_example": "e.g. 0.5 mg",
    "med_frequency": "How often (optional)",
    "med_frequency_example": "e.g. twice a day, as needed",
    "med_understood": "We understood: {what}",
    "med_partly": ("We understood: {what}. Some of what you wrote we could not read: a "
                   "clinician will check it with you."),
    "med_unknown": "We could not recognize this name. That is fine: a clinician will check it with you.",
    "med_now": "Do you take it now?",
    "med_current": "I take it now",
    "med_past": "I used to take it",
    "med_remove": "Remove",
    "med_edit": "Edit",
    "med_done": "Done",
    "med_add": "Add another medicine",
    "med_limit": ("You have listed {max} medicines, the most this form takes. Please tell the "
                  "clinic about any others at your visit."),
    "height_units": "Height (optional): which units?",
    "weight_units": "Weight (optional): which units?",
    "ft_in": "Feet and inches",
    "cm": "Centimeters",
    "lb": "Pounds",
    "kg": "Kilograms",
    "feet": "Feet",
    "inches": "Inches",
    # "e.g.": a bare "5" and "7" in the boxes read as a height already filled in.
    "feet_example": "e.g. 5",
    "inches_example": "e.g. 7",
    "height_in_cm": "Height in centimeters",
    "weight_in_lb": "Weight in pounds",
    "weight_in_kg": "Weight in kilograms",
    "blank_if_unknown": "Leave blank if unknown",
    "enter_number": "Enter a number",
    "phone_example": "e.g. 555 123 4567",
    "email_example": "e.g. name@example.com",
    "optional": "{label} (optional)",
    "date_format": "{label} (month/day/year)",
    "bmi_question": ("Your height and weight give a body mass index (BMI) of {bmi}, which is "
                     "very unusual. Please check both numbers and the units you chose (pounds "
                     "or kilograms, feet and inches or centimeters). If they are right, tick "
                     "the box below and press Next."),
    "bmi_confirm": "My height and weight are right",
    "check_marked": "Please check the answers marked above.",
    "save_failed": ("We could not save your answers just now. Please try again; if it happens "
                    "again, retype any pasted text or call the clinic."),
    "submit_busy": ("Your answers are saved, but the form could not be sent just now because "
                    "many forms arrived at once. Please press Submit again in about {seconds} "
                    "seconds."),
    "back": "Back",
    "next": "Next",
    "back_to_review": "Save and return to review",
    "submit": "Submit my answers",
    "edit": "Edit",
    "yes": "Yes",
    "no": "No",
    "no_medicines": "I take no medicines",
    "med_now_short": "now",
    "med_past_short": "in the past",
    "height_shown": "{feet} ft {inches} in ({cm} cm)",
    "weight_shown": "{pounds} lb ({kg} kg)",
    "fix_with_edit": "{where}: {question}: {problem} Use Edit to fix it.",
    "sign": "Sign",
    "review_title": "Check and sign",
    "review_intro": "Check your answers, then sign and send them to the clinic.",
    # Crisis help (app_pages/crisis.py): a safety message, so never left in English.
    "crisis_thanks": "Thank you for telling us. Your safety matters most.",
    "crisis_title": "You do not have to wait for your visit",
    "crisis_talk": ("**Talk to someone now, free, any time:** call or text **988**, the Suicide "
                    "& Crisis Lifeline."),
    "crisis_call": "Call 988",
    "crisis_text": "Text 988",
    "crisis_danger": "**If you are in danger now, call [911](tel:911).**",
    "crisis_keep_going": "You can keep going with the form; the clinic will see your answer.",
    "crisis_alerted": "The clinic has been alerted to your answers and will contact you today.",
    "crisis_will_read": ("A clinician will read your answers. Please do not wait for their call "
                         "if you feel unsafe."),
    # The clinic's invitation link, before the date of birth (app_pages/invitation_entry.py).
    "invite_title": "Your screening before your visit",
    "invite_intro": ("Your clinic has asked you to answer some questions before your appointment. "
                     "It takes about 10 minutes, and your answers are saved after each step: "
                     "this same link brings you back to where you stopped."),
    "invite_failed": ("We could not open your clinic's link with that date of birth. Check the "
                      "date; if it still does not work, call the clinic."),
    "invite_expired": ("This link has expired because the appointment has passed. Please call "
                       "the clinic for a new one."),
    # Visit preparation as clock times (forms/prep.py, app_pages/prep.py).
    "clock": "{hour}:{minute} {half}",
    "clock_one": "{hour}:{minute} {half}",  # 1 o'clock (Spanish: "la 1:00", not "las")
    "am": "am",
    "pm": "pm",
    "weekdays": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "months": ("January February March April May June July August September October "
               "November December"),
    "date_long": "{weekday} {day} {month}",
    "prep_food": "No food after {time} on {day}",
    "prep_liquids": "clear liquids until {time}",
    "prep_liquids_day": "clear liquids until {time} on {day}",
    "prep_arrive": "arrive with the adult who will drive you home at {time}",
    "prep_arrive_day": "arrive with the adult who will drive you home at {time} on {day}",
    "when": "{day} at {time}",
    "prep_appointment": "Your appointment: {when}",
    "prep_calendar": "Add to my calendar (.ics)",
    "prep_ics_summary": "Appointment at {clinic}",
    "prep_ics_alarm": "Stop eating now: {liquids}",
    # The clinic's name where CLINIC_NAME is not set (emails, calendar file).
    "clinic_default": "Your clinic",
    # While the drug dictionary is still loading (the first patient after a restart).
    "loading": "Loading…",
    # Emails to a patient (store/patient_mail.py), in their language; never a name. The
    # invitation's language is the one the front desk chose.
    "mail_invitation_subject": "{clinic}: your screening before your appointment",
    "mail_invitation_body": ("Hello,\n\n{clinic} asks you to answer a short screening before "
                             "your appointment on {when}. It takes about 10 minutes; your "
                             "answers are saved as you go, and this link brings you back to "
                             "where you stopped:\n\n{link}\n\nYou will need your date of birth "
                             "to open it. Please do not forward this email.\n"),
    "mail_continue_subject": "{clinic}: continue your screening",
    "mail_continue_body": ("Hello,\n\nHere is the link to continue your screening for {clinic}:"
                           "\n\n{link}\n\nYou will need your date of birth to open it. If you "
                           "did not ask for this email, you can ignore it.\n"),
    "mail_reminder_subject": "{clinic}: your appointment tomorrow",
    "mail_reminder_body": ("Hello,\n\nA reminder of your appointment at {clinic} on {when}.\n\n"
                           "{prep}\n\nIf you have not finished your screening yet, please use "
                           "the link in the clinic's invitation email. To change the "
                           "appointment, call the clinic.\n"),
    # "Email me a link to continue" (app_pages/invitation_entry.py).
    "email_me": "Email me a link to continue",
    "email_me_sent": "We emailed you a link to continue. It may take a few minutes to arrive.",
    "email_me_failed": "We could not send the email just now. Copy this link instead:",
    "email_me_not_configured": "Email is not set up at this clinic. Copy this link to come back later:",
}


class SectionText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    intro: str = ""


class QuestionText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    help: str = ""
    unit: str = ""
    options: dict[str, str] = {}


class Translation(BaseModel):
    """One language's file: every key must be a real section, question, option or UI key."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sections: dict[str, SectionText]
    questions: dict[str, QuestionText]
    ui: dict[str, str]
    visit_prep: VisitPrep
    drug_classes: dict[str, str]
    problems: dict[str, str] = {}


class TranslationError(ValueError):
    pass


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@lru_cache(maxsize=8)
def load(language: str) -> Translation | None:
    """The translation file of a language (None for English), checked against the sources."""
    if language == DEFAULT:
        return None
    if language not in LANGUAGES:
        raise TranslationError(f"unknown language {language!r}")
    path = I18N_DIR / f"{language}.yaml"
    try:
        data = Translation.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except Exception as err:  # a typo fails at load with the file's name
        raise TranslationError(f"{path}: {err}") from None
    unknown = ([f"sections.{k}" for k in data.sections if k not in SECTIONS_BY_ID]
               + [f"questions.{k}" for k in data.questions if k not in QUESTIONS_BY_CODE]
               + [f"ui.{k}" for k in data.ui if k not in UI])
    for code, text in data.questions.items():
        question = QUESTIONS_BY_CODE.get(code)
        if question is not None:
            unknown += [f"questions.{code}.options.{v}" for v in text.options
                        if v not in question.values]
    for key, ui_text in data.ui.items():
        if key in UI and _fields(ui_text) != _fields(UI[key]):
            unknown.append(f"ui.{key}: placeholders {sorted(_fields(ui_text))} "
                           f"!= {sorted(_fields(UI[key]))}")
    if unknown:
        raise TranslationError(f"{path}: not in the English source: {', '.join(unknown)}")
    return data


def drug_class_ids() -> dict[str, str]:
    """Drug class id -> English label, read from the drug table without loading the lexicon."""
    path = Path(__file__).resolve().parent.parent / "rules" / "data" / "drugs.yaml"
    text = path.read_text(encoding="utf-8")
    block = text.split("\nclasses:\n", 1)[1]
    labels: dict[str, str] = {}
    for line in block.splitlines():
        found = re.match(r"^  ([a-z0-9_]+): \{label: (.*)\}\s*$", line)
        if found:
            labels[found.group(1)] = found.group(2).strip('"')
        elif line and not line.startswith(" ") and not line.startswith("#"):
            break
    return labels


def missing(language: str) -> list[str]:
    """Every English string of the patient side that has no translation in ``language``."""
    data = load(language)
    if data is None:
        return []
    gaps: list[str] = []
    for section_id, section in SECTIONS_BY_ID.items():
        text = data.sections.get(section_id)
        if text is None:
            gaps.append(f"sections.{section_id}")
        elif section.intro and not text.intro:
            gaps.append(f"sections.{section_id}.intro")
    for question in QUESTIONS:
        q_text = data.questions.get(question.code)
        if q_text is None:
            gaps.append(f"questions.{question.code}")
            continue
        if question.help and not q_text.help:
            gaps.append(f"questions.{question.code}.help")
        if question.unit and not q_text.unit:
            gaps.append(f"questions.{question.code}.unit")
        gaps += [f"questions.{question.code}.options.{v}" for v in question.values
                 if v not in q_text.options]
    gaps += [f"ui.{key}" for key in UI if key not in data.ui]
    prep = load_visit_prep()
    if (len(data.visit_prep.items) != len(prep.items)
            or len(data.visit_prep.next_steps) != len(prep.next_steps)):
        gaps.append("visit_prep (every item and next step, in the same order)")
    gaps += [f"drug_classes.{c}" for c in drug_class_ids() if c not in data.drug_classes]
    return gaps


class Text:
    """The patient side's words in one language (English where a language has none)."""

    def __init__(self, language: str = DEFAULT) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self.data = load(self.language)

    def ui(self, key: str, **params: object) -> str:
        text = (self.data.ui.get(key) if self.data else None) or UI[key]
        return text.format(**params) if params else text

    def _question(self, question: Question) -> QuestionText | None:
        return self.data.questions.get(question.code) if self.data else None

    def label(self, question: Question) -> str:
        text = self._question(question)
        return text.label if text else question.label

    def help(self, question: Question) -> str:
        text = self._question(question)
        return text.help if text and text.help else question.help

    def unit(self, question: Question) -> str:
        text = self._question(question)
        return text.unit if text and text.unit else question.unit

    def option(self, question: Question, value: str) -> str:
        text = self._question(question)
        if text and value in text.options:
            return text.options[value]
        return question.label_of(value)

    def section(self, section_id: str) -> tuple[str, str]:
        if section_id == "review":
            return self.ui("review_title"), self.ui("review_intro")
        source = SECTIONS_BY_ID[section_id]
        text = self.data.sections.get(section_id) if self.data else None
        if text is None:
            return source.title, source.intro
        return text.title, text.intro or source.intro

    def visit_prep(self) -> VisitPrep:
        return self.data.visit_prep if self.data else load_visit_prep()

    def drug_class(self, class_id: str, english: str) -> str:
        return (self.data.drug_classes.get(class_id) if self.data else None) or english
