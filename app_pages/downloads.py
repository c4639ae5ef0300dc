"""The detail page's per-screening downloads: the printable chart summary (PDF,
``exports.chart_pdf``) and the FHIR R4 Bundle (``exports.fhir.api``: Questionnaire,
QuestionnaireResponse, Patient, a DetectedIssue per flag, a MedicationStatement per line).

Each file is built only when the clinician clicks (the button's data is a callable), so
opening a screening is not recorded as an export; each download writes one ``export``
audit row in the core function that builds it. File names hold the screening id only,
never patient details.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app_pages.services import store
from exports.chart_pdf import MEDIA_TYPE as PDF
from exports.chart_pdf import chart_summary_pdf
from exports.fhir.api import screening_bundle_json
from store.db import Store

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Download:
    key: str
    label: str
    suffix: str  # screening-<id>-<suffix>
    mime: str
    icon: str
    help: str
    build: Callable[..., bytes | str]  # (screening_id, username, role, store=) -> file


DOWNLOADS: tuple[Download, ...] = (
    Download("chart_pdf_download", "Print chart summary (PDF)", "chart.pdf", PDF,
             ":material/print:",
             "One or two pages for the paper chart: flags, medicines, answers, the review and "
             "the signature. The download is recorded in the audit log.", chart_summary_pdf),
    Download("fhir_bundle_download", "Download as FHIR (JSON bundle)", "fhir.json", FHIR_JSON,
             ":material/download:",
             "For an EHR or another FHIR system. The download is recorded in the audit log.",
             screening_bundle_json),
)


def offer_downloads(screening_id: int, user: Mapping[str, Any]) -> None:
    username, role = str(user["username"]), str(user["role"])
    for item in DOWNLOADS:
        st.download_button(item.label, data=_builder(item, screening_id, username, role, store()),
                           file_name=f"screening-{screening_id}-{item.suffix}", mime=item.mime,
                           key=item.key, on_click="ignore", icon=item.icon,
                           help=item.help)


def _builder(item: Download, screening_id: int, username: str, role: str,
             db: Store) -> Callable[[], bytes | str]:
    def build() -> bytes | str:  # runs on click, off the script thread: no st.* calls here
        return item.build(screening_id, username, role, store=db)
    return build
