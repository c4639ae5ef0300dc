"""Streamlit entry point: pages are registered per role with st.navigation.

A page not registered for the current user cannot be reached by URL, and each page checks
the role again. Patients see only the intake; staff sign in at /staff.
"""

import streamlit as st

from app_pages import timing

# SCREENING_TIMING_LOG=1: each rerun's server time in the log. Started before the imports
# below, so the first run after a restart counts the time to import what the page needs.
timing.start_run()

from app_pages.alert_link import open_linked_screening  # noqa: E402
from app_pages.auth import (  # noqa: E402
    SSO_REFUSED,
    current_user,
    sign_out,
    watch_idle,
    write_device_cookie,
)
from app_pages.oneshot import install as install_one_time_downloads  # noqa: E402
from app_pages.services import start_background_work  # noqa: E402

STAFF_PATHS = ("queue", "detail", "export", "audit", "checkin")
install_one_time_downloads()
intake = st.Page("app_pages/intake.py", title="Patient screening form",
                 icon=":material/assignment:", url_path="screening", default=True)
user = current_user()
# Patients get a narrow column that reads well on a phone; staff get the full width.
st.set_page_config(page_title="Pre-visit screening", page_icon="🩺",
                   layout="centered" if user is None else "wide")
if user is None:
    # After an idle sign-out, or a provider sign-in the clinic gives no role, the sign-in
    # page (which says why) is the home page the browser lands on.
    explain = bool(st.session_state.get("signed_out_idle") or st.session_state.get(SSO_REFUSED))
    login = st.Page("app_pages/staff_login.py", title="Staff sign-in", icon=":material/login:",
                    url_path="staff", default=explain)
    if explain:
        intake = st.Page("app_pages/intake.py", title="Patient screening form",
                         icon=":material/assignment:", url_path="screening")
    # A staff link opened while signed out (a colleague's link, a refresh) shows the sign-in
    # at that same address; once signed in, the same address runs the real page, with its
    # ?id= intact. These pages show nothing but the sign-in form.
    held = [st.Page("app_pages/staff_login.py", title="Staff sign-in", url_path=path)
            for path in STAFF_PATHS]
    st.navigation([intake, login, *held], position="hidden").run()
else:
    queue = st.Page("app_pages/queue.py", title="Screenings", icon=":material/inbox:",
                    url_path="queue", default=True)
    detail = st.Page("app_pages/screening.py", title="Screening detail",
                     icon=":material/clinical_notes:", url_path="detail")
    export = st.Page("app_pages/export.py", title="Export CSV", icon=":material/download:",
                     url_path="export")
    invites = st.Page("app_pages/invitations.py", title="Invitations",
                      icon=":material/event_available:", url_path="invitations")
    checkin = st.Page("app_pages/checkin.py", title="Check-in", icon=":material/how_to_reg:",
                      url_path="checkin")
    clinic = [queue, detail, checkin, export, invites]
    pages = {"Clinic": clinic}
    if user["role"] == "front_desk":  # invitations and check-in only: no clinical detail
        pages = {"Front desk": [checkin, invites]}
    if user["role"] == "exporter":  # exports only: no queue, screenings, reviews or audit log
        pages = {"Exports": [st.Page("app_pages/export.py", title="Export CSV",
                                     icon=":material/download:", url_path="export",
                                     default=True)]}
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
    navigation = st.navigation(pages, position="sidebar")
    write_device_cookie()  # after a sign-in from a browser not remembered yet
    open_linked_screening(user)  # the link in an urgent alert: ?screening=<public id>
    navigation.run()
# Once the page is drawn (never before it: the first page after a restart must not wait):
# the database, the drug dictionary and rules, the daily draft purge and the alert sender
# start in background threads.
start_background_work()
