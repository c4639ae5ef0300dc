"""Streamlit entry point: pages are registered per role with st.navigation.

A page not registered for the current user cannot be reached by URL, and each page checks
the role again. Patients see only the intake; staff sign in at /staff.
"""

import streamlit as st

from app_pages.auth import current_user, sign_out, watch_idle
from app_pages.oneshot import install as install_one_time_downloads
from app_pages.services import purge_stale_drafts_daily, warm_up_in_background

warm_up_in_background()  # the drug dictionary loads while the first patient reads
purge_stale_drafts_daily()
install_one_time_downloads()
intake = st.Page("app_pages/intake.py", title="Patient screening form",
                 icon=":material/assignment:", url_path="screening", default=True)
user = current_user()
# Patients get a narrow column that reads well on a phone; staff get the full width.
st.set_page_config(page_title="Pre-visit screening", page_icon="🩺",
                   layout="centered" if user is None else "wide")
if user is None:
    # After an idle sign-out the sign-in page (which says why) replaces the staff page.
    login = st.Page("app_pages/staff_login.py", title="Staff sign-in", icon=":material/login:",
                    url_path="staff", default=bool(st.session_state.get("signed_out_idle")))
    if st.session_state.get("signed_out_idle"):
        intake = st.Page("app_pages/intake.py", title="Patient screening form",
                         icon=":material/assignment:", url_path="screening")
    st.navigation([intake, login], position="hidden").run()
else:
    queue = st.Page("app_pages/queue.py", title="Screenings", icon=":material/inbox:",
                    url_path="queue", default=True)
    detail = st.Page("app_pages/screening.py", title="Screening detail",
                     icon=":material/clinical_notes:", url_path="detail")
    export = st.Page("app_pages/export.py", title="Export CSV", icon=":material/download:",
                     url_path="export")
    clinic = [queue, detail, export]
    pages = {"Clinic": clinic}
    if user["role"] == "admin":
        pages["Admin"] = [st.Page("app_pages/audit_log.py", title="Audit log",
                                  icon=":material/policy:", url_path="audit")]
    pages["Patients"] = [st.Page("app_pages/intake.py", title="Patient screening form",
                                 icon=":material/assignment:", url_path="screening")]
    with st.sidebar:
        watch_idle()
        st.caption(f"Signed in as **{user['username']}** ({user['role']})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_out()
            st.rerun()
    st.navigation(pages, position="sidebar").run()
