"""Our FHIR names: one place for every URL and code system the FHIR resources use."""

from __future__ import annotations

from forms.definition import FORM_VERSION

# Canonical base of the definitions this product publishes (Questionnaire, code systems).
BASE = "https://ketamine-screening.example.org/fhir"
QUESTIONNAIRE_ID = "pre-infusion-screening"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/{QUESTIONNAIRE_ID}"
# Our answer codes (``yes``, ``active_with_plan``, ...) with the table's labels as display.
ANSWER_SYSTEM = f"{BASE}/CodeSystem/screening-answer"
RULE_SYSTEM = f"{BASE}/CodeSystem/screening-rule"  # DetectedIssue.code: the rule id
DRUG_CLASS_SYSTEM = f"{BASE}/CodeSystem/drug-class"  # what a medication line was read as
SCREENING_ID_SYSTEM = f"{BASE}/NamingSystem/screening-id"  # the store's screening id

# Extensions (FHIR core and Structured Data Capture).
EXT = "http://hl7.org/fhir/StructureDefinition"
MIN_VALUE = f"{EXT}/minValue"
MAX_VALUE = f"{EXT}/maxValue"
UNIT = f"{EXT}/questionnaire-unit"
ITEM_CONTROL = f"{EXT}/questionnaire-itemControl"
MAX_OCCURS = f"{EXT}/questionnaire-maxOccurs"
OPTION_EXCLUSIVE = f"{EXT}/questionnaire-optionExclusive"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
UCUM = "http://unitsofmeasure.org"


def canonical(version: str = FORM_VERSION) -> str:
    """``url|version``: how a QuestionnaireResponse names the Questionnaire it answers."""
    return f"{QUESTIONNAIRE_URL}|{version}"


def section_link_id(section_id: str) -> str:
    """A section's group linkId; never a question code (``medications`` is both)."""
    return f"section-{section_id}"


MEDICATION_FIELDS: tuple[str, ...] = ("name", "dose", "frequency", "status")


def medication_link_id(field: str) -> str:
    return f"medications.{field}"
