"""The audit log, for admins: read and filter only. Nothing here can change a row."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

import store as db
from app_pages.auth import require_role
from app_pages.services import store
from core.vocab import AUDIT_ACTION_LABELS, AUDIT_ACTIONS

PAGE_SIZE = 100

user = require_role("admin")
st.title("Audit log")

left, right = st.columns(2)
actor = left.text_input("User", key="a_actor", max_chars=64)
action = right.selectbox("Action", ["any", *AUDIT_ACTIONS], key="a_action",
                         format_func=lambda a: "Any" if a == "any" else f"{AUDIT_ACTION_LABELS[a]} ({a})")
dates = st.date_input("Between", value=[], key="a_dates", format="YYYY-MM-DD")
since = until = None
if isinstance(dates, tuple) and dates:
    since = datetime.combine(dates[0], time.min, UTC)
    until = datetime.combine(dates[-1], time.min, UTC) + timedelta(days=1)
filters = db.AuditFilters(actor=actor.strip() or None, action=None if action == "any" else action,
                          since=since, until=until)
page = st.number_input("Page", min_value=1, value=1, step=1, key="a_page")
rows, total = db.list_audit(filters, page=int(page), page_size=PAGE_SIZE, store=store())
st.caption(f"{total} entries, newest first; {PAGE_SIZE} per page.")
st.dataframe(pd.DataFrame([{
    "When (UTC)": r.at.strftime("%Y-%m-%d %H:%M:%S"), "User": r.actor, "Action": r.action,
    "Record": r.target or "", "Details": json.dumps(r.details, sort_keys=True) if r.details else "",
} for r in rows], columns=["When (UTC)", "User", "Action", "Record", "Details"]),
    hide_index=True, width="stretch")
