"""The clinician queue: "To review" and "Reviewed" tabs; urgent first, then by highest
severity, then oldest first. Filtering and paging happen in the database. Each part is one
call into ``app_pages.queue_view``."""

from __future__ import annotations

import streamlit as st

from app_pages import queue_view as view
from app_pages.auth import require_role

user = require_role("clinician", "admin")
st.title("Screenings")
tab_statuses, tab = view.choose_tab()
with tab:
    filters = view.filters(tab_statuses, user["username"])
    rows, total, page, pages = view.load_page(user, filters)
    view.summary(total, page, pages)
    for item in rows:
        view.row(item)
    if not rows:
        st.info("No screenings match these filters.")
    view.pager(page, pages)
