"""Crisis help the patient cannot miss: shown at once on the step when the patient chooses
a suicide plan or an attempt in the past year, and again on the confirmation page (which
also says the clinic has been alerted, when an alert channel is configured)."""

from __future__ import annotations

import streamlit as st

from app_pages import questions as ui
from forms import intake_state as flow
from forms.definition import QUESTIONS_BY_CODE
from forms.i18n import Text

# The answers that raise the urgent suicidal_plan rule (rules/data/catalogue.yaml).
CRISIS_ANSWERS = {"suicidal_thoughts": "active_with_plan", "suicide_attempt_past_year": "yes"}
FLAG = "crisis_help_needed"


def raised_by(s: flow.IntakeState) -> str | None:
    """The first question whose answer calls for the help (on screen now or saved before),
    or None: on its own step the help is drawn right under that question."""
    for code, value in CRISIS_ANSWERS.items():
        if ui.widget_key(code) in st.session_state:
            if ui.read(QUESTIONS_BY_CODE[code]) == value:
                return code
        elif s.answers.get(code) == value:
            return code
    return None


def needed(s: flow.IntakeState) -> bool:
    """What the patient has chosen, on screen now or saved before."""
    return raised_by(s) is not None


def _links(tx: Text) -> None:
    st.markdown(f"### {tx.ui('crisis_title')}")
    st.markdown(tx.ui("crisis_talk"))
    left, right = st.columns(2)
    left.link_button(tx.ui("crisis_call"), "tel:988", icon=":material/call:", type="primary",
                     width="stretch")
    right.link_button(tx.ui("crisis_text"), "sms:988", icon=":material/sms:", width="stretch")
    st.markdown(tx.ui("crisis_danger"))


def _callout(text: str) -> None:
    # Not st.error: this is help, not a mistake in the form.
    st.markdown(f":red-background[**:material/favorite: {text}**]")


def callout_on_step(s: flow.IntakeState) -> None:
    """On the step, as soon as a crisis answer is chosen (under that question on its own
    step: on a phone the step's last questions would push it off the screen; at the foot
    of the later steps); remembered for the confirmation. Called once on every step."""
    if not needed(s):
        st.session_state[FLAG] = False
        return
    st.session_state[FLAG] = True
    tx = Text(s.language)
    with st.container(border=True, key="crisis_help"):
        _callout(tx.ui("crisis_thanks"))
        _links(tx)
        st.caption(tx.ui("crisis_keep_going"))


def callout_on_confirmation(tx: Text) -> None:
    if not st.session_state.get(FLAG):
        return
    from store.alerts import alerting_configured

    with st.container(border=True, key="crisis_help"):
        _callout(tx.ui("crisis_alerted" if alerting_configured() else "crisis_will_read"))
        _links(tx)
