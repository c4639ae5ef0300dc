"""Streamlit entry point. Pages are registered per role with st.navigation (see app_pages/)."""

import streamlit as st

st.set_page_config(page_title="Pre-visit screening", page_icon="🩺", layout="centered")
st.title("Pre-visit screening")
st.info("The patient questionnaire is being built. Please check back soon.")
