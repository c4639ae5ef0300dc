"""Staff sign-in, throttled instead of locked (``store.throttle``).

One message for every failure, so it reveals no usernames. Two growing delays apply: this
browser session's (kept in its session state) and the account's (in the database). An
attempt that comes early is refused with "try again in N s" before any password is hashed.
A correct password from a browser that signed in to the account before passes the
account's delay (``app_pages.auth.device_token``), so an attacker cannot lock a clinician
out of their own workstation.
"""

from __future__ import annotations

import streamlit as st

import store as db
from app_pages.auth import SSO_REFUSED, device_token, remember_device, sign_in, sso_mapping
from app_pages.services import store
from store.audit import LOGIN_THROTTLED, record_audit
from store.schema import utcnow
from store.throttle import Backoff
from store.users import UNKNOWN_ACTOR

SESSION_BACKOFF = "login_backoff"

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


def _wait_message(seconds: int) -> str:
    return (f"Too many sign-in attempts. Try again in {seconds} s. (A computer you signed "
            "in from before is not held up by other people's attempts.)")


if submitted:
    now = utcnow()
    backoff = st.session_state.setdefault(SESSION_BACKOFF, Backoff())
    wait = backoff.wait(now)
    if wait:  # this browser session is waiting: nothing is checked, the refusal is audited
        record_audit(UNKNOWN_ACTOR, LOGIN_THROTTLED, None,
                     {"scope": "session", "retry_after": wait}, store=store())
        st.error(_wait_message(wait))
        st.stop()
    result = db.authenticate(username.strip(), password, now, device_token=device_token(),
                             store=store())
    if result.ok and result.user is not None:
        backoff.succeed()
        if result.device_token:
            remember_device(result.device_token)
        sign_in(result.user.username, result.user.role)
        st.rerun()
    if result.reason == "throttled":
        st.error(_wait_message(result.retry_after or 1))
        st.stop()
    delay = max(backoff.fail(now), result.retry_after or 0)
    message = "Sign-in failed. Check your username and password."
    if delay:
        message += f" Wait {delay} s before the next attempt."
    st.error(message)
