"""The detail page's FHIR download: one screening as a FHIR R4 Bundle (Questionnaire,
QuestionnaireResponse, Patient, a DetectedIssue per flag, a MedicationStatement per line).

Built only when the clinician clicks (the button's data is a callable), so that opening a
screening is not recorded as an export; each download is audited by ``exports.fhir.api``.
The file name holds the screening id only, never patient details.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from app_pages.services import store
from exports.fhir.api import screening_bundle_json

FHIR_JSON = "application/fhir+json"


def offer_fhir_bundle(screening_id: int, user: Mapping[str, Any]) -> None:
    username, role = str(user["username"]), str(user["role"])

    def build() -> bytes:  # runs on click, off the script thread: no st.* calls here
        return screening_bundle_json(screening_id, username, role, store=store())

    st.download_button("Download as FHIR (JSON bundle)", data=build,
                       file_name=f"screening-{screening_id}-fhir.json", mime=FHIR_JSON,
                       key="fhir_bundle_download", on_click="ignore",
                       icon=":material/download:",
                       help="For an EHR or another FHIR system. The download is recorded in "
                            "the audit log.")
