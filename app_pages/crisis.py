"""Crisis help the patient cannot miss: shown at once on the step when the patient chooses
a suicide plan or an attempt in the past year, and again on the confirmation page (which
also says the clinic has been alerted, when an alert channel is configured)."""

from __future__ import annotations

import streamlit as st

from app_pages import questions as ui
from forms import intake_state as flow
from forms.definition import QUESTIONS_BY_CODE

# The answers that raise the urgent suicidal_plan rule (rules/data/catalogue.yaml).
CRISIS_ANSWERS = {"suicidal_thoughts": "active_with_plan", "suicide_attempt_past_year": "yes"}
FLAG = "crisis_help_needed"


def needed(s: flow.IntakeState) -> bool:
    """What the patient has chosen, on screen now or saved before."""
    for code, value in CRISIS_ANSWERS.items():
        if ui.widget_key(code) in st.session_state:
            if ui.read(QUESTIONS_BY_CODE[code]) == value:
                return True
        elif s.answers.get(code) == value:
            return True
    return False


def _links() -> None:
    st.markdown("### You do not have to wait for your visit")
    st.markdown("**Talk to someone now, free, any time:** call or text **988**, the Suicide & "
                "Crisis Lifeline.")
    left, right = st.columns(2)
    left.link_button("Call 988", "tel:988", icon=":material/call:", type="primary", width="stretch")
    right.link_button("Text 988", "sms:988", icon=":material/sms:", width="stretch")
    st.markdown("**If you are in danger now, call [911](tel:911).**")


def callout_on_step(s: flow.IntakeState) -> None:
    """On the step, as soon as a crisis answer is chosen; remembered for the confirmation."""
    if not needed(s):
        st.session_state[FLAG] = False
        return
    st.session_state[FLAG] = True
    with st.container(border=True, key="crisis_help"):
        # Not st.error: this is help, not a mistake in the form.
        st.markdown(":red-background[**:material/favorite: Thank you for telling us. Your safety "
                    "matters most.**]")
        _links()
        st.caption("You can keep going with the form; the clinic will see your answer.")


def callout_on_confirmation() -> None:
    if not st.session_state.get(FLAG):
        return
    from store.alerts import alerting_configured

    with st.container(border=True, key="crisis_help"):
        if alerting_configured():
            st.markdown(":red-background[**:material/favorite: The clinic has been alerted to your "
                        "answers and will contact you today.**]")
        else:
            st.markdown(":red-background[**:material/favorite: A clinician will read your answers. "
                        "Please do not wait for their call if you feel unsafe.**]")
        _links()
