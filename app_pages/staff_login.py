"""Staff sign-in. One message for every failure, so it reveals no usernames."""

from __future__ import annotations

import streamlit as st

import store as db
from app_pages.auth import sign_in
from app_pages.services import store

st.title("Staff sign-in")
if st.session_state.get("signed_out_idle"):  # kept until the next sign-in (the page default)
    st.info("You were signed out after a period of inactivity.")

with st.form("login", enter_to_submit=True, clear_on_submit=False):
    username = st.text_input("Username", key="login_username", autocomplete="username")
    password = st.text_input("Password", key="login_password", type="password",
                             autocomplete="current-password")
    submitted = st.form_submit_button("Sign in", type="primary", width="stretch")

if submitted:
    result = db.authenticate(username.strip(), password, store=store())
    if result.ok and result.user is not None:
        sign_in(result.user.username, result.user.role)
        st.rerun()
    st.error("Sign-in failed. Check your username and password. After 5 failed attempts "
             "an account is locked for 15 minutes.")
