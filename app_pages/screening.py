"""One screening for a clinician: flags with reason, evidence and source; medications as
typed and as resolved; every answer; the review history; and the review form.

Everything the patient typed is shown through ``app_pages.plain`` (text elements, table
cells, escaped HTML), never as markdown: no link, icon, colour or LaTeX can form.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import store as db
from app_pages import plain
from app_pages.auth import require_role
from app_pages.evaluation_history import show_evaluation_history
from app_pages.fhir_download import offer_fhir_bundle
from app_pages.services import store
from core.vocab import DECISION_LABELS, REVIEW_STATUS_LABELS, SEVERITIES, SEVERITY_HEADINGS
from forms.definition import QUESTIONS_BY_CODE
from forms.i18n import LANGUAGES
from forms.steps import STEPS

user = require_role("clinician", "admin")
screening_id = st.session_state.get("open_screening")
if screening_id is None:
    st.info("Choose a screening from the list first.")
    st.page_link("app_pages/queue.py", label="Back to screenings", icon=":material/arrow_back:")
    st.stop()

# The view is audited once per opening, not on every rerun of the page.
viewed_key = f"viewed_{screening_id}"
try:
    detail = db.get_screening(screening_id, store=store(),
                              viewer=None if st.session_state.get(viewed_key) else user["username"])
except db.ScreeningNotFound:
    st.error("This screening does not exist.")
    st.stop()
st.session_state[viewed_key] = True
if st.session_state.get("review_opened_for") != screening_id:
    st.session_state["review_opened_for"] = screening_id
    st.session_state["review_base"] = detail.latest_review_id

answers = detail.document["answers"]
evaluation = detail.evaluation
flags = evaluation.flags

st.page_link("app_pages/queue.py", label="Back to screenings", icon=":material/arrow_back:")
plain.heading(f"{detail.last_name}, {detail.first_name}")
st.caption(f"Born {detail.date_of_birth} · age {detail.age} at submission · "
           f"BMI {detail.bmi if detail.bmi is not None else 'not given'} · "
           f"submitted {detail.submitted_at:%Y-%m-%d %H:%M} UTC · "
           f"status: {REVIEW_STATUS_LABELS[detail.review_status].lower()} · rules {detail.ruleset_version}")
if detail.language != "en":
    st.info(f"The patient answered in **{LANGUAGES.get(detail.language, detail.language)}** "
            f"({detail.language}). Labels here are in English; typed text is shown as written.",
            icon=":material/translate:")
offer_fhir_bundle(screening_id, user)

if detail.urgent:
    with st.container(key="urgent_banner"):
        st.error("**URGENT: contact the patient today.**", icon=":material/emergency:")
        for f in flags:
            if f.urgent:
                plain.text(f.reason)
if evaluation.to_measure:
    st.warning("Not given by the patient; measure at the visit: "
               + ", ".join(evaluation.to_measure), icon=":material/monitor_heart:")
show_evaluation_history(screening_id, store())

# -- flags -------------------------------------------------------------------------------
st.header(f"Flags ({len(flags)})")
if not flags:
    st.success("No flags raised.")
for severity in SEVERITIES:
    group = evaluation.by_severity(severity)
    if not group:
        continue
    st.subheader(f"{SEVERITY_HEADINGS[severity]} ({len(group)})")
    for flag in group:
        with st.container(border=True, key=f"flag_{flag.rule_id}"):
            badge = ":red-background[URGENT] " if flag.urgent else ""
            st.markdown(f"{badge}**{flag.rule_id}**")
            plain.text(flag.reason)
            for item in flag.evidence:  # may quote a medicine as the patient typed it
                plain.text(f"Evidence: {item.describe()}")
            st.caption(f"Source: {flag.source}")  # the rule catalogue's words

# -- medications -------------------------------------------------------------------------
st.header("Medicines")
meds = evaluation.medications
if not meds:
    st.write("The patient takes no medicines, supplements or herbal remedies.")
else:
    st.dataframe(pd.DataFrame([{
        "As typed": m.text, "Dose": m.dose, "How often": m.frequency,
        "Taking": "now" if m.current else "past",
        "Resolved to": m.generic or "—", "Classes": ", ".join(m.classes),
        "Match": m.method or m.status,
        "Check": "" if m.status == "recognized" else m.status.upper(),
    } for m in meds]), hide_index=True, width="stretch")

# -- answers -----------------------------------------------------------------------------
st.header("Answers")
for step in STEPS:
    if step.id == "medications":
        continue
    with st.expander(step.title, expanded=False):
        rows = []
        for code in step.codes:
            question = QUESTIONS_BY_CODE[code]
            if code not in answers:
                if question.when is None or question.when.holds(answers):
                    rows.append({"Question": question.label, "Answer": "—", "Code": code})
                continue
            value = answers[code]
            if question.type == "choice":
                shown = f"{question.label_of(value)} ({value})"
            elif question.type == "multi":
                shown = ", ".join(question.label_of(v) for v in value)
            elif question.type == "bool":
                shown = "Yes" if value else "No"
            else:
                shown = f"{value} {question.unit}".strip()
            rows.append({"Question": question.label, "Answer": shown, "Code": code})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

# -- reviews -----------------------------------------------------------------------------
st.header("Review")
for review in detail.reviews:
    with st.container(border=True):
        superseded = " (superseded)" if review.id != detail.latest_review_id else ""
        st.markdown(f"**{DECISION_LABELS[review.decision]}**{superseded}")
        plain.text(f"by {review.reviewer}, {review.created_at:%Y-%m-%d %H:%M} UTC")
        if review.note:
            plain.text(review.note)
        for ack in review.acknowledgements:
            plain.text(f"Acknowledged {ack.rule_id}" + (f": {ack.note}" if ack.note else ""))

# The review form was shown against review_base; a newer review means someone else
# reviewed meanwhile. Their review must be read before this form may be recorded.
stale = st.session_state.get("review_base") != detail.latest_review_id

with st.form("review_form", enter_to_submit=False, clear_on_submit=False):
    st.markdown("**Acknowledge each flag** (defer and urgent flags must be acknowledged "
                "before a decision is recorded).")
    for flag in flags:
        cols = st.columns([2, 3])
        cols[0].checkbox(f"{flag.rule_id}{' (required)' if flag.requires_ack else ''}",
                         key=f"ack_{flag.rule_id}")
        cols[1].text_input("Note (optional)", key=f"acknote_{flag.rule_id}",
                           label_visibility="collapsed", placeholder="Note (optional)",
                           max_chars=500)
    decision = st.radio("Decision", list(DECISION_LABELS), format_func=DECISION_LABELS.get, index=None,
                        key="decision")
    note = st.text_area("Decision note", key="review_note", max_chars=2000,
                        placeholder="Conditions, follow-up plan, who was contacted")
    send = st.form_submit_button("Record review", type="primary", key="record_review")

if send and stale:
    st.error("This screening was reviewed by someone else since you opened it. Read their "
             "review above, then record yours again if it still applies.")
    st.session_state["review_base"] = detail.latest_review_id
elif stale:
    st.warning("Someone else reviewed this screening while you had it open: read it above.")
    st.session_state["review_base"] = detail.latest_review_id
if send and not stale:
    acks = {f.rule_id: (st.session_state.get(f"acknote_{f.rule_id}") or "").strip() or None
            for f in flags if st.session_state.get(f"ack_{f.rule_id}")}
    if decision is None:
        st.error("Choose a decision.")
    else:
        try:
            db.record_review(screening_id, user["username"], decision, (note or "").strip(), acks,
                             st.session_state.get("review_base"), store=store())
        except db.ReviewRefused as err:
            st.error(str(err))
        else:
            for key in [k for k in st.session_state
                        if str(k).startswith(("ack_", "acknote_", "decision", "review_note"))]:
                del st.session_state[key]
            st.session_state.pop("review_opened_for", None)
            st.session_state["review_saved"] = True
            st.rerun()
if st.session_state.pop("review_saved", False):
    st.success("Review recorded.")
