"""Who is signed in: kept in this browser session only, checked on every run.

A local account's sign-in lives in the browser session: a refresh or a closed tab signs the
user out (nothing to steal from the browser). With the clinic's identity provider
configured (``[auth]`` and ``[oidc_roles]`` in ``.streamlit/secrets.toml``), ``st.login``
leaves Streamlit's signed, HttpOnly identity cookie, so a refresh signs the same person in
again (``store.sso`` maps their groups or e-mail to a role, audited). An idle session ends
after ``IDLE_TIMEOUT_MINUTES`` (default 15), and then the identity cookie is cleared too.
Every page calls ``require_role`` again, even though navigation only registers the pages a
role may see.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from store.sso import RoleMapping

# store.sso (and with it SQLAlchemy and the store, about a second of CPU) is imported where a
# provider sign-in needs it, never at the top: this module runs on every patient page, and
# after a restart the first patient must not wait for the database layer to load.

SESSION_KEY = "staff_user"
SSO_REFUSED = "sso_refused"


def sso_mapping() -> RoleMapping | None:
    """The identity provider's role mapping, or None when only local accounts are set up.
    A mapping with a typo fails here, naming the field (never a silent local-only app)."""
    try:
        configured = "auth" in st.secrets and "oidc_roles" in st.secrets
    except Exception:  # no secrets file at all
        return None
    if not configured:
        return None
    from store.sso import RoleMapping

    return RoleMapping.model_validate(st.secrets["oidc_roles"].to_dict())


def _provider_user() -> dict | None:
    """Sign in the person the identity cookie names, if the clinic gives them a role."""
    mapping = sso_mapping()
    if mapping is None or not st.user.get("is_logged_in") or st.session_state.get(SSO_REFUSED):
        return None
    from app_pages.services import store
    from store.sso import SsoRefused, sso_sign_in

    claims = {key: st.user.get(key) for key in ("email", "email_verified", "groups")}
    try:
        account = sso_sign_in(mapping, claims, store=store())
    except SsoRefused as refused:
        st.session_state[SSO_REFUSED] = str(refused)
        return None
    sign_in(account.username, account.role, via="oidc")
    return st.session_state[SESSION_KEY]


DEVICE_COOKIE = "ks_staff_device"
DEVICE_PENDING = "device_cookie_pending"


def device_token() -> str | None:
    """The remembered-device token this browser sent when the session began, if any.

    It is set by ``remember_device`` after a successful sign-in. Streamlit cannot set an
    httpOnly cookie, so a tiny script in a same-origin component frame writes it (SameSite
    Strict, Secure on https, 90 days). Script on the page could read it: it is no
    password, only lets a correct password through the account's sign-in delay, only its
    SHA-256 is stored, three wrong passwords with it void it, and a new password forgets it.
    """
    try:
        value = st.context.cookies.get(DEVICE_COOKIE)
    except Exception:  # no browser context (bare script runs)
        return None
    return value if isinstance(value, str) and 20 <= len(value) <= 128 else None


def remember_device(token: str) -> None:
    """Ask the next run to store ``token`` in this browser (``write_device_cookie``)."""
    st.session_state[DEVICE_PENDING] = token


def write_device_cookie() -> None:
    """Write a pending device token into this browser's cookie, once (after sign-in)."""
    import streamlit.components.v1 as components

    token = st.session_state.pop(DEVICE_PENDING, None)
    if not token or not all(c.isalnum() or c in "-_" for c in token):
        return
    components.html(
        "<script>(function(){var c='" + DEVICE_COOKIE + "=" + token + "; Path=/; "
        "Max-Age=7776000; SameSite=Strict';if(location.protocol==='https:'){c+='; Secure';}"
        "try{window.parent.document.cookie=c;}catch(e){document.cookie=c;}})();</script>",
        height=0)


def idle_timeout_seconds() -> float:
    try:
        return max(1.0, float(os.environ.get("IDLE_TIMEOUT_MINUTES", "15")) * 60)
    except ValueError:
        return 15 * 60


def current_user() -> dict | None:
    """The signed-in user ({username, role}), or None; ends an idle session."""
    user = st.session_state.get(SESSION_KEY) or _provider_user()
    if not user:
        return None
    now = time.monotonic()
    if now - user["last_seen"] > idle_timeout_seconds():
        sign_out(reason="idle")
        return None
    user["last_seen"] = now
    return user


def sign_in(username: str, role: str, via: str = "local") -> None:
    st.session_state.pop("signed_out_idle", None)
    st.session_state[SESSION_KEY] = {"username": username, "role": role, "via": via,
                                     "last_seen": time.monotonic()}


def sign_out(reason: str = "") -> None:
    """End the staff session: held downloads are emptied, then all session state goes."""
    from app_pages.oneshot import drop_all

    drop_all(st.session_state)
    via = (st.session_state.get(SESSION_KEY) or {}).get("via")
    for key in list(st.session_state):
        del st.session_state[key]
    if reason == "idle":
        st.session_state["signed_out_idle"] = True
    if via == "oidc":  # else the identity cookie signs the same person straight back in
        st.logout()
        # The browser is on its way to /auth/logout (which deletes the identity cookie) and
        # the provider: draw nothing more. A rerun here drew the sign-in page, whose change
        # of page could cancel that navigation and leave the cookie signing her back in.
        st.stop()


def idle_expired() -> bool:
    """Whether the signed-in session has been idle too long (does not count as activity)."""
    user = st.session_state.get(SESSION_KEY)
    if not user:
        return False
    return bool(time.monotonic() - user["last_seen"] > idle_timeout_seconds())


def idle_check_seconds() -> float:
    """How often the open page checks for the idle time-out: a quarter of it, 1-30 s."""
    return min(30.0, max(1.0, idle_timeout_seconds() / 4))


def watch_idle() -> None:
    """Sign out and clear the screen when the time-out passes, without waiting for a click:
    a fragment that reruns on a timer (its reruns are not activity)."""
    @st.fragment(run_every=idle_check_seconds())
    def _watch() -> None:
        if idle_expired():
            sign_out(reason="idle")
            st.rerun(scope="app")

    _watch()


def require_role(*roles: str) -> dict:
    """Stop the page unless the signed-in user has one of these roles. The account is read
    again from the database, so a deactivated account or a changed role takes effect at
    once, not at the next sign-in."""
    import store as db
    from app_pages.services import store

    user = current_user()
    if user is not None:
        try:
            account = db.get_user(user["username"], store=store())
        except db.UserNotFound:
            account = None
        if account is None or not account.active or account.role != user["role"]:
            sign_out()
            user = None
    if user is None or user["role"] not in roles:
        st.error("You do not have access to this page.")
        st.stop()
    return user
