"""The patient side of an invitation (``?invite=<token>``): the date-of-birth check, then
the invitation's draft with name and date of birth filled in and locked.

Called from the intake page with a few lines; the core is ``store.invitations``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from app_pages.questions import md_escape
from app_pages.services import store
from forms import intake_state as flow
from forms.clock import now_in_clinic
from forms.i18n import Text

STATE = "intake"
INVITATION = "intake_invitation"
PARAM = "invite"


LANGUAGE_FOR = "invite_language_for"  # the link whose language this session has applied


def wanted(s: flow.IntakeState) -> bool:
    """The page was opened from an invitation link and the draft is not open yet."""
    return s.token is None and bool(st.query_params.get(PARAM))


def use_its_language(s: flow.IntakeState) -> bool:
    """Open the link's page in the invitation's language (the front desk's choice, or the
    patient's since), once per link and session, so that the patient can still switch.
    True when the language was applied."""
    token = st.query_params.get(PARAM)
    if not token or st.session_state.get(LANGUAGE_FOR) == token:
        return False
    from store import invitations  # where used: only an invitation link's first run

    st.session_state[LANGUAGE_FOR] = token
    language = invitations.invitation_language(token, store=store())
    if language is None:
        return False
    s.language = language
    return True


def _on_open() -> None:
    from store import invitations  # where used: the welcome page does not wait for the store

    token = st.query_params.get(PARAM)
    dob = st.session_state.get("invite_dob")
    st.session_state.pop("invite_failed", None)
    st.session_state.pop("invite_expired", None)
    if not token or not isinstance(dob, date):
        st.session_state["invite_failed"] = True
        return
    try:
        opened = invitations.open_invitation(token, dob.isoformat(), store=store())
    except invitations.InvitationExpired:
        st.session_state["invite_expired"] = True
        return
    if opened is None:
        st.session_state["invite_failed"] = True
        return
    view = opened.draft
    state = flow.from_draft(view.answers, view.step, opened.draft_token, submitted=bool(view.submitted))
    # The language on this page: it opened in the draft's, and the patient may have switched.
    state.language = st.session_state[STATE].language
    if not view.submitted:
        flow.prefill(state, opened.prefilled, lock=True)  # the clinic's record, not editable
    st.session_state[STATE] = state
    st.session_state[INVITATION] = {"token": opened.draft_token, "id": opened.invitation_id,
                                    "appointment_at": opened.appointment_at.isoformat(),
                                    "email": opened.email}


def current(s: flow.IntakeState) -> dict | None:
    """The invitation of this intake (appointment time, email), or None for a walk-in."""
    found = st.session_state.get(INVITATION)
    return found if found and s.token and found["token"] == s.token else None


def draw(s: flow.IntakeState, on_restart: Callable[[], None],
         choose_language: Callable[[], None]) -> None:
    tx = Text(s.language)
    st.title(tx.ui("invite_title"), anchor=False)
    choose_language()  # an invited patient skips the welcome page: choose here
    st.write(tx.ui("invite_intro"))
    st.write(tx.ui("resume_intro"))
    st.date_input(tx.ui("date_format", label=tx.ui("resume_dob")), key="invite_dob", value=None,
                  min_value=date(1900, 1, 1), max_value=now_in_clinic().date(),
                  format="MM/DD/YYYY")
    if st.session_state.get("invite_failed"):
        st.error(tx.ui("invite_failed"))
    if st.session_state.get("invite_expired"):
        st.error(tx.ui("invite_expired"))
    st.button(tx.ui("resume_continue"), key="invite_open", type="primary", on_click=_on_open,
              width="stretch")
    st.button(tx.ui("resume_restart"), key="restart", on_click=on_restart)


def _link(s: flow.IntakeState) -> str:
    """The patient's way back: the clinic's invitation link, else the draft's resume link."""
    base = (getattr(st.context, "url", "") or "").split("?")[0]
    token = st.query_params.get(PARAM)
    if token and current(s):
        return f"{base}?{PARAM}={token}"
    return f"{base}?resume={s.token}"


def _on_email_me() -> None:
    from store.patient_mail import send_continue_email

    s = st.session_state[STATE]
    invitation = current(s) or {}
    address = s.answers.get("email") or invitation.get("email") or ""
    st.session_state["email_me_result"] = send_continue_email(
        address, _link(s), target=f"invitation:{invitation['id']}" if invitation else None,
        language=s.language, store=store())


def _plain_link(link: str) -> None:
    """A plain link (long-press to copy or bookmark on a phone), not st.code: the code
    block's syntax highlighter costs a phone a second of script on every rerun."""
    st.markdown(f"[{md_escape(link)}]({link})")


def email_me_link(s: flow.IntakeState) -> None:
    """"Email me a link to continue", on every step once an email address is known."""
    invitation = current(s) or {}
    if not s.token or not (s.answers.get("email") or invitation.get("email")):
        return
    tx = Text(s.language)
    st.button(tx.ui("email_me"), key="email_me", icon=":material/mail:", on_click=_on_email_me)
    result = st.session_state.pop("email_me_result", None)
    if result == "sent":
        st.success(tx.ui("email_me_sent"))
    elif result == "failed":
        st.warning(tx.ui("email_me_failed"))
        _plain_link(_link(s))
    elif result == "not_configured":
        st.info(tx.ui("email_me_not_configured"))
        _plain_link(_link(s))
