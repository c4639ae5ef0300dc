"""Streamlit entry point: pages are registered per role with st.navigation.

A page not registered for the current user cannot be reached by URL; each page checks the
role again. Patients see only the intake; staff sign in at /staff.
"""

import streamlit as st

st.set_page_config(page_title="Pre-visit screening", page_icon="🩺", layout="centered",
                   initial_sidebar_state="collapsed")

intake = st.Page("app_pages/intake.py", title="Screening", icon=":material/assignment:",
                 url_path="screening", default=True)
pages = [intake]
st.navigation(pages, position="hidden").run()
