"""The day-of check-in on the clinician's decision screen: whether the patient checked in,
whether the check-in reopened a decision, its flags, and what changed since the intake.

Patient text (escort, medicine names) is shown with ``st.text`` (no markdown).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import store as db
from app_pages.questions import md_escape
from app_pages.queue_view import SEVERITY_BADGES
from app_pages.review_model import clinic_time
from app_pages.services import store
from core.evaluation import Flag
from core.vocab import DECISION_LABELS, SEVERITY_LABELS
from rules.checkin import changes_since_intake


def load(detail: db.ScreeningDetail) -> db.CheckInView | None:
    return db.latest_checkin(detail.id, store=store()) if detail.checked_in_at else None


def reopened_review(detail: db.ScreeningDetail, checkin: db.CheckInView | None) -> db.ReviewView | None:
    """The decision made before a check-in that raised a defer flag (needs a look again),
    unless a newer decision was recorded after the check-in."""
    if checkin is None or not any(f.severity == "defer" for f in checkin.evaluation.flags):
        return None
    latest = detail.reviews[0] if detail.reviews else None
    if latest is None or latest.created_at > checkin.created_at:
        return None
    return latest


def summary(detail: db.ScreeningDetail, checkin: db.CheckInView | None) -> None:
    """First screen: checked in or not, and a warning when a decision needs a look again."""
    if checkin is None:
        st.caption("Not checked in yet.")
        return
    flags = checkin.evaluation.flags
    worst = f"; highest {SEVERITY_LABELS[flags[0].severity].lower()}" if flags else ""
    st.markdown(f"**Checked in** {clinic_time(checkin.checked_in_at)} by "
                f"{md_escape(checkin.recorded_by)} · {len(flags)} check-in flag"
                f"{'s' if len(flags) != 1 else ''}{worst}")
    if flags:  # the check-in's own flags, most severe first (details below the fold)
        st.markdown("\n".join(f"- {SEVERITY_BADGES[f.severity]} {md_escape(f.reason)}"
                              for f in flags))
    reopened = reopened_review(detail, checkin)
    if reopened is not None:
        st.warning(f"**Needs a look again:** the decision *{DECISION_LABELS[reopened.decision]}* "
                   f"({clinic_time(reopened.created_at)}) was made before check-in, and check-in "
                   "raised a defer flag:\n"
                   + "\n".join(f"- {md_escape(f.reason)}" for f in flags if f.severity == "defer"),
                   icon=":material/replay:")


def section(detail: db.ScreeningDetail, checkin: db.CheckInView | None) -> None:
    """Below the fold: what changed since the intake, the check-in's flags, as recorded."""
    if checkin is None:
        return
    st.header("Day-of check-in")
    st.caption(f"Recorded {clinic_time(checkin.created_at)} by {md_escape(checkin.recorded_by)}; "
               + ("appointment " + clinic_time(checkin.appointment_at) if checkin.appointment_at
                  else "walk-in: fasting counted from the check-in time"))
    with st.container(border=True, key="checkin_changes"):
        st.markdown("**What changed since the intake**")
        for line in changes_since_intake(detail.document.get("answers", {}), detail.evaluation,
                                         checkin.data, checkin.evaluation, clinic_time):
            st.text(f"• {line}")  # holds patient text: never markdown
    _flags(checkin.evaluation.flags)
    data = checkin.data
    st.markdown("**As confirmed at check-in**")
    st.text(f"Last food: {clinic_time(data.last_food_at)}\n"
            f"Last clear liquid: {clinic_time(data.last_clear_liquid_at)}\n"
            f"Blood pressure on arrival: {data.systolic_bp}/{data.diastolic_bp} mmHg; "
            f"heart rate {data.heart_rate}/min")


def _flags(flags: Sequence[Flag]) -> None:
    if not flags:
        st.success("Check-in raised no flags.")
        return
    for flag in flags:
        with st.container(border=True, key=f"checkin_flag_{flag.rule_id}"):
            st.markdown(f"**{SEVERITY_LABELS[flag.severity]}** · {md_escape(flag.reason)}")
            st.text("Evidence: " + "; ".join(e.describe() for e in flag.evidence))
            st.caption(f"Source: {md_escape(flag.source)} · rule {flag.rule_id}")
