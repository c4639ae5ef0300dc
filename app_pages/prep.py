"""Preparation as clock times for an invited patient (confirmation page), with a calendar
file. Walk-ins, whose appointment is not known, see the clinic's general rules only."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from app_pages import invitation_entry
from forms.i18n import Text
from forms.prep import calendar_file, capitalised, prep_times


def draw_prep_times() -> None:
    s = st.session_state.get(invitation_entry.STATE)
    invitation = invitation_entry.current(s) if s is not None else None
    if s is None or not invitation:
        return
    from store.patient_mail import clinic_name, when_text  # only for an invited patient

    tx = Text(s.language)
    appointment = datetime.fromisoformat(invitation["appointment_at"])
    times = prep_times(appointment)  # in the clinic's time zone
    with st.container(border=True, key="prep_times"):
        st.markdown("**" + tx.ui("prep_appointment", when=when_text(appointment, tx.language))
                    + "**")
        st.markdown("\n".join(f"- {capitalised(line)}" for line in times.lines(tx.language)))
        st.download_button(tx.ui("prep_calendar"), key="prep_ics", icon=":material/event:",
                           data=calendar_file(times, clinic_name(tx.language),
                                              f"appointment-{invitation['id']}",
                                              tx.language),
                           file_name="appointment.ics", mime="text/calendar")
