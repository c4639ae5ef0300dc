"""Invitations for an appointment (front desk, clinicians, admins): make one, hand over or
email the link, and see today's and later appointments with where each screening is."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from app_pages.auth import require_role
from app_pages.services import store
from forms.clock import clinic_timezone, now_in_clinic
from forms.i18n import DEFAULT as DEFAULT_LANGUAGE
from forms.i18n import LANGUAGES
from store import invitations
from store.patient_mail import email_configured, send_invitation_email

STATUS_LABELS = {"not_opened": "Not opened yet", "in_progress": "Started",
                 "submitted": "Screening sent", "expired": "Expired"}



def link_base() -> str:
    """APP_BASE_URL, else the address this page was opened at."""
    configured = os.environ.get("APP_BASE_URL", "").strip()
    if configured:
        return configured
    parts = urlsplit(getattr(st.context, "url", "") or "http://127.0.0.1:8501")
    return f"{parts.scheme}://{parts.netloc}"


user = require_role("clinician", "admin", "front_desk")
zone = clinic_timezone()
st.title("Invitations")
st.caption(f"Times are clinic time ({zone.key}).")

with st.form("invite_form", enter_to_submit=False, clear_on_submit=False):
    left, right = st.columns(2)
    first = left.text_input("First name", key="inv_first", max_chars=100)
    last = right.text_input("Last name", key="inv_last", max_chars=100)
    dob = left.date_input("Date of birth", key="inv_dob", value=None, min_value=date(1900, 1, 1),
                          max_value=now_in_clinic().date(), format="MM/DD/YYYY")
    email = right.text_input("Email (optional)", key="inv_email", max_chars=254)
    day = left.date_input("Appointment date", key="inv_day", value=None,
                          min_value=datetime.now(zone).date(), format="MM/DD/YYYY")
    at = right.time_input("Appointment time", key="inv_time", value=None, step=timedelta(minutes=5))
    language = st.radio("Patient's language (the email and the link's page; the patient can "
                        "change it)", options=list(LANGUAGES), format_func=LANGUAGES.get,
                        index=list(LANGUAGES).index(DEFAULT_LANGUAGE), key="inv_language",
                        horizontal=True)
    send = st.form_submit_button("Create invitation", type="primary", key="inv_create")

if send:
    problems = [label for label, value in (("first name", first.strip()), ("last name", last.strip()),
                                           ("date of birth", dob), ("appointment date", day),
                                           ("appointment time", at)) if not value]
    if problems or dob is None or day is None or at is None:  # (None only when listed)
        st.error("Please fill in: " + ", ".join(problems) + ".")
    else:
        try:
            view, token = invitations.create_invitation(
                first, last, dob, datetime.combine(day, at, tzinfo=zone), email or None,
                actor=user["username"], language=language, store=store())
        except ValueError as err:
            st.error(str(err).capitalize() + ".")
        else:
            st.session_state["inv_created"] = {"id": view.id, "token": token, "email": view.email,
                                               "language": language}
            for key in ("inv_first", "inv_last", "inv_dob", "inv_email", "inv_day", "inv_time",
                        "inv_language"):
                st.session_state.pop(key, None)
            st.rerun()

created = st.session_state.get("inv_created")
if created:
    with st.container(border=True, key="inv_link_box"):
        st.success(f"Invitation created, in {LANGUAGES[created['language']]}. Give the patient "
                   "this link (it is shown only now); they will need their date of birth to "
                   "open it.", icon=":material/check_circle:")
        link = invitations.invitation_link(link_base(), created["token"])
        # A text box to select and copy, not st.code (its syntax highlighter is slow to draw).
        st.text_input("Invitation link (select it and copy)", value=link, key="inv_link")
        if created["email"] and not email_configured():
            st.info("Email is not configured for this clinic (SMTP_URL), so the link was not "
                    "emailed: copy it and give it to the patient.")
        elif created["email"]:
            if st.button("Email the link to the patient", key="inv_email_send", icon=":material/mail:"):
                result = send_invitation_email(created["id"], link, actor=user["username"], store=store())
                created["emailed"] = result
            if created.get("emailed") == "sent":
                st.success("The link was emailed to the patient.")
            elif created.get("emailed"):
                st.warning("The email could not be sent just now. Try again, or give the "
                           "patient the link.")
        if st.button("Done", key="inv_done"):
            st.session_state.pop("inv_created", None)
            st.rerun()

st.header("Upcoming appointments")
rows = invitations.list_invitations(actor=user["username"], store=store())
if not rows:
    st.info("No invitations for today or later.")
else:
    st.dataframe(pd.DataFrame([{
        "Appointment": f"{r.appointment_at.astimezone(zone):%a %d %b %Y %H:%M}",
        "Patient": f"{r.last_name}, {r.first_name}",
        "Born": r.date_of_birth.strftime("%m/%d/%Y"),
        "Screening": STATUS_LABELS[r.status],
        "Language": LANGUAGES[r.language],
        "Email": "yes" if r.email else "",
    } for r in rows]), hide_index=True, width="stretch")
