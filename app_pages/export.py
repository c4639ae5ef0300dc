"""CSV export for clinic staff: a zip of screenings, flags, medications and the data
dictionary. Every export is audited (who, when, filters, row counts) by exports.api."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app_pages.auth import require_role
from app_pages.oneshot import OneTimeFile
from app_pages.services import store
from core.vocab import DECISION_LABELS, EXPORT_ROLES, REVIEW_STATUS_LABELS
from exports.api import ExportRefused, export_zip
from exports.core import ExportOptions

STATUSES = {"unreviewed": REVIEW_STATUS_LABELS["unreviewed"], "reviewed": "Reviewed (any decision)"}

user = require_role(*EXPORT_ROLES)
st.title("Export screenings")
st.write("Download completed screenings as CSV files (screenings, flags, medications and a "
         "data dictionary) for your records and other systems. Answers are raw codes; the "
         "data dictionary gives their labels.")

with st.form("export_form", enter_to_submit=False):
    dates = st.date_input("Submitted between (optional)", value=(), format="YYYY-MM-DD",
                          key="x_dates")
    statuses = st.multiselect("Review status", list(STATUSES), format_func=STATUSES.get,
                              key="x_status", placeholder="Any")
    decisions = st.multiselect("Latest decision", list(DECISION_LABELS), format_func=DECISION_LABELS.get,
                               key="x_decision", placeholder="Any")
    deidentified = st.checkbox("De-identified: leave out names, date of birth, phone, email, "
                               "signature and free text (age is kept)", key="x_deid")
    plain = st.checkbox("Plain UTF-8 (for other systems); the default opens cleanly in Excel",
                        key="x_plain")
    prepare = st.form_submit_button("Prepare export", type="primary", key="x_prepare")

if prepare:
    since = dates[0] if isinstance(dates, tuple) and dates else None
    until = dates[-1] if isinstance(dates, tuple) and dates else None
    try:
        options = ExportOptions(since=since, until=until, review_status=tuple(statuses),
                                decision=tuple(decisions), deidentified=deidentified,
                                plain_utf8=plain)
        with st.spinner("Preparing the files…"):
            data = export_zip(options, user["username"], user["role"], store=store())
    except ExportRefused:
        st.error("You do not have permission to export.")
    except ValueError as err:
        st.error(f"Check the filters: {err}")
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        kind = "deidentified" if deidentified else "full"
        previous = st.session_state.get("export_zip")
        if isinstance(previous, OneTimeFile):
            previous.drop()
        # Held in this session only; served once, on the click (see app_pages/oneshot.py).
        st.session_state["export_zip"] = OneTimeFile(f"screenings-{kind}-{stamp}.zip", data,
                                                     "application/zip")

held = st.session_state.get("export_zip")
if isinstance(held, OneTimeFile) and held.available:
    st.success(f"Ready: {held.name} ({held.size / 1024:,.0f} KB). This export was recorded in "
               "the audit log. The download works once, in this window only.")
    st.download_button("Download zip", data=held.callable(), file_name=held.name,
                       mime=held.mimetype, key="x_download", type="primary", on_click="ignore")
elif isinstance(held, OneTimeFile):
    st.info(f"{held.name} was downloaded. Prepare a new export to download again.")
