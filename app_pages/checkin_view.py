"""The parts of the check-in page, one function each (``app_pages/checkin.py`` calls them).

Patient names are shown as text (``app_pages.plain``); times in the clinic's time zone.
The front desk never sees the check-in's flags or the screening's answers: after a check-in
it is told only that it was recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import streamlit as st

import store as db
from app_pages import plain
from app_pages.services import store
from core.vocab import CLINICAL_ROLES
from forms.checkin import CheckIn, check_checkin
from forms.clock import clinic_timezone, now_in_clinic
from forms.prep import clock, day, prep_times
from services import checkin as checkin_service

ROWS = 3  # lines for doses and for new medicines (a fourth is rare; the note field is the clinician's)
YES_NO = {"yes": "Yes", "no": "No"}


def chosen_patient() -> db.CheckInCandidate | None:
    chosen = st.session_state.get("checkin_for")
    return db.CheckInCandidate.model_validate(chosen) if chosen else None


def _choose(candidate: Mapping[str, Any]) -> None:
    st.session_state["checkin_for"] = dict(candidate)
    st.session_state.pop("checkin_recorded", None)


def _back() -> None:
    st.session_state.pop("checkin_for", None)
    _clear_form()


def _clear_form() -> None:
    for key in [k for k in st.session_state if str(k).startswith("ci_")]:
        del st.session_state[key]


def when_text(moment: datetime | None) -> str:
    """'2:00 pm' today, else 'Thursday 3 December, 2:00 pm', in clinic time."""
    if moment is None:
        return ""
    local = moment.astimezone(clinic_timezone())
    return clock(local) if local.date() == now_in_clinic().date() else f"{day(local)}, {clock(local)}"


def recorded_banner() -> None:
    done = st.session_state.get("checkin_recorded")
    if not done:
        return
    with st.container(border=True, key="checkin_done"):
        st.success(f"Check-in recorded at {when_text(datetime.fromisoformat(done['at']))}. "
                   "The clinician has been given the details.", icon=":material/check_circle:")
        plain.strong(done["name"])
        if done.get("clinical") and st.button("Open the screening", key="checkin_open"):
            st.switch_page("app_pages/screening.py", query_params={"id": done["public_id"]})


def patient_list(user: Mapping[str, Any]) -> None:
    today = now_in_clinic().date()
    st.caption(f"Times are clinic time ({clinic_timezone().key}).")
    name = st.text_input("Find a patient by name (for a walk-in, or another day)", key="find_name",
                         max_chars=100, placeholder="Part of the first or last name")
    searching = bool(name.strip())
    signature = f"{today}|{name.strip().casefold()}"
    audited = st.session_state.get("checkin_list_audited") == signature
    rows = db.checkin_candidates(today, name=name if searching else None,
                                 viewer=None if audited else user["username"], store=store())
    st.session_state["checkin_list_audited"] = signature
    st.subheader("Patients found" if searching else f"Today's appointments ({day(today)})")
    if not rows:
        st.info("No patient matches this name." if searching
                else "No appointments today. Find a walk-in by name above.")
    for row in rows:
        _patient_row(row)


def _patient_row(row: db.CheckInCandidate) -> None:
    with st.container(border=True, key=f"ci_row_{row.id}"):
        who, action = st.columns([5, 2], vertical_alignment="center")
        plain.strong(f"{row.last_name}, {row.first_name}", where=who)
        when = f"Appointment {when_text(row.appointment_at)}" if row.appointment_at else "Walk-in"
        who.caption(f"Born {row.date_of_birth:%m/%d/%Y} · {when}")
        if row.checked_in_at is not None:
            who.markdown(f":green-background[Checked in {when_text(row.checked_in_at)}]")
        action.button("Check in again" if row.checked_in_at else "Check in", key=f"checkin_{row.id}",
                      type="secondary" if row.checked_in_at else "primary", width="stretch",
                      on_click=_choose, args=(row.model_dump(mode="json"),))


def patient_header(chosen: db.CheckInCandidate) -> None:
    plain.heading(f"{chosen.last_name}, {chosen.first_name}")
    when = (f"appointment {when_text(chosen.appointment_at)}" if chosen.appointment_at
            else "walk-in (no appointment)")
    st.caption(f"Born {chosen.date_of_birth:%m/%d/%Y} · {when}")
    st.button("Back to the list", key="checkin_back", icon=":material/arrow_back:", on_click=_back)


def prep_reminder(chosen: db.CheckInCandidate) -> None:
    """The fasting times the patient was given; a walk-in's count back from now."""
    now = now_in_clinic()
    start = max(chosen.appointment_at, now) if chosen.appointment_at else now
    times = prep_times(start)
    food, liquids, _ = times.lines()
    lead = ("Walk-in: the fast counts back from check-in now. " if chosen.appointment_at is None
            else "")
    st.info(f"{lead}To start at {clock(times.appointment)}: {food}; {liquids}.",
            icon=":material/restaurant:")


def _moment(day_value: date | None, time_value: time | None) -> str | None:
    if day_value is None or time_value is None:
        return None
    return datetime.combine(day_value, time_value, tzinfo=clinic_timezone()).isoformat()


def _when_inputs(label: str, key: str, today: date) -> str | None:
    left, right = st.columns(2)
    on = left.date_input(f"{label}: date", key=f"ci_{key}_day", value=today, format="MM/DD/YYYY",
                         min_value=today - timedelta(days=3), max_value=today)
    at = right.time_input(f"{label}: time", key=f"ci_{key}_time", value=None,
                          step=timedelta(minutes=5))
    return _moment(on, at)


def _yes_no(label: str, key: str) -> bool | None:
    answer = st.radio(label, tuple(YES_NO), format_func=YES_NO.get, index=None, horizontal=True,
                      key=f"ci_{key}")
    return None if answer is None else answer == "yes"


def checkin_form(chosen: db.CheckInCandidate, user: Mapping[str, Any]) -> None:
    today = now_in_clinic().date()
    with st.form("checkin_form", enter_to_submit=False, clear_on_submit=False):
        st.subheader("Ask the patient")
        food = _when_inputs("When did you last eat", "food", today)
        liquid = _when_inputs("When did you last drink a clear liquid", "liquid", today)
        escort = _yes_no("Is the adult who will take you home here now?", "escort")
        left, right = st.columns(2)
        escort_name = left.text_input("Escort's name", key="ci_escort_name", max_chars=100)
        escort_phone = right.text_input("Escort's phone", key="ci_escort_phone", max_chars=30)
        sedatives = _yes_no("In the last 24 hours, have you taken a benzodiazepine (for example "
                            "Xanax, Ativan, Klonopin, Valium) or lamotrigine (Lamictal)?", "sedatives")
        st.caption("If yes: which, and when (the last dose).")
        doses = []
        for i in range(ROWS):
            name_col, day_col, time_col = st.columns([2, 1, 1])
            name = name_col.text_input(f"Medicine {i + 1}", key=f"ci_dose_{i}", max_chars=200)
            on = day_col.date_input(f"Date taken {i + 1}", key=f"ci_dose_{i}_day", value=today,
                                    format="MM/DD/YYYY", min_value=today - timedelta(days=2),
                                    max_value=today)
            at = time_col.time_input(f"Time taken {i + 1}", key=f"ci_dose_{i}_time", value=None,
                                     step=timedelta(minutes=5))
            if name.strip():
                doses.append({"name": name, "taken_at": _moment(on, at)})
        new_any = _yes_no("Have you started any new medicine since you filled in the screening?",
                          "new_any")
        new_cols = st.columns(ROWS)
        new = [col.text_input(f"New medicine {i + 1}", key=f"ci_new_{i}", max_chars=200)
               for i, col in enumerate(new_cols)]
        st.subheader("Measured on arrival")
        bp_sys, bp_dia, pulse = st.columns(3)
        systolic = bp_sys.number_input("Blood pressure: systolic (top)", key="ci_systolic",
                                       value=None, min_value=0, max_value=400, step=1)
        diastolic = bp_dia.number_input("Blood pressure: diastolic (bottom)", key="ci_diastolic",
                                        value=None, min_value=0, max_value=400, step=1)
        heart = pulse.number_input("Heart rate (beats per minute)", key="ci_heart_rate",
                                   value=None, min_value=0, max_value=400, step=1)
        sent = st.form_submit_button("Record check-in", type="primary", key="ci_submit",
                                     width="stretch")
    if not sent:
        return
    data = {
        "checked_in_at": datetime.now(clinic_timezone()).isoformat(),
        "last_food_at": food, "last_clear_liquid_at": liquid,
        "escort_present": escort, "escort_name": escort_name.strip() or None,
        "escort_phone": escort_phone.strip() or None,
        "sedatives_taken": sedatives, "sedatives": doses,
        "new_medicines_any": new_any, "new_medicines": [m for m in new if m.strip()],
        "systolic_bp": systolic, "diastolic_bp": diastolic, "heart_rate": heart,
    }
    checked = check_checkin(data)
    if not isinstance(checked, CheckIn):
        st.error("The check-in was not recorded. Please correct:\n\n"
                 + "\n".join(f"- {p.text()}" for p in checked), icon=":material/error:")
        return
    _record(chosen, checked, user)


def _record(chosen: db.CheckInCandidate, checked: CheckIn, user: Mapping[str, Any]) -> None:
    try:
        checkin_service.record(chosen.id, checked, user["username"], store=store())
    except (db.CheckInRefused, db.ScreeningNotFound) as err:
        st.error(f"The check-in was not recorded: {err}.")
        return
    st.session_state["checkin_recorded"] = {
        "name": f"{chosen.last_name}, {chosen.first_name}",
        "at": checked.checked_in_at.isoformat(), "public_id": chosen.public_id,
        "clinical": user["role"] in CLINICAL_ROLES}
    _back()
    st.rerun()

