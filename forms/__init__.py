"""The questionnaire: definition as data, pydantic models, validation and branching."""

from forms.definition import FORM_VERSION, QUESTIONS, QUESTIONS_BY_CODE, SECTIONS
from forms.models import InvalidDocument, Medication, Problem, Screening
from forms.validation import check_answers, parse_document

__all__ = [
    "FORM_VERSION",
    "QUESTIONS",
    "QUESTIONS_BY_CODE",
    "SECTIONS",
    "InvalidDocument",
    "Medication",
    "Problem",
    "Screening",
    "check_answers",
    "parse_document",
]
