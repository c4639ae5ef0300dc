"""One screening for a clinician, as a decision screen.

First screen: the patient, age, appointment and contact (tap to call or email), the flags
by severity with their reasons, whether the patient checked in (and whether that reopened
the decision), and the decision panel. Below: each flag's evidence and
source, medicines as typed and as read, every answer (flagged ones marked) and the review
history. Each section is one call into ``app_pages.detail_view``; patient text is shown as
text, never rendered as markup.
"""

from __future__ import annotations

import streamlit as st

from app_pages import checkin_detail
from app_pages import detail_view as view
from app_pages import notes_view as notes
from app_pages.auth import require_role
from app_pages.downloads import offer_downloads
from app_pages.evaluation_history import show_evaluation_history
from app_pages.services import store

user = require_role("clinician", "admin")
screening_id = view.requested_screening()
if screening_id is None:
    st.info("Choose a screening from the list first.")
    view.back_to_queue()
    st.stop()
detail = view.load(screening_id, user["username"])
flags = detail.evaluation.flags
checkin = checkin_detail.load(detail)
# The decision acknowledges the check-in's flags too (a defer raised there must be).
decision_flags = flags + (checkin.evaluation.flags if checkin else ())

view.compact_top()
left, right = st.columns([11, 9], gap="large")
with left:
    view.header(detail)
    view.language_note(detail)
    view.contact(detail)
    notes.assignment(detail, user)
    view.urgent_banner(detail, flags)
    view.flag_summary(flags)
    checkin_detail.summary(detail, checkin)
with right, st.container(border=True, key="decision_panel"):
    view.decision_panel(detail, decision_flags, user)

show_evaluation_history(screening_id, store())
offer_downloads(screening_id, user)
checkin_detail.section(detail, checkin)
notes.thread(detail, user)
view.flag_details(flags)
view.medicines(detail, flags)
view.answers(detail, flags)
view.review_history(detail)
view.back_to_queue()
