"""Patient intake: one step per section, saved server-side after every step."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

import store as db
from app_pages import a11y, crisis, invitation_entry
from app_pages import questions as ui
from app_pages.prep import draw_prep_times
from app_pages.services import engine, store
from forms import intake_state as flow
from forms import units
from forms.definition import MAX_MEDICATIONS, QUESTIONS_BY_CODE
from forms.models import InvalidDocument
from forms.patient_messages import patient_message
from forms.steps import STEPS
from forms.validation import base_code
from forms.visit_prep import load_visit_prep
from store.drafts import hash_token

STATE = "intake"


def state() -> flow.IntakeState:
    if STATE not in st.session_state:
        st.session_state[STATE] = flow.IntakeState()
    return st.session_state[STATE]


# -- binding widgets to the state machine ----------------------------------------------------
def _step_values(s: flow.IntakeState) -> dict:
    """What the widgets of the step on screen hold, by question code (None = blank)."""
    step = s.current
    if step is None:
        return {}
    values = {q.code: ui.read(q) for q in step.questions()
              if q.type != "medications" and q.code not in UNIT_WIDGETS
              and (ui.widget_key(q.code) in st.session_state or q.type == "multi")}
    if step.id == "vitals":
        values["height_cm"] = _height_value(s.height_unit)
        values["weight_kg"] = _weight_value(s.weight_unit)
        s.entered = {k: v for k in ("q_height_ft", "q_height_in", "q_weight_lb")
                     if (v := _number(k)) is not None}
        values[flow.BMI_CONFIRMED] = bool(st.session_state.get("bmi_confirmed"))
    return values


# Height and weight are answered in the patient's units; these widgets feed them.
UNIT_WIDGETS = {"height_cm": ("q_height_ft", "q_height_in", "q_height_cm"),
                "weight_kg": ("q_weight_lb", "q_weight_kg")}


def _number(key: str) -> float | None:
    value = st.session_state.get(key)
    return None if value is None else float(value)


def _height_value(unit: str) -> int | None:
    if unit == "cm":
        cm = _number("q_height_cm")
        return None if cm is None else round(cm)
    return units.height_cm(_number("q_height_ft"), _number("q_height_in"))


def _weight_value(unit: str) -> int | None:
    if unit == "kg":
        kg = _number("q_weight_kg")
        return None if kg is None else round(kg)
    return units.weight_kg(_number("q_weight_lb"))


def _med_values(s: flow.IntakeState) -> dict[str, dict[str, str]]:
    values: dict[str, dict[str, str]] = {}
    for row in s.meds:
        typed = {name: st.session_state.get(f"med_{name}_{row.id}")
                 for name in (*flow.MED_FIELDS, "status")}
        values[row.id] = {k: v for k, v in typed.items() if v is not None}
    return values


def _save(s: flow.IntakeState) -> None:
    """Save the draft server-side; the first save creates it and puts the token in the URL."""
    if s.token is None:
        _, s.token = db.create_draft(store=store())
        st.query_params["resume"] = s.token
    try:
        db.save_draft(s.token, answers=flow.draft_answers(s), step=s.step or 0,
                      date_of_birth=s.answers.get("date_of_birth"), store=store())
    except db.DraftAlreadySubmitted:
        s.submitted = True
    except (ValueError, db.StoreError, SQLAlchemyError):  # never a traceback for a patient
        s.save_failed = True
    else:
        s.save_failed = False


def on_next() -> None:
    s = state()
    if flow.next_step(s, _step_values(s), ui.today(), _med_values(s)):
        ui.clear_widgets()
        _save(s)


def on_back() -> None:
    s = state()
    flow.back(s, _step_values(s), _med_values(s))
    ui.clear_widgets()
    if s.token:
        _save(s)


def on_edit(index: int) -> None:
    s = state()
    flow.edit(s, index, _step_values(s))
    ui.clear_widgets()


def on_submit() -> None:
    s = state()
    document = flow.submit(s, _step_values(s), ui.today(), datetime.now(UTC))
    if document is None:
        return
    if s.token is None:
        _save(s)
    try:
        # The idempotency key is derived from the token: the token itself is never stored.
        db.submit_screening(document, draft_token=s.token,
                            idempotency_key=hash_token(s.token), store=store())
    except InvalidDocument as err:
        s.problems = {base_code(p.code): p.message for p in err.problems}
        return
    except (db.StoreError, SQLAlchemyError):
        s.save_failed = True
        return
    ui.clear_widgets()
    st.session_state[STATE] = flow.IntakeState(token=s.token, submitted=True,
                                               language=s.language)


def on_start() -> None:
    flow.start(state())


def on_add_med() -> None:
    s = state()
    flow.update_meds(s, _med_values(s))
    flow.add_med(s)


def on_remove_med(rid: str) -> None:
    s = state()
    flow.update_meds(s, _med_values(s))
    flow.remove_med(s, rid)
    for name in (*flow.MED_FIELDS, "status"):
        st.session_state.pop(f"med_{name}_{rid}", None)


def on_resume() -> None:
    token = st.query_params.get("resume")
    dob = st.session_state.get("resume_dob")
    view = db.resume_draft(token, dob.isoformat(), store=store()) if token and dob else None
    if view is None:
        st.session_state["resume_failed"] = True
        return
    st.session_state.pop("resume_failed", None)
    st.session_state[STATE] = flow.from_draft(view.answers, view.step, token,
                                              submitted=bool(view.submitted))


def on_restart() -> None:
    ui.clear_widgets()
    st.session_state.pop(STATE, None)
    st.query_params.clear()


# -- drawing ---------------------------------------------------------------------------------
def draw_welcome() -> None:
    st.title("Before your ketamine treatment")
    st.write(
        "This form helps the clinic make sure treatment is safe for you. It takes about "
        "10 minutes. Have a list of your medicines nearby."
    )
    st.markdown(
        "- Your answers are saved after each step, so you can stop and come back.\n"
        "- Only the clinic's care team can see your answers.\n"
        "- Where a question offers **I'm not sure**, choose it if you don't know: the clinic "
        "will check. Where it doesn't, choose the closest answer and tell the clinic at your "
        "visit."
    )
    st.button("Start", key="start", type="primary", on_click=on_start, width="stretch")


def draw_resume() -> None:
    st.title("Continue your screening")
    st.write("To keep your answers private, please enter your date of birth.")
    st.date_input("Date of birth", key="resume_dob", value=None, min_value=ui.date(1900, 1, 1),
                  max_value=ui.today(), format="MM/DD/YYYY")
    if st.session_state.get("resume_failed"):
        st.error("We could not open a screening with that link and date of birth. "
                 "Check the date, or start a new screening.")
    st.button("Continue", key="resume", type="primary", on_click=on_resume, width="stretch")
    st.button("Start a new screening instead", key="restart", on_click=on_restart)


def draw_confirmation() -> None:
    prep = load_visit_prep()
    st.title("Thank you. Your answers were sent.")
    st.success("The clinic has received your screening.", icon=":material/check_circle:")
    crisis.callout_on_confirmation()  # repeated, and whether the clinic was alerted (issue 13)
    st.subheader("What happens next")
    for item in prep.next_steps:
        st.markdown(f"- {item}")
    st.subheader(prep.title)
    draw_prep_times()  # clock times and a calendar file for an invited patient (issue 13)
    for item in prep.items:
        st.markdown(f"- {item}")


def _progress(index: int) -> None:
    step = STEPS[index]
    st.progress((index + 1) / len(STEPS), text=f"Step {index + 1} of {len(STEPS)}: {step.title}")


def _resume_link(s: flow.IntakeState) -> None:
    if not s.token:
        return
    base = getattr(st.context, "url", "") or ""
    link = f"{base.split('?')[0]}?resume={s.token}"
    with st.expander("Need a break? Save your link"):
        st.write("Your answers are saved. Bookmark or copy this link to come back; you will "
                 "need your date of birth. Keep it private.")
        st.code(link, language=None)


def draw_medications(s: flow.IntakeState) -> None:
    flow.update_meds(s, _med_values(s))  # what is typed in the boxes decides what is shown
    question = QUESTIONS_BY_CODE["takes_no_medications"]
    ui.seed_widget(question, s.answers.get("takes_no_medications", False))
    ui.render(question, None)
    if "medications" in s.problems:  # beside the list, not at the foot of a long page
        st.error(ui.md_escape(patient_message("medications", s.problems["medications"],
                                              s.language)), icon=":material/error:")
    ticked = st.session_state.get(ui.widget_key("takes_no_medications"))
    if ticked and not s.filled_meds():
        st.caption("If you do take anything, even vitamins or herbal remedies, untick the box "
                   "and add them.")
    else:
        if not s.meds:
            flow.add_med(s)
        resolver = engine().resolver
        # Problems are numbered over the filled rows (blank rows are not sent).
        position = {r.id: i for i, r in enumerate(s.filled_meds())}
        for n, row in enumerate(s.meds, start=1):
            rid = row.id
            with st.container(border=True, key=f"med_row_{rid}"):
                st.markdown(f"**Medicine {n}**")
                for field, label, placeholder in (
                    ("name", "Name", "e.g. Xanax, sertraline, fish oil"),
                    ("dose", "Dose (optional)", "e.g. 0.5 mg"),
                    ("frequency", "How often (optional)", "e.g. twice a day, as needed"),
                ):
                    key = f"med_{field}_{rid}"
                    if key not in st.session_state:
                        st.session_state[key] = getattr(row, field)
                    st.text_input(label, key=key, placeholder=placeholder)
                name = st.session_state.get(f"med_name_{rid}", "").strip()
                if name:
                    resolution = resolver.resolve(name)
                    understood = resolver.describe(resolution)
                    if understood and resolution.status == "recognized":
                        st.caption(f":material/check: We understood: {ui.md_escape(understood)}")
                    elif understood:
                        st.caption(f":material/check: We understood: {ui.md_escape(understood)}. "
                                   "Some of what you wrote we could not read: a clinician will "
                                   "check it with you.")
                    else:
                        st.caption(":material/help: We could not recognize this name. That is "
                                   "fine: a clinician will check it with you.")
                key = f"med_status_{rid}"
                if key not in st.session_state:
                    st.session_state[key] = row.status
                st.radio("Do you take it now?", options=["current", "past"], key=key,
                         format_func={"current": "I take it now",
                                      "past": "I used to take it"}.get, horizontal=True)
                for code, message in s.problems.items():
                    if rid in position and code.startswith(f"medications[{position[rid]}]"):
                        st.error(ui.md_escape(patient_message(code, message, s.language)))
                st.button("Remove", key=f"med_remove_{rid}", on_click=on_remove_med, args=(rid,))
        full = len(s.meds) >= MAX_MEDICATIONS
        if full:
            st.info(f"You have listed {MAX_MEDICATIONS} medicines, the most this form takes. "
                    "Please tell the clinic about any others at your visit.",
                    icon=":material/info:")
        st.button("Add another medicine", key="add_med", on_click=on_add_med,
                  icon=":material/add:", disabled=full)


def _problem(s: flow.IntakeState, code: str) -> str | None:
    message = s.problems.get(code)
    return patient_message(code, message, s.language) if message else None


def draw_questions(s: flow.IntakeState, step) -> None:
    # Follow-ups appear as soon as the answer they depend on is chosen.
    typed = {q.code: ui.read(q) for q in step.questions()
             if ui.widget_key(q.code) in st.session_state}
    visible = {**s.answers, **{k: v for k, v in typed.items() if v is not None}}
    for question in step.questions():
        if question.when is not None and not question.when.holds(visible):
            continue
        if question.code == "height_cm":
            draw_height(s)
            continue
        if question.code == "weight_kg":
            draw_weight(s)
            continue
        ui.seed_widget(question, s.answers.get(question.code))
        ui.render(question, _problem(s, question.code), disabled=question.code in s.locked)


def _seed(key: str, value: float | None) -> None:
    if key not in st.session_state:
        st.session_state[key] = None if value is None else int(value)


def _on_unit(kind: str) -> None:
    """Switching units converts what is typed, so nothing is lost or misread."""
    s = state()
    if kind == "height":
        cm = _height_value(s.height_unit)
        s.height_unit = st.session_state["unit_height"]
        for key in UNIT_WIDGETS["height_cm"]:
            st.session_state.pop(key, None)
        s.answers.pop("height_cm", None) if cm is None else s.answers.update(height_cm=cm)
        s.entered = {}
    else:
        kg = _weight_value(s.weight_unit)
        s.weight_unit = st.session_state["unit_weight"]
        for key in UNIT_WIDGETS["weight_kg"]:
            st.session_state.pop(key, None)
        s.answers.pop("weight_kg", None) if kg is None else s.answers.update(weight_kg=kg)
        s.entered = {}


def draw_height(s: flow.IntakeState) -> None:
    st.session_state.setdefault("unit_height", s.height_unit)
    st.radio("Height (optional): which units?", options=["ft_in", "cm"], key="unit_height",
             format_func={"ft_in": "Feet and inches", "cm": "Centimeters"}.get,
             horizontal=True, on_change=_on_unit, args=("height",))
    cm = s.answers.get("height_cm")
    if s.height_unit == "cm":
        _seed("q_height_cm", cm)
        st.number_input("Height in centimeters", key="q_height_cm", step=1, format="%d",
                        placeholder="Leave blank if unknown")
    else:
        feet, inches = units.feet_inches(cm)
        if units.height_cm(s.entered.get("q_height_ft"), s.entered.get("q_height_in")) == cm:
            feet, inches = s.entered.get("q_height_ft"), s.entered.get("q_height_in")
        _seed("q_height_ft", feet)
        _seed("q_height_in", inches)
        left, right = st.columns(2)
        left.number_input("Feet", key="q_height_ft", step=1, format="%d", placeholder="e.g. 5")
        right.number_input("Inches", key="q_height_in", step=1, format="%d", placeholder="e.g. 7")
    problem = _problem(s, "height_cm")
    if problem:
        st.error(ui.md_escape(problem), icon=":material/error:")


def draw_weight(s: flow.IntakeState) -> None:
    st.session_state.setdefault("unit_weight", s.weight_unit)
    st.radio("Weight (optional): which units?", options=["lb", "kg"], key="unit_weight",
             format_func={"lb": "Pounds", "kg": "Kilograms"}.get, horizontal=True,
             on_change=_on_unit, args=("weight",))
    kg = s.answers.get("weight_kg")
    if s.weight_unit == "kg":
        _seed("q_weight_kg", kg)
        st.number_input("Weight in kilograms", key="q_weight_kg", step=1, format="%d",
                        placeholder="Leave blank if unknown")
    else:
        pounds = units.pounds(kg)
        if units.weight_kg(s.entered.get("q_weight_lb")) == kg:
            pounds = s.entered.get("q_weight_lb")
        _seed("q_weight_lb", pounds)
        st.number_input("Weight in pounds", key="q_weight_lb", step=1, format="%d",
                        placeholder="Leave blank if unknown")
    problem = _problem(s, "weight_kg")
    if problem:
        st.error(ui.md_escape(problem), icon=":material/error:")
    if s.bmi_question is not None:
        st.warning(f"Your height and weight give a body mass index (BMI) of {s.bmi_question}, "
                   "which is very unusual. Please check both numbers and the units you chose "
                   "(pounds or kilograms, feet and inches or centimeters). If they are right, "
                   "tick the box below and press Next.", icon=":material/help:")
        st.checkbox("My height and weight are right", key="bmi_confirmed")


def draw_step(s: flow.IntakeState) -> None:
    index = s.step
    step = STEPS[index]
    _progress(index)
    st.header(step.title, anchor=False)
    if step.intro:
        st.write(step.intro)
    if step.id == "review":
        draw_review(s)
    elif step.id == "medications":
        draw_medications(s)
    else:
        draw_questions(s, step)
    crisis.callout_on_step(s)  # 988 / 911 at once after a plan or an attempt (issue 13)
    if s.problems:
        st.warning("Please check the answers marked above.", icon=":material/warning:")
    if s.save_failed:
        st.error("We could not save your answers just now. Please try again; if it happens "
                 "again, retype any pasted text or call the clinic.", icon=":material/error:")
    cols = st.columns(2)
    if index > 0:
        cols[0].button("Back", key="back", on_click=on_back, width="stretch")
    if step.id == "review":
        cols[1].button("Submit my answers", key="submit", type="primary", on_click=on_submit,
                       width="stretch")
    else:
        cols[1].button("Save and return to review" if s.back_to_review else "Next", key="next",
                       type="primary", on_click=on_next, width="stretch")
    _resume_link(s)
    invitation_entry.email_me_link(s)  # "email me a link to continue" (issue 13)
    a11y.announce_new_step(s.moves, f"{step.title}: step {index + 1} of {len(STEPS)}")


def _shown(question, value) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if question.type == "choice":
        return question.label_of(value)
    if question.type == "multi":
        return ", ".join(question.label_of(v) for v in value)
    if question.type == "bool":
        return "Yes" if value else "No"
    if question.code == "height_cm" and isinstance(value, int):
        feet, inches = units.feet_inches(value)
        return f"{feet} ft {inches} in ({value} cm)"
    if question.code == "weight_kg" and isinstance(value, int):
        return f"{units.pounds(value)} lb ({value} kg)"
    if question.type == "int" and question.unit:
        return f"{value} {question.unit}"
    return str(value)


def draw_review(s: flow.IntakeState) -> None:
    answers = s.answers
    for index, step in enumerate(STEPS[:-1]):
        with st.container(border=True, key=f"summary_{step.id}"):
            head, button = st.columns([4, 1])
            head.markdown(f"**{step.title}**")
            button.button("Edit", key=f"edit_{step.id}", on_click=on_edit, args=(index,))
            if step.id == "medications":
                meds = s.medications()
                if not meds:
                    st.markdown("I take no medicines")
                for med in meds:
                    extra = ", ".join(x for x in (med["dose"], med["frequency"]) if x)
                    when = "now" if med["status"] == "current" else "in the past"
                    st.markdown(f"- {ui.md_escape(med['name'])}"
                                f"{' (' + ui.md_escape(extra) + ')' if extra else ''}, {when}")
                continue
            for question in step.questions():
                if question.when is not None and not question.when.holds(answers):
                    continue
                st.markdown(f"{ui.md_escape(question.label)}  \n"
                            f"**{ui.md_escape(_shown(question, answers.get(question.code)))}**")
    other = {c: m for c, m in s.problems.items()
             if base_code(c) not in STEPS[-1].codes}
    for code, message in other.items():
        question = QUESTIONS_BY_CODE.get(base_code(code))
        where = next((st_.title for st_ in STEPS if base_code(code) in st_.codes), "")
        st.error(f"{where}: {ui.md_escape(question.label if question else code)}: "
                 f"{ui.md_escape(patient_message(code, message, s.language))} Use Edit to fix it.")
    st.subheader("Sign")
    for question in STEPS[-1].questions():
        ui.seed_widget(question, answers.get(question.code))
        ui.render(question, _problem(s, question.code))


def main() -> None:
    a11y.patient_styles()
    s = state()
    if s.submitted:
        draw_confirmation()
        st.button("Start a new screening", key="restart", on_click=on_restart)
        return
    if invitation_entry.wanted(s):  # the clinic's invitation link
        invitation_entry.draw(on_restart)
        return
    if s.token is None and st.query_params.get("resume"):
        draw_resume()
        return
    if s.step is None:
        draw_welcome()
        return
    draw_step(s)


main()
