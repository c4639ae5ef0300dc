"""Patient intake: one step per section, saved server-side after every step."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

import store as db
from app_pages import invitation_entry
from app_pages import questions as ui
from app_pages.services import engine, store
from forms.branching import prune_hidden
from forms.definition import QUESTIONS_BY_CODE
from forms.models import InvalidDocument
from forms.steps import STEPS
from forms.validation import base_code, check_answers
from forms.visit_prep import load_visit_prep
from store.drafts import hash_token

STATE = "intake"
LAST_STEP = len(STEPS) - 1


def new_state(**values) -> dict:
    """A patient's intake state: no step yet (welcome page), nothing answered."""
    return {"step": None, "answers": {}, "meds": [], "token": None, "problems": {},
            "submitted": False, **values}


def state() -> dict:
    if STATE not in st.session_state:
        st.session_state[STATE] = new_state()
    return st.session_state[STATE]


# -- collecting and saving -------------------------------------------------------------------
def _sync_meds(s: dict) -> None:
    for row in s["meds"]:
        rid = row["id"]
        for field in ("name", "dose", "frequency"):
            value = st.session_state.get(f"med_{field}_{rid}")
            if value is not None:
                row[field] = value
        status = st.session_state.get(f"med_status_{rid}")
        if status is not None:
            row["status"] = status


def _filled_rows(s: dict) -> list[dict]:
    return [r for r in s["meds"] if r["name"].strip()]


def _medications(s: dict) -> list[dict]:
    """Every medicine typed, even with "I take no medicines" ticked: validation refuses
    that combination rather than the app silently dropping what the patient wrote."""
    return [{"name": r["name"].strip(), "dose": r["dose"].strip(),
             "frequency": r["frequency"].strip(), "status": r["status"]}
            for r in _filled_rows(s)]


def _answers_with_meds(s: dict) -> dict:
    answers = dict(s["answers"])
    answers["medications"] = _medications(s)
    return answers


def _collect(s: dict, step_index: int) -> None:
    step = STEPS[step_index]
    for question in step.questions():
        if question.type == "medications":
            continue
        if ui.widget_key(question.code) in st.session_state or question.type == "multi":
            value = ui.read(question)
            if value is None:
                s["answers"].pop(question.code, None)
            else:
                s["answers"][question.code] = value
    if step.id == "medications":
        _sync_meds(s)
    s["answers"] = prune_hidden(s["answers"])


def _check(s: dict, codes) -> dict[str, str]:
    problems, _, _ = check_answers(_answers_with_meds(s), today=ui.today(), codes=codes)
    found: dict[str, str] = {}
    for problem in problems:
        code = problem.code if problem.code.startswith("medications[") else base_code(problem.code)
        found.setdefault(code, problem.message)
    return found


def _save(s: dict) -> None:
    """Save the draft server-side; the first save creates it and puts the token in the URL."""
    if s["token"] is None:
        _, s["token"] = db.create_draft(store=store())
        st.query_params["resume"] = s["token"]
    try:
        db.save_draft(s["token"], answers=_answers_with_meds(s), step=s["step"],
                      date_of_birth=s["answers"].get("date_of_birth"), store=store())
    except db.DraftAlreadySubmitted:
        s["submitted"] = True
    except (ValueError, db.StoreError, SQLAlchemyError):  # never a traceback for a patient
        s["save_failed"] = True
    else:
        s.pop("save_failed", None)


def _go(s: dict, index: int) -> None:
    ui.clear_widgets()
    s["step"] = index
    s["problems"] = {}


def on_next() -> None:
    s = state()
    _collect(s, s["step"])
    s["problems"] = _check(s, STEPS[s["step"]].codes)
    if s["problems"]:
        return
    _go(s, s["step"] + 1)
    _save(s)


def on_back() -> None:
    s = state()
    _collect(s, s["step"])
    _go(s, max(0, s["step"] - 1))
    if s["token"]:
        _save(s)


def on_edit(index: int) -> None:
    s = state()
    _collect(s, s["step"])
    _go(s, index)


def on_submit() -> None:
    s = state()
    _collect(s, s["step"])
    s["problems"] = _check(s, None)
    if s["problems"]:
        return
    document = {"form_version": "1", "answers": _answers_with_meds(s),
                "submitted_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}
    if s["token"] is None:
        _save(s)
    try:
        # The idempotency key is derived from the token: the token itself is never stored.
        db.submit_screening(document, draft_token=s["token"],
                            idempotency_key=hash_token(s["token"]), store=store())
    except InvalidDocument as err:
        s["problems"] = {base_code(p.code): p.message for p in err.problems}
        return
    except (db.StoreError, SQLAlchemyError):
        s["save_failed"] = True
        return
    ui.clear_widgets()
    st.session_state[STATE] = new_state(token=s["token"], submitted=True,
                                        invitation=s.get("invitation"))  # for the prep times


def on_start() -> None:
    s = state()
    _go(s, 0)


def on_add_med() -> None:
    s = state()
    _sync_meds(s)
    s["meds"].append({"id": uuid.uuid4().hex[:8], "name": "", "dose": "", "frequency": "",
                      "status": "current"})


def on_remove_med(rid: str) -> None:
    s = state()
    _sync_meds(s)
    s["meds"] = [r for r in s["meds"] if r["id"] != rid]
    for field in ("name", "dose", "frequency", "status"):
        st.session_state.pop(f"med_{field}_{rid}", None)


def on_resume() -> None:
    token = st.query_params.get("resume")
    dob = st.session_state.get("resume_dob")
    view = db.resume_draft(token, dob.isoformat(), store=store()) if token and dob else None
    if view is None:
        st.session_state["resume_failed"] = True
        return
    st.session_state.pop("resume_failed", None)
    meds = [{"id": uuid.uuid4().hex[:8], **m} for m in (view.answers or {}).get("medications", [])]
    answers = {k: v for k, v in (view.answers or {}).items() if k != "medications"}
    st.session_state[STATE] = new_state(step=min(view.step or 0, LAST_STEP), answers=answers,
                                        meds=meds, token=token, submitted=bool(view.submitted))


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
        "- If you are not sure about an answer, choose **I'm not sure**: the clinic will check."
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
    st.subheader("What happens next")
    for item in prep.next_steps:
        st.markdown(f"- {item}")
    st.subheader(prep.title)
    for item in prep.items:
        st.markdown(f"- {item}")


def _progress(index: int) -> None:
    step = STEPS[index]
    st.progress((index + 1) / len(STEPS), text=f"Step {index + 1} of {len(STEPS)}: {step.title}")


def _resume_link(s: dict) -> None:
    if not s["token"]:
        return
    base = getattr(st.context, "url", "") or ""
    link = f"{base.split('?')[0]}?resume={s['token']}"
    with st.expander("Need a break? Save your link"):
        st.write("Your answers are saved. Bookmark or copy this link to come back; you will "
                 "need your date of birth. Keep it private.")
        st.code(link, language=None)


def draw_medications(s: dict) -> None:
    _sync_meds(s)  # what is typed in the boxes now decides what is shown below
    question = QUESTIONS_BY_CODE["takes_no_medications"]
    ui.seed_widget(question, s["answers"].get("takes_no_medications", False))
    ui.render(question, None)
    ticked = st.session_state.get(ui.widget_key("takes_no_medications"))
    if ticked and not _filled_rows(s):
        st.caption("If you do take anything, even vitamins or herbal remedies, untick the box "
                   "and add them.")
    else:
        if not s["meds"]:
            on_add_med()
        resolver = engine().resolver
        # Problems are numbered over the filled rows (blank rows are not sent).
        position = {r["id"]: i for i, r in enumerate(_filled_rows(s))}
        for n, row in enumerate(s["meds"], start=1):
            rid = row["id"]
            with st.container(border=True, key=f"med_row_{rid}"):
                st.markdown(f"**Medicine {n}**")
                for field, label, placeholder in (
                    ("name", "Name", "e.g. Xanax, sertraline, fish oil"),
                    ("dose", "Dose (optional)", "e.g. 0.5 mg"),
                    ("frequency", "How often (optional)", "e.g. twice a day, as needed"),
                ):
                    key = f"med_{field}_{rid}"
                    if key not in st.session_state:
                        st.session_state[key] = row[field]
                    st.text_input(label, key=key, placeholder=placeholder, max_chars=200
                                  if field == "name" else 100)
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
                        st.caption(":material/help: We could not recognise this name. That is "
                                   "fine: a clinician will check it with you.")
                key = f"med_status_{rid}"
                if key not in st.session_state:
                    st.session_state[key] = row["status"]
                st.radio("Do you take it now?", options=["current", "past"], key=key,
                         format_func={"current": "I take it now",
                                      "past": "I used to take it"}.get, horizontal=True)
                for code, message in s["problems"].items():
                    if rid in position and code.startswith(f"medications[{position[rid]}]"):
                        st.error(ui.md_escape(ui.patient_message(message)))
                st.button("Remove", key=f"med_remove_{rid}", on_click=on_remove_med, args=(rid,))
        st.button("Add another medicine", key="add_med", on_click=on_add_med,
                  icon=":material/add:")
    if "medications" in s["problems"]:
        st.error(ui.md_escape(ui.patient_message(s["problems"]["medications"])))


def draw_step(s: dict) -> None:
    index = s["step"]
    step = STEPS[index]
    _progress(index)
    st.header(step.title)
    if step.intro:
        st.write(step.intro)
    if step.id == "review":
        draw_review(s)
    elif step.id == "medications":
        draw_medications(s)
    else:
        # Follow-ups appear as soon as the answer they depend on is chosen.
        typed = {q.code: ui.read(q) for q in step.questions()
                 if ui.widget_key(q.code) in st.session_state}
        visible = {**s["answers"], **{k: v for k, v in typed.items() if v is not None}}
        for question in step.questions():
            if question.when is not None and not question.when.holds(visible):
                continue
            if invitation_entry.draw_locked(s, question):  # name and birth date from the clinic
                continue
            ui.seed_widget(question, s["answers"].get(question.code))
            problem = s["problems"].get(question.code)
            ui.render(question, ui.patient_message(problem) if problem else None)
    if s["problems"]:
        st.warning("Please check the answers marked above.", icon=":material/warning:")
    if s.get("save_failed"):
        st.error("We could not save your answers just now. Please try again; if it happens "
                 "again, retype any pasted text or call the clinic.", icon=":material/error:")
    cols = st.columns(2)
    if index > 0:
        cols[0].button("Back", key="back", on_click=on_back, width="stretch")
    if step.id == "review":
        cols[1].button("Submit my answers", key="submit", type="primary", on_click=on_submit,
                       width="stretch")
    else:
        cols[1].button("Next", key="next", type="primary", on_click=on_next,
                       width="stretch")
    _resume_link(s)


def _shown(question, value) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if question.type == "choice":
        return question.label_of(value)
    if question.type == "multi":
        return ", ".join(question.label_of(v) for v in value)
    if question.type == "bool":
        return "Yes" if value else "No"
    if question.type == "int" and question.unit:
        return f"{value} {question.unit}"
    return str(value)


def draw_review(s: dict) -> None:
    answers = s["answers"]
    for index, step in enumerate(STEPS[:-1]):
        with st.container(border=True, key=f"summary_{step.id}"):
            head, button = st.columns([4, 1])
            head.markdown(f"**{step.title}**")
            button.button("Edit", key=f"edit_{step.id}", on_click=on_edit, args=(index,))
            if step.id == "medications":
                meds = _medications(s)
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
    other = {c: m for c, m in s["problems"].items()
             if base_code(c) not in STEPS[-1].codes}
    for code, message in other.items():
        question = QUESTIONS_BY_CODE.get(base_code(code))
        where = next((st_.title for st_ in STEPS if base_code(code) in st_.codes), "")
        st.error(f"{where}: {ui.md_escape(question.label if question else code)}: "
                 f"{ui.md_escape(ui.patient_message(message))} Use Edit to fix it.")
    st.subheader("Sign")
    for question in STEPS[-1].questions():
        ui.seed_widget(question, answers.get(question.code))
        problem = s["problems"].get(question.code)
        ui.render(question, ui.patient_message(problem) if problem else None)


def main() -> None:
    s = state()
    if s["submitted"]:
        draw_confirmation()
        st.button("Start a new screening", key="restart", on_click=on_restart)
        return
    if invitation_entry.wanted(s):  # the clinic's invitation link
        invitation_entry.draw(new_state, LAST_STEP, on_restart)
        return
    if s["token"] is None and st.query_params.get("resume"):
        draw_resume()
        return
    if s["step"] is None:
        draw_welcome()
        return
    draw_step(s)


main()
