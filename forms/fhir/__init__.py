"""The questionnaire in HL7 FHIR R4: the Questionnaire derived from the question table, and
QuestionnaireResponse <-> answer document conversion (both pure, no I/O).

Bottom layer (``forms``) so that ``rules`` and ``store`` can accept FHIR input; the
exports of other resource types (Patient, DetectedIssue, ...) live in ``exports.fhir``.
"""

from forms.fhir.canonical import ANSWER_SYSTEM, QUESTIONNAIRE_URL, canonical
from forms.fhir.questionnaire import build_questionnaire
from forms.fhir.response import document_to_response, response_to_document

__all__ = [
    "ANSWER_SYSTEM",
    "QUESTIONNAIRE_URL",
    "build_questionnaire",
    "canonical",
    "document_to_response",
    "response_to_document",
]
