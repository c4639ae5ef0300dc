"""Staff sign-in. One message for every failure, so it reveals no usernames."""

from __future__ import annotations

import streamlit as st

import store as db
from app_pages.auth import SSO_REFUSED, sign_in, sso_mapping
from app_pages.services import store

st.title("Staff sign-in")
if st.session_state.get("signed_out_idle"):  # kept until the next sign-in (the page default)
    st.info("You were signed out after a period of inactivity.")

mapping = sso_mapping()
if mapping is not None:  # the clinic's identity provider (OpenID Connect)
    if st.session_state.get(SSO_REFUSED):
        st.error(st.session_state[SSO_REFUSED])
        if st.button("Sign out of the identity provider", key="sso_logout"):
            st.logout()
    elif st.button(mapping.label, key="sso_login", type="primary", icon=":material/badge:"):
        st.login(mapping.provider)
    st.caption("Or sign in with a local account:")

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
