"""Preparation as clock times for an invited patient (confirmation page), with a calendar
file. Walk-ins, whose appointment is not known, see the clinic's general rules only."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from app_pages import invitation_entry
from forms.prep import calendar_file, prep_times


def draw_prep_times() -> None:
    s = st.session_state.get(invitation_entry.STATE)
    invitation = invitation_entry.current(s) if s is not None else None
    if not invitation:
        return
    from store.patient_mail import clinic_name, when_text  # only for an invited patient

    appointment = datetime.fromisoformat(invitation["appointment_at"])
    times = prep_times(appointment)
    with st.container(border=True, key="prep_times"):
        st.markdown(f"**Your appointment: {when_text(appointment)}**")
        food, liquids, arrive = times.lines()
        st.markdown(f"- {food}\n- {liquids[0].upper()}{liquids[1:]}\n- {arrive[0].upper()}{arrive[1:]}")
        st.download_button("Add to my calendar (.ics)", key="prep_ics", icon=":material/event:",
                           data=calendar_file(times, clinic_name(), f"appointment-{invitation['id']}"),
                           file_name="appointment.ics", mime="text/calendar")
