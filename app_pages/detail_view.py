"""The parts of the screening detail page, one function each, so the page reads as a script.

The first screen (at 1366x900) holds who the patient is, how to reach them, the flags by
severity with their reasons, and the decision panel; the evidence, medicines, answers and
history follow below. Patient-typed text (name, contact, evidence, answers) goes through
``app_pages.plain`` (``st.text``, dataframe cells, escaped HTML), never through markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

import store as db
from app_pages import plain
from app_pages.questions import md_escape
from app_pages.queue_view import SEVERITY_BADGES
from app_pages.review_model import answer_text, clinic_time, flagged_codes
from app_pages.services import store
from core.evaluation import Flag
from core.vocab import DECISION_LABELS as DECISIONS
from core.vocab import REVIEW_STATUS_LABELS as REVIEW_STATUSES
from core.vocab import SEVERITIES
from core.vocab import SEVERITY_HEADINGS as SEVERITY_TITLES
from forms.contact import Contact, email_link, phone_link
from forms.definition import QUESTIONS_BY_CODE
from forms.steps import STEPS

REVIEW_KEYS = ("ack_", "acknote_", "decision", "review_note", "confirm_clear")


# -- opening -----------------------------------------------------------------------------

def requested_screening() -> int | None:
    """The screening this page shows: the link's ``?id=<public id>``, else the one opened
    from the queue in this session. The link wins, so a shared URL opens what it names."""
    public_id = st.query_params.get("id")
    if public_id:
        found = db.find_screening_id(public_id, store=store())
        if found is None:
            st.error("No screening has this link. Check the link, or choose one from the list.")
            back_to_queue()
            st.stop()
        st.session_state["open_screening"] = found
        return found
    return st.session_state.get("open_screening")


def back_to_queue() -> None:
    st.page_link("app_pages/queue.py", label="Back to screenings", icon=":material/arrow_back:")


def compact_top() -> None:
    """Less empty space above the page, so the decision fits on the first screen."""
    st.html("<style>[data-testid='stMainBlockContainer']{padding-top:4rem}</style>")


def load(screening_id: int, username: str) -> db.ScreeningDetail:
    """The screening, audited once per opening (not on every rerun of the page)."""
    viewed_key = f"viewed_{screening_id}"
    try:
        detail = db.get_screening(screening_id, store=store(),
                                  viewer=None if st.session_state.get(viewed_key) else username)
    except db.ScreeningNotFound:
        st.error("This screening does not exist.")
        st.stop()
    st.session_state[viewed_key] = True
    if st.session_state.get("review_opened_for") != screening_id:
        st.session_state["review_opened_for"] = screening_id
        st.session_state["review_base"] = detail.latest_review_id
        for key in [k for k in st.session_state if str(k).startswith(REVIEW_KEYS)]:
            del st.session_state[key]
        st.session_state.pop("confirm_needed", None)
    if st.query_params.get("id") != detail.public_id:
        st.query_params["id"] = detail.public_id  # the address bar is this screening's link
    return detail


# -- first screen: who, how to reach, flags ----------------------------------------------

def appointment_line(detail: db.ScreeningDetail) -> str:
    """The appointment in clinic time, or that none is booked (a walk-in)."""
    if detail.appointment_at is None:
        return "Appointment: none booked (walk-in)"
    return f"Appointment {clinic_time(detail.appointment_at)}"


def header(detail: db.ScreeningDetail) -> None:
    plain.heading(f"{detail.last_name}, {detail.first_name}")
    bmi = detail.bmi if detail.bmi is not None else "not given"
    st.markdown(f"**{detail.age} years** (born {detail.date_of_birth}) · BMI {bmi} · "
                f"{appointment_line(detail)}")
    st.caption(f"Submitted {clinic_time(detail.submitted_at)} · "
               f"{REVIEW_STATUSES[detail.review_status]} · rules {md_escape(detail.ruleset_version)}")


def language_note(detail: db.ScreeningDetail) -> None:
    """The language the patient answered in, when it is not English."""
    if detail.language != "en":
        from forms.i18n import LANGUAGES

        st.info(f"The patient answered in **{LANGUAGES.get(detail.language, detail.language)}** "
                f"({detail.language}). Labels here are in English; typed text is shown as written.",
                icon=":material/translate:")


def _contact_html(icon: str, contact: Contact | None, missing: str) -> str:
    """Escaped HTML: a tel:/mailto: link only for a value that passed the form's checks."""
    if contact is None:
        return f"{icon} {plain.escape(missing)}"
    if contact.href is None:  # not a valid number/address: shown, never linked
        return f"{icon} {plain.escape(contact.text)} (not a valid {missing.split()[1]})"
    return f'{icon} <a href="{plain.escape(contact.href)}">{plain.escape(contact.text)}</a>'


def contact(detail: db.ScreeningDetail) -> None:
    answers = detail.document["answers"]
    phone = _contact_html("&#9742;", phone_link(answers.get("phone")), "no phone given")
    email = _contact_html("&#9993;", email_link(answers.get("email")), "no email given")
    with st.container(key="contact"):
        st.html(f'<p style="margin:0">{phone} &nbsp;&middot;&nbsp; {email}</p>')


def urgent_banner(detail: db.ScreeningDetail, flags: Sequence[Flag]) -> None:
    if detail.urgent:
        st.error("**URGENT: contact the patient today.** "
                 + " ".join(md_escape(f.reason) for f in flags if f.urgent),
                 icon=":material/emergency:")
    to_measure = detail.evaluation.to_measure
    if to_measure:
        st.warning("Not given by the patient; measure at the visit: " + ", ".join(to_measure),
                   icon=":material/monitor_heart:")


def flag_summary(flags: Sequence[Flag]) -> None:
    """Every flag's reason, grouped by severity, most severe first."""
    if not flags:
        st.success("No flags raised.")
        return
    with st.container(key="flag_summary"):
        for severity in SEVERITIES:
            group = [f for f in flags if f.severity == severity]
            if not group:
                continue
            lines = "\n".join(
                f"- {':red[**URGENT**] ' if f.urgent else ''}{md_escape(f.reason)}"
                for f in group)
            st.markdown(f"{SEVERITY_BADGES[severity]} **{SEVERITY_TITLES[severity]}** "
                        f"({len(group)})\n{lines}")


# -- the decision panel ------------------------------------------------------------------

def _ack_label(flag: Flag) -> str:
    return (f"{md_escape(flag.reason)} :gray[({flag.severity}"
            f"{', required' if flag.requires_ack else ''})]")


def _reasons(rule_ids: Sequence[str], flags: Sequence[Flag]) -> str:
    by_id = {f.rule_id: f.reason for f in flags}
    return "\n".join(f"- {md_escape(by_id.get(r, r))}" for r in rule_ids)


def decision_panel(detail: db.ScreeningDetail, flags: Sequence[Flag], user: Mapping[str, Any]) -> None:
    """Acknowledge flags (by reason), decide, note; refusals and confirmations in words."""
    screening_id = detail.id
    st.markdown("#### Decision")
    latest = detail.reviews[0] if detail.reviews else None
    if latest is not None:
        st.caption(f"Latest: {DECISIONS[latest.decision]} by {md_escape(latest.reviewer)}, "
                   f"{clinic_time(latest.created_at)}")
    stale = st.session_state.get("review_base") != detail.latest_review_id
    confirm_needed: list[str] = st.session_state.get("confirm_needed") or []
    with st.form("review_form", enter_to_submit=False, clear_on_submit=False, border=False):
        if flags:
            st.caption("Acknowledge each flag you have dealt with; defer and urgent ones before "
                       "any decision.")
        for flag in flags:
            st.checkbox(_ack_label(flag), key=f"ack_{flag.rule_id}")
        if flags:
            with st.expander("Notes on flags (optional)"):
                for flag in flags:
                    st.text_input(f"Note on: {md_escape(flag.reason)}",
                                  key=f"acknote_{flag.rule_id}", max_chars=500)
        decision = st.radio("Decision", list(DECISIONS), format_func=DECISIONS.get, index=None,
                            key="decision", horizontal=True)
        note = st.text_area("Decision note", key="review_note", max_chars=2000, height=68,
                            placeholder="Conditions, follow-up plan, who was contacted")
        if confirm_needed:
            st.warning("These flags are still open (not acknowledged):\n"
                       + _reasons(confirm_needed, flags), icon=":material/warning:")
            st.checkbox("Clear for treatment with these flags open", key="confirm_clear")
        send = st.form_submit_button("Record review", type="primary", key="record_review")

    if send and stale:
        st.error("This screening was reviewed by someone else since you opened it. Read their "
                 "review below, then record yours again if it still applies.")
        st.session_state["review_base"] = detail.latest_review_id
    elif stale:
        st.warning("Someone else reviewed this screening while you had it open: read it below.")
        st.session_state["review_base"] = detail.latest_review_id
    if send and not stale:
        _record(screening_id, user, flags, decision, note, confirm_needed)
    if st.session_state.pop("review_saved", False):
        st.success("Review recorded.")


def _record(screening_id: int, user: Mapping[str, Any], flags: Sequence[Flag],
            decision: str | None, note: str | None, confirm_needed: list[str]) -> None:
    acks = {f.rule_id: (st.session_state.get(f"acknote_{f.rule_id}") or "").strip() or None
            for f in flags if st.session_state.get(f"ack_{f.rule_id}")}
    if decision is None:
        st.error("Choose a decision.")
        return
    open_now = db.open_flags_of(flags, acks)
    # A confirmation counts only for the very flags it was shown for.
    confirmed = bool(st.session_state.get("confirm_clear")) and list(open_now) == confirm_needed
    try:
        db.record_review(screening_id, user["username"], decision, (note or "").strip(), acks,
                         st.session_state.get("review_base"), confirm_open_flags=confirmed,
                         store=store())
    except db.ClearingNeedsConfirmation as err:
        st.session_state["confirm_needed"] = list(err.open_flags)
        st.session_state.pop("confirm_clear", None)
        st.rerun()
    except db.ReviewRefused as err:
        missing = _missing_required(flags, acks)
        if missing:
            st.error("Acknowledge these flags before recording a decision:\n"
                     + _reasons(missing, flags) + f"\n\n:gray[({', '.join(missing)})]")
        else:
            st.error(str(err))
    else:
        for key in [k for k in st.session_state if str(k).startswith(REVIEW_KEYS)]:
            del st.session_state[key]
        st.session_state.pop("confirm_needed", None)
        st.session_state.pop("review_opened_for", None)
        st.session_state["review_saved"] = True
        st.rerun()


def _missing_required(flags: Sequence[Flag], acks: Mapping[str, Any]) -> list[str]:
    return [f.rule_id for f in flags if f.requires_ack and f.rule_id not in acks]


# -- below the fold ----------------------------------------------------------------------

def flag_details(flags: Sequence[Flag]) -> None:
    st.header(f"Flags in detail ({len(flags)})")
    for severity in SEVERITIES:
        group = [f for f in flags if f.severity == severity]
        if not group:
            continue
        st.subheader(f"{SEVERITY_TITLES[severity]} ({len(group)})")
        for flag in group:
            with st.container(border=True, key=f"flag_{flag.rule_id}"):
                badge = ":red-background[URGENT] " if flag.urgent else ""
                st.markdown(f"{badge}{md_escape(flag.reason)} :gray[({flag.rule_id})]")
                for item in flag.evidence:  # may quote a medicine as the patient typed it
                    plain.text(f"Evidence: {item.describe()}")
                st.caption(f"Source: {md_escape(flag.source)}")


def _med_flags(flags: Sequence[Flag]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for flag in flags:
        for item in flag.evidence:
            if item.kind == "medication" and item.medication:
                found.setdefault(item.medication, []).append(flag.rule_id)
    return found


def medicines(detail: db.ScreeningDetail, flags: Sequence[Flag]) -> None:
    st.header("Medicines")
    meds = detail.evaluation.medications
    if not meds:
        st.write("The patient takes no medicines, supplements or herbal remedies.")
        return
    raised = _med_flags(flags)
    st.dataframe(pd.DataFrame([{
        "Flags": "⚑ " + ", ".join(raised[m.text]) if m.text in raised else "",
        "As typed": m.text, "Dose": m.dose, "How often": m.frequency,
        "Taking": "now" if m.current else "past",
        "Resolved to": m.generic or "—", "Classes": ", ".join(m.classes),
        "Match": m.method or m.status,
        "Check": "" if m.status == "recognized" else m.status.upper(),
    } for m in meds]), hide_index=True, width="stretch")


def answers(detail: db.ScreeningDetail, flags: Sequence[Flag]) -> None:
    """Every answer by section; each answer that raised a flag is marked and its section
    opened. A static table, so long questions wrap instead of being cut off."""
    st.header("Answers")
    given = detail.document["answers"]
    marked = flagged_codes(flags)
    for step in STEPS:
        if step.id == "medications":
            continue
        rows: list[tuple[str, str, str]] = []
        for code in step.codes:
            question = QUESTIONS_BY_CODE[code]
            if code not in given and not (question.when is None or question.when.holds(given)):
                continue
            mark = ", ".join(f"{sev.upper()} {rule}" for sev, rule in marked.get(code, ()))
            rows.append((mark, question.label, answer_text(question, given.get(code))))
        flagged = sum(1 for r in rows if r[0])
        title = step.title + (f" · ⚑ {flagged} flagged" if flagged else "")
        with st.expander(title, expanded=bool(flagged), key=f"answers_{step.id}"):
            st.html(answers_table(rows))


def answers_table(rows: Sequence[tuple[str, str, str]]) -> str:
    """An HTML table (every cell escaped: a typed answer never becomes a link or markup);
    cells wrap, so long questions are never cut off; flagged rows are bold."""
    cell = "padding:.3rem .5rem;border-bottom:1px solid rgba(128,128,128,.3);vertical-align:top"
    body = "".join(
        f'<tr class="{"flagged" if mark else "answer"}" style="font-weight:{700 if mark else 400}">'
        f'<td style="{cell}">{"⚑ " + plain.escape(mark) if mark else ""}</td>'
        f'<td style="{cell}">{plain.escape(question)}</td><td style="{cell}">{plain.escape(answer)}</td></tr>'
        for mark, question, answer in rows)
    head = "".join(f'<th style="{cell};text-align:left">{h}</th>' for h in ("Flag", "Question", "Answer"))
    return (f'<table class="answers" style="width:100%;border-collapse:collapse">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def review_history(detail: db.ScreeningDetail) -> None:
    st.header("Review history")
    if not detail.reviews:
        st.caption("Not reviewed yet.")
    flags = {f.rule_id: f.reason for f in detail.evaluation.flags}
    for review in detail.reviews:
        with st.container(border=True):
            superseded = " (superseded)" if review.id != detail.latest_review_id else ""
            st.markdown(f"**{DECISIONS[review.decision]}**{superseded} by "
                        f"{md_escape(review.reviewer)}, {clinic_time(review.created_at)}")
            if review.note:
                st.text(review.note)
            for ack in review.acknowledgements:
                note = f": {md_escape(ack.note)}" if ack.note else ""
                st.caption(f"Acknowledged: {md_escape(flags.get(ack.rule_id, ack.rule_id))}{note}")
