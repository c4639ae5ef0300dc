"""The detail page's printable chart summary (PDF, ``exports.chart_pdf``).

Built only when the clinician clicks (the button's data is a callable), so opening a
screening is not recorded as an export; each download writes one ``export`` audit row
(format ``chart-pdf``). The file name holds the screening id only, never patient details.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from app_pages.services import store
from exports.chart_pdf import MEDIA_TYPE, chart_summary_pdf


def offer_chart_pdf(screening_id: int, user: Mapping[str, Any]) -> None:
    username, role = str(user["username"]), str(user["role"])

    def build() -> bytes:  # runs on click, off the script thread: no st.* calls here
        return chart_summary_pdf(screening_id, username, role, store=store())

    st.download_button("Print chart summary (PDF)", data=build,
                       file_name=f"screening-{screening_id}-chart.pdf", mime=MEDIA_TYPE,
                       key="chart_pdf_download", on_click="ignore", icon=":material/print:",
                       help="One or two pages for the paper chart: flags, medicines, answers, "
                            "the review and the signature. The download is recorded in the "
                            "audit log.")
