"""The clinician queue: urgent first, then by highest severity, then oldest first.

Filtering and paging happen in the database, so the page stays quick at any size.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

import store as db
from app_pages import plain
from app_pages.auth import require_role
from app_pages.services import engine, store
from core.vocab import NO_FLAG, REVIEW_STATUS_LABELS, REVIEW_STATUSES, SEVERITIES, SEVERITY_LABELS, UNREVIEWED

PAGE_SIZE = 25
BADGE_COLOUR = {"defer": "red", "review": "orange", "adjust": "violet", "info": "blue"}
SEVERITY_BADGE = {**{s: f":{BADGE_COLOUR[s]}-background[{SEVERITY_LABELS[s].upper()}]" for s in SEVERITIES},
                  NO_FLAG: ":gray-background[NO FLAGS]"}


user = require_role("clinician", "admin")
st.title("Screenings")

with st.expander("Filters", expanded=True):
    left, right = st.columns(2)
    statuses = left.multiselect("Review status", REVIEW_STATUSES, format_func=REVIEW_STATUS_LABELS.get,
                                key="f_status", placeholder="Any status")
    severity = right.selectbox("Has a flag of severity", ("any", *SEVERITIES), key="f_severity",
                               format_func=lambda s: "Any" if s == "any" else SEVERITY_LABELS[s])
    rule_ids = ["any", *sorted(r.id for r in engine().catalogue.rules)]
    rule = left.selectbox("Has flag", rule_ids, key="f_rule",
                          format_func=lambda r: "Any" if r == "any" else r)
    name = right.text_input("Patient name contains", key="f_name", max_chars=100)
    dates = st.date_input("Submitted between", value=(), key="f_dates", format="YYYY-MM-DD",
                          max_value=date.today())
    urgent_only = st.checkbox("Urgent only", key="f_urgent")
    changed_only = st.checkbox("Changed since review (rules updated after the review)", key="f_changed")

date_from = dates[0] if isinstance(dates, tuple) and len(dates) >= 1 else None
date_to = dates[1] if isinstance(dates, tuple) and len(dates) == 2 else date_from
filters = db.QueueFilters(
    review_status=tuple(statuses), severity=None if severity == "any" else severity,
    rule_id=None if rule == "any" else rule, urgent=True if urgent_only else None,
    submitted_from=date_from, submitted_to=date_to, name=name or None,
    changed_since_review=changed_only,
)
signature = filters.model_dump_json()
if st.session_state.get("queue_filters") != signature:  # new filters: back to page 1
    st.session_state["queue_filters"] = signature
    st.session_state["queue_page"] = 1
page = st.session_state.get("queue_page", 1)
rows, total = db.list_queue(filters, page=page, page_size=PAGE_SIZE, store=store())
pages = max(1, -(-total // PAGE_SIZE))
audited = f"{signature}|{page}"
if st.session_state.get("queue_audited") != audited:  # who looked at which list of patients
    st.session_state["queue_audited"] = audited
    db.record_audit(user["username"], "queue_view", None, {
        "page": page, "results": total, "shown": len(rows),
        "filters": filters.model_dump(mode="json", exclude={"name"}) | {"name_search": bool(name)},
    }, store=store())

shown_total = f"more than {db.COUNT_LIMIT:,}" if total > db.COUNT_LIMIT else f"{total:,}"
st.caption(f"{shown_total} screening{'s' if total != 1 else ''}; page {page} of "
           f"{'many' if total > db.COUNT_LIMIT else pages}. "
           "Urgent first, then by highest severity, then oldest first.")


def open_screening(screening_id: int) -> None:
    st.session_state["open_screening"] = screening_id
    st.session_state.pop(f"viewed_{screening_id}", None)  # each opening is an audited view


for row in rows:
    with st.container(border=True, key=f"row_{row.id}"):
        top, action = st.columns([5, 1])
        urgent = ":red-background[**URGENT**] " if row.urgent else ""
        status = ("Needs review again (flags changed)"  # a re-evaluation sent it back
                  if row.review_status == UNREVIEWED and row.reviewed_before
                  else REVIEW_STATUS_LABELS[row.review_status])
        top.markdown(f"{urgent}{SEVERITY_BADGE[row.highest_severity]}")  # the app's own words
        plain.strong(f"{row.last_name}, {row.first_name}, {row.age} y", where=top)  # patient's
        top.markdown(f"Submitted {row.submitted_at:%Y-%m-%d %H:%M} UTC · {status}")
        counts = " · ".join(f"{n} {sev}" for sev, n in row.counts.items() if n) or "no flags"
        top.caption(counts)
        if action.button("Open", key=f"open_{row.id}", on_click=open_screening, args=(row.id,)):
            st.switch_page("app_pages/screening.py")

if not rows:
    st.info("No screenings match these filters.")

prev_col, next_col = st.columns(2)
if prev_col.button("Previous page", key="prev_page", disabled=page <= 1):
    st.session_state["queue_page"] = page - 1
    st.rerun()
if next_col.button("Next page", key="next_page", disabled=page >= pages):
    st.session_state["queue_page"] = page + 1
    st.rerun()
