"""FHIR R4 out of the store: the Bulk Data NDJSON export and the per-screening Bundle.

The Questionnaire and the QuestionnaireResponse conversion are in ``forms.fhir`` (the
bottom layer, so that ``rules`` and ``store`` accept FHIR input too); this package adds
the resources built from stored screenings (Patient, DetectedIssue, MedicationStatement)
and writes them out, audited like the CSV export.
"""
