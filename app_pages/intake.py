"""Patient intake: one step per section, saved server-side after every step.

The store (and SQLAlchemy) is imported where a callback needs it, not at the top: after a
restart the welcome page is drawn without waiting for the database layer to load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from app_pages import a11y, crisis, invitation_entry, prefetch, timing
from app_pages import questions as ui
from app_pages.prep import draw_prep_times
from app_pages.services import engine, store
from forms import intake_state as flow
from forms import units
from forms.clock import now_in_clinic
from forms.definition import MAX_MEDICATIONS, QUESTIONS_BY_CODE
from forms.i18n import LANGUAGES, Text
from forms.models import InvalidDocument
from forms.patient_messages import patient_message
from forms.steps import STEPS
from forms.validation import base_code

if TYPE_CHECKING:
    from store.throttle import RateLimit

STATE = "intake"
LANGUAGE_WIDGET = "language_choice"
SUBMIT_TIMES = "intake_submit_times"  # kept across "start a new form" in this browser session


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


def _save(s: flow.IntakeState) -> str:
    """Save the draft server-side; the first save creates it and puts the token in the URL.
    Returns the draft's token."""
    from sqlalchemy.exc import SQLAlchemyError

    import store as db

    token = s.token
    if token is None:
        _, token = db.create_draft(store=store())
        s.token = token
        st.query_params["resume"] = token
    try:
        db.save_draft(token, answers=flow.draft_answers(s), step=s.step or 0,
                      date_of_birth=s.answers.get("date_of_birth"), store=store())
    except db.DraftAlreadySubmitted:
        s.submitted = True
    except (ValueError, db.StoreError, SQLAlchemyError):  # never a traceback for a patient
        s.save_failed = True
    else:
        s.save_failed = False
    return token


@timing.callback
def on_next() -> None:
    s = state()
    if flow.next_step(s, _step_values(s), ui.today(), _med_values(s)):
        ui.clear_widgets()
        _save(s)


@timing.callback
def on_back() -> None:
    s = state()
    flow.back(s, _step_values(s), _med_values(s))
    ui.clear_widgets()
    if s.token:
        _save(s)


@timing.callback
def on_edit(index: int) -> None:
    s = state()
    flow.edit(s, index, _step_values(s))
    ui.clear_widgets()


def _session_limit() -> RateLimit:
    """This browser session's recent submissions (at most SUBMIT_LIMIT_PER_SESSION a minute)."""
    from store.throttle import RateLimit, session_limit

    limit = st.session_state.get(SUBMIT_TIMES)
    if limit is None or limit.limit != session_limit():
        limit = st.session_state[SUBMIT_TIMES] = RateLimit(session_limit())
    return limit


def _submission_wait() -> int:
    """Seconds before this submission may be taken (0: now); a refusal is audited and logged
    without patient data."""
    from store import submit_limits

    for scope, wait in (("session", lambda: _session_limit().wait()),
                        ("global", lambda: submit_limits.global_wait(store=store()))):
        seconds = wait()
        if seconds:
            submit_limits.record_refusal(scope, seconds, store=store())
            return seconds
    return 0


@timing.callback
def on_submit() -> None:
    from sqlalchemy.exc import SQLAlchemyError

    import store as db
    from services import intake  # with the store: imported where used (see the top)
    from store.drafts import hash_token

    s = state()
    s.retry_after = 0
    document = flow.submit(s, _step_values(s), now_in_clinic())
    try:
        # Checked here once, then evaluated and stored; nothing is stored when refused.
        screening = intake.validate(document)
    except InvalidDocument as err:
        flow.refused(s, err.problems)
        return
    token = _save(s)  # the answers are kept in the draft whatever happens next
    try:
        s.retry_after = _submission_wait()
    except (db.StoreError, SQLAlchemyError):
        s.save_failed = True
        return
    if s.retry_after:
        return
    try:
        # The idempotency key is derived from the token: the token itself is never stored.
        intake.submit(screening, draft_token=token, idempotency_key=hash_token(token),
                      store=store(), language=s.language, engine=engine(s.language))
    except (db.StoreError, SQLAlchemyError):
        s.save_failed = True
        return
    _session_limit().record()
    ui.clear_widgets()
    st.session_state[STATE] = flow.IntakeState(token=s.token, submitted=True,
                                               language=s.language)


@timing.callback
def on_start() -> None:
    flow.start(state())


def _close_med_rows(s: flow.IntakeState) -> None:
    """Keep what is typed in the open rows, then forget their boxes: a row opened again is
    filled from what it holds, never from a stale box."""
    flow.update_meds(s, _med_values(s))
    for row in s.meds:
        for name in (*flow.MED_FIELDS, "status"):
            st.session_state.pop(f"med_{name}_{row.id}", None)


@timing.callback
def on_add_med() -> None:
    s = state()
    _close_med_rows(s)
    flow.add_med(s)


@timing.callback
def on_edit_med(rid: str | None) -> None:
    """Edit opens one row as input boxes (the open one closes to a line); Done closes it."""
    s = state()
    _close_med_rows(s)
    flow.edit_med(s, rid)


@timing.callback
def on_remove_med(rid: str) -> None:
    s = state()
    flow.update_meds(s, _med_values(s))
    flow.remove_med(s, rid)
    for name in (*flow.MED_FIELDS, "status"):
        st.session_state.pop(f"med_{name}_{rid}", None)


@timing.callback
def on_resume() -> None:
    import store as db

    token = st.query_params.get("resume")
    dob = st.session_state.get("resume_dob")
    view = db.resume_draft(token, dob.isoformat(), store=store()) if token and dob else None
    if view is None or not token:
        st.session_state["resume_failed"] = True
        return
    st.session_state.pop("resume_failed", None)
    st.session_state[STATE] = flow.from_draft(view.answers, view.step, token,
                                              submitted=bool(view.submitted))


@timing.callback
def on_restart() -> None:
    language = state().language  # a new screening keeps the language chosen
    ui.clear_widgets()
    st.session_state.pop("_med_feedback", None)
    st.session_state[STATE] = flow.IntakeState(language=language)
    st.query_params.clear()


# -- drawing ---------------------------------------------------------------------------------
@timing.callback
def _on_language() -> None:
    state().language = st.session_state[LANGUAGE_WIDGET]


def draw_language(s: flow.IntakeState, tx: Text) -> None:
    st.session_state.setdefault(LANGUAGE_WIDGET, s.language)
    st.radio(tx.ui("language"), options=list(LANGUAGES), format_func=LANGUAGES.get,
             key=LANGUAGE_WIDGET, horizontal=True, on_change=_on_language)


def draw_welcome(s: flow.IntakeState, tx: Text) -> None:
    st.title(tx.ui("welcome_title"), anchor=False)
    draw_language(s, tx)
    st.write(tx.ui("welcome_intro"))
    st.markdown("\n".join(f"- {tx.ui(k)}" for k in ("welcome_saved", "welcome_private",
                                                     "welcome_unsure")))
    st.button(tx.ui("start"), key="start", type="primary", on_click=on_start, width="stretch")


def draw_resume(s: flow.IntakeState, tx: Text) -> None:
    st.title(tx.ui("resume_title"), anchor=False)
    draw_language(s, tx)
    st.write(tx.ui("resume_intro"))
    st.date_input(tx.ui("date_format", label=tx.ui("resume_dob")), key="resume_dob", value=None,
                  min_value=ui.date(1900, 1, 1), max_value=ui.today(), format="MM/DD/YYYY")
    if st.session_state.get("resume_failed"):
        st.error(tx.ui("resume_failed"))
    st.button(tx.ui("resume_continue"), key="resume", type="primary", on_click=on_resume,
              width="stretch")
    st.button(tx.ui("resume_restart"), key="restart", on_click=on_restart)


def draw_confirmation(tx: Text) -> None:
    prep = tx.visit_prep()
    st.title(tx.ui("sent_title"), anchor=False)
    st.success(tx.ui("sent_success"), icon=":material/check_circle:")
    crisis.callout_on_confirmation(tx)  # repeated, and whether the clinic was alerted (issue 13)
    st.subheader(tx.ui("sent_next"), anchor=False)
    st.markdown("\n".join(f"- {item}" for item in prep.next_steps))
    st.subheader(prep.title, anchor=False)
    draw_prep_times()  # clock times and a calendar file for an invited patient (issue 13)
    st.markdown("\n".join(f"- {item}" for item in prep.items))


def _progress(index: int, tx: Text) -> None:
    title, _ = tx.section(STEPS[index].id)
    st.progress((index + 1) / len(STEPS),
                text=tx.ui("progress", number=index + 1, total=len(STEPS), title=title))


def _resume_link(s: flow.IntakeState, tx: Text) -> None:
    if not s.token:
        return
    base = getattr(st.context, "url", "") or ""
    link = f"{base.split('?')[0]}?resume={s.token}"
    with st.expander(tx.ui("save_link_title")):
        st.write(tx.ui("save_link_text"))
        # A plain link (long-press to copy or bookmark on a phone), not st.code: the code
        # block's syntax highlighter cost the phone over a second of script on every step.
        st.markdown(f"[{ui.md_escape(link)}]({link})")


def _understood(resolution, tx: Text) -> str:
    """What the resolver read, in the patient's words and language (never a verdict)."""
    parts = []
    for match in resolution.matches:
        classes = match.product.classes
        english = engine(tx.language).lexicon.describe(classes)
        label = tx.drug_class(classes[0], english) if classes else ""
        parts.append(f"{match.product.generic}, {label}" if label else match.product.generic)
    return "; ".join(parts)


def _medicine_feedback(s: flow.IntakeState, name: str, tx: Text) -> str:
    """Cached per session and text: a long list re-reads only the rows that changed."""
    cache = st.session_state.setdefault("_med_feedback", {})
    key = (tx.language, name)
    if key not in cache:
        resolution = engine(tx.language).resolver.resolve(name)
        understood = ui.md_escape(_understood(resolution, tx))
        if understood and resolution.status == "recognized":
            cache[key] = ":material/check: " + tx.ui("med_understood", what=understood)
        elif understood:
            cache[key] = ":material/check: " + tx.ui("med_partly", what=understood)
        else:
            cache[key] = ":material/help: " + tx.ui("med_unknown")
    return cache[key]


@st.fragment
def draw_medications() -> None:
    """The medicine list reruns on its own: adding a row, removing one or typing a name
    redraws the list, not the whole step (Next and Back still rerun the page)."""
    s = state()
    with timing.fragment_run(f"screen=medications meds={len(s.meds)}"):
        _draw_medications(s, Text(s.language))


def _draw_medications(s: flow.IntakeState, tx: Text) -> None:
    flow.update_meds(s, _med_values(s))  # what is typed in the boxes decides what is shown
    question = QUESTIONS_BY_CODE["takes_no_medications"]
    ui.seed_widget(question, s.answers.get("takes_no_medications", False))
    ui.render(question, None, tx=tx)
    if "medications" in s.problems:  # beside the list, not at the foot of a long page
        st.error(ui.md_escape(patient_message("medications", s.problems["medications"],
                                              s.language)), icon=":material/error:")
    ticked = st.session_state.get(ui.widget_key("takes_no_medications"))
    if ticked and not s.filled_meds():
        st.caption(tx.ui("no_meds_hint"))
        return
    if not s.meds:
        flow.add_med(s)
    # Problems are numbered over the filled rows (blank rows are not sent).
    position = {r.id: i for i, r in enumerate(s.filled_meds())}
    opened = flow.open_meds(s)
    for n, row in enumerate(s.meds, start=1):
        if row.id in opened:
            _draw_med_inputs(s, row, n, position.get(row.id), tx)
        else:
            _draw_med_line(row, n, _medicine_feedback(s, row.name.strip(), tx), tx)
    full = len(s.meds) >= MAX_MEDICATIONS
    if full:
        st.info(tx.ui("med_limit", max=MAX_MEDICATIONS), icon=":material/info:")
    st.button(tx.ui("med_add"), key="add_med", on_click=on_add_med, icon=":material/add:",
              disabled=full)


def _draw_med_line(row: flow.MedRow, n: int, feedback: str, tx: Text) -> None:
    """A filled row the patient is not editing: what they typed and how it was read, as one
    block of text, with Edit and Remove. No input boxes: on a phone every element costs time
    on every tap, and a long list of boxes made each added medicine slower."""
    typed = " · ".join(ui.md_escape(x.strip()) for x in (row.dose, row.frequency) if x.strip())
    with st.container(border=True, key=f"med_row_{row.id}"):
        st.markdown(f"**{n}. {ui.md_escape(row.name.strip())}**  \n"
                    f"{typed + ' · ' if typed else ''}{tx.ui(f'med_{row.status}')}  \n"
                    f"{feedback}")
        with st.container(horizontal=True):
            st.button(tx.ui("med_edit"), key=f"med_edit_{row.id}", on_click=on_edit_med,
                      args=(row.id,), icon=":material/edit:")
            st.button(tx.ui("med_remove"), key=f"med_remove_{row.id}", on_click=on_remove_med,
                      args=(row.id,))


def _draw_med_inputs(s: flow.IntakeState, row: flow.MedRow, n: int, filled_at: int | None,
                     tx: Text) -> None:
    """The row being typed or edited (and any blank row, or a row with a problem)."""
    rid = row.id
    with st.container(border=True, key=f"med_row_{rid}"):
        st.markdown(f"**{tx.ui('medicine_n', n=n)}**")
        for field in flow.MED_FIELDS:
            key = f"med_{field}_{rid}"
            if key not in st.session_state:
                st.session_state[key] = getattr(row, field)
            st.text_input(tx.ui(f"med_{field}"), key=key,
                          placeholder=tx.ui(f"med_{field}_example"))
        name = st.session_state.get(f"med_name_{rid}", "").strip()
        if name:
            st.caption(_medicine_feedback(s, name, tx))
        key = f"med_status_{rid}"
        if key not in st.session_state:
            st.session_state[key] = row.status
        st.radio(tx.ui("med_now"), options=["current", "past"], key=key,
                 format_func=lambda v: tx.ui(f"med_{v}"), horizontal=True)
        for code, message in s.problems.items():
            if filled_at is not None and code.startswith(f"medications[{filled_at}]"):
                st.error(ui.md_escape(patient_message(code, message, s.language)))
        with st.container(horizontal=True):
            if name:
                st.button(tx.ui("med_done"), key=f"med_done_{rid}", on_click=on_edit_med,
                          args=(None,), icon=":material/check:")
            st.button(tx.ui("med_remove"), key=f"med_remove_{rid}", on_click=on_remove_med,
                      args=(rid,))


def _problem(s: flow.IntakeState, code: str) -> str | None:
    message = s.problems.get(code)
    return patient_message(code, message, s.language) if message else None


def draw_questions(s: flow.IntakeState, step, tx: Text) -> bool:
    """The step's questions; True if the crisis help was drawn among them."""
    # Follow-ups appear as soon as the answer they depend on is chosen.
    crisis_after, drawn = crisis.raised_by(s), False
    typed = {q.code: ui.read(q) for q in step.questions()
             if ui.widget_key(q.code) in st.session_state}
    visible = {**s.answers, **{k: v for k, v in typed.items() if v is not None}}
    for question in step.questions():
        if question.when is not None and not question.when.holds(visible):
            continue
        if question.code == "height_cm":
            draw_height(s, tx)
            continue
        if question.code == "weight_kg":
            draw_weight(s, tx)
            continue
        ui.seed_widget(question, s.answers.get(question.code))
        ui.render(question, _problem(s, question.code), disabled=question.code in s.locked,
                  tx=tx)
        if question.code == crisis_after:
            crisis.callout_on_step(s)  # 988 / 911 at once, under the answer (issue 13)
            drawn = True
    return drawn


def _seed(key: str, value: float | None) -> None:
    if key not in st.session_state:
        st.session_state[key] = None if value is None else int(value)


@timing.callback
def _on_unit(kind: str) -> None:
    """Switching units converts what is typed, so nothing is lost or misread."""
    s = state()
    code = f"{kind}_{'cm' if kind == 'height' else 'kg'}"
    if kind == "height":
        value = _height_value(s.height_unit)
        s.height_unit = st.session_state["unit_height"]
    else:
        value = _weight_value(s.weight_unit)
        s.weight_unit = st.session_state["unit_weight"]
    for key in UNIT_WIDGETS[code]:
        st.session_state.pop(key, None)
    if value is None:
        s.answers.pop(code, None)
    else:
        s.answers[code] = value
    s.entered = {}


def _field_problem(s: flow.IntakeState, code: str) -> None:
    problem = _problem(s, code)
    if problem:
        st.error(ui.md_escape(problem), icon=":material/error:")


def draw_height(s: flow.IntakeState, tx: Text) -> None:
    st.session_state.setdefault("unit_height", s.height_unit)
    st.radio(tx.ui("height_units"), options=["ft_in", "cm"], key="unit_height",
             format_func=tx.ui, horizontal=True, on_change=_on_unit, args=("height",))
    cm = s.answers.get("height_cm")
    if s.height_unit == "cm":
        _seed("q_height_cm", cm)
        st.number_input(tx.ui("height_in_cm"), key="q_height_cm", step=1, format="%d",
                        placeholder=tx.ui("blank_if_unknown"))
    else:
        feet: float | None
        inches: float | None
        feet, inches = units.feet_inches(cm)
        if units.height_cm(s.entered.get("q_height_ft"), s.entered.get("q_height_in")) == cm:
            feet, inches = s.entered.get("q_height_ft"), s.entered.get("q_height_in")
        _seed("q_height_ft", feet)
        _seed("q_height_in", inches)
        left, right = st.columns(2)
        left.number_input(tx.ui("feet"), key="q_height_ft", step=1, format="%d",
                          placeholder=tx.ui("feet_example"))
        right.number_input(tx.ui("inches"), key="q_height_in", step=1, format="%d",
                           placeholder=tx.ui("inches_example"))
    _field_problem(s, "height_cm")


def draw_weight(s: flow.IntakeState, tx: Text) -> None:
    st.session_state.setdefault("unit_weight", s.weight_unit)
    st.radio(tx.ui("weight_units"), options=["lb", "kg"], key="unit_weight", format_func=tx.ui,
             horizontal=True, on_change=_on_unit, args=("weight",))
    kg = s.answers.get("weight_kg")
    if s.weight_unit == "kg":
        _seed("q_weight_kg", kg)
        st.number_input(tx.ui("weight_in_kg"), key="q_weight_kg", step=1, format="%d",
                        placeholder=tx.ui("blank_if_unknown"))
    else:
        pounds: float | None = units.pounds(kg)
        if units.weight_kg(s.entered.get("q_weight_lb")) == kg:
            pounds = s.entered.get("q_weight_lb")
        _seed("q_weight_lb", pounds)
        st.number_input(tx.ui("weight_in_lb"), key="q_weight_lb", step=1, format="%d",
                        placeholder=tx.ui("blank_if_unknown"))
    _field_problem(s, "weight_kg")
    if s.bmi_question is not None:
        st.warning(tx.ui("bmi_question", bmi=s.bmi_question), icon=":material/help:")
        st.checkbox(tx.ui("bmi_confirm"), key="bmi_confirmed")


def draw_step(s: flow.IntakeState, tx: Text) -> None:
    index = s.step or 0
    step = STEPS[index]
    title, intro = tx.section(step.id)
    _progress(index, tx)
    st.header(title, anchor=False)
    if intro:
        st.write(intro)
    helped = False  # the crisis help drawn under the answer that raised it
    if step.id == "review":
        draw_review(s, tx)
    elif step.id == "medications":
        draw_medications()
    else:
        helped = draw_questions(s, step, tx)
    if not helped:  # on the later steps, at the foot of the page (issue 13)
        crisis.callout_on_step(s)
    if s.problems:
        st.warning(tx.ui("check_marked"), icon=":material/warning:")
    if s.save_failed:
        st.error(tx.ui("save_failed"), icon=":material/error:")
    if s.retry_after:
        st.warning(tx.ui("submit_busy", seconds=s.retry_after), icon=":material/hourglass_top:")
    cols = st.columns(2)
    if index > 0:
        cols[0].button(tx.ui("back"), key="back", on_click=on_back, width="stretch")
    if step.id == "review":
        cols[1].button(tx.ui("submit"), key="submit", type="primary", on_click=on_submit,
                       width="stretch")
    else:
        cols[1].button(tx.ui("back_to_review" if s.back_to_review else "next"), key="next",
                       type="primary", on_click=on_next, width="stretch")
    _resume_link(s, tx)
    invitation_entry.email_me_link(s)  # "email me a link to continue" (issue 13)
    a11y.announce_new_step(s.moves, tx.ui("announce", title=title, number=index + 1,
                                          total=len(STEPS)))


def _shown(question, value, tx: Text) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if question.type == "choice":
        return tx.option(question, value)
    if question.type == "multi":
        return ", ".join(tx.option(question, v) for v in value)
    if question.type == "bool":
        return tx.ui("yes" if value else "no")
    if question.code == "height_cm" and isinstance(value, int):
        feet, inches = units.feet_inches(value)
        return tx.ui("height_shown", feet=feet, inches=inches, cm=value)
    if question.code == "weight_kg" and isinstance(value, int):
        return tx.ui("weight_shown", pounds=units.pounds(value), kg=value)
    if question.type == "int" and question.unit:
        return f"{value} {tx.unit(question)}"
    return str(value)


def draw_review(s: flow.IntakeState, tx: Text) -> None:
    answers = s.answers
    for index, step in enumerate(STEPS[:-1]):
        title, _ = tx.section(step.id)
        with st.container(border=True, key=f"summary_{step.id}"):
            head, button = st.columns([4, 1])
            head.markdown(f"**{ui.md_escape(title)}**")
            button.button(tx.ui("edit"), key=f"edit_{step.id}", on_click=on_edit, args=(index,))
            # One block of text per section, not one per answer: the review page is the
            # longest page a phone draws, and each markdown element costs it time.
            if step.id == "medications":
                meds = s.medications()
                lines = [] if meds else [tx.ui("no_medicines")]
                for med in meds:
                    extra = ", ".join(x for x in (med["dose"], med["frequency"]) if x)
                    when = tx.ui("med_now_short" if med["status"] == "current" else "med_past_short")
                    lines.append(f"- {ui.md_escape(med['name'])}"
                                 f"{' (' + ui.md_escape(extra) + ')' if extra else ''}, {when}")
                st.markdown("\n".join(lines))
                continue
            st.markdown("\n\n".join(
                f"{ui.md_escape(tx.label(question))}  \n"
                f"**{ui.md_escape(_shown(question, answers.get(question.code), tx))}**"
                for question in step.questions()
                if question.when is None or question.when.holds(answers)))
    other = {c: m for c, m in s.problems.items()
             if base_code(c) not in STEPS[-1].codes}
    for code, message in other.items():
        problem_question = QUESTIONS_BY_CODE.get(base_code(code))
        where = next((tx.section(st_.id)[0] for st_ in STEPS if base_code(code) in st_.codes), "")
        st.error(tx.ui("fix_with_edit", where=where,
                       question=ui.md_escape(tx.label(problem_question) if problem_question
                                             else code),
                       problem=ui.md_escape(patient_message(code, message, s.language))))
    st.subheader(tx.ui("sign"), anchor=False)
    for question in STEPS[-1].questions():
        ui.seed_widget(question, answers.get(question.code))
        ui.render(question, _problem(s, question.code), tx=tx)


def _screen(s: flow.IntakeState) -> str:
    """Which screen a run drew, for the timing log (never an answer)."""
    if s.submitted:
        return "screen=confirmation"
    if s.step is None:
        return "screen=welcome"
    return f"screen={STEPS[s.step].id} meds={len(s.meds)}"


def main() -> None:
    draw()
    a11y.page_language(state().language)
    timing.end_run(_screen(state()))


def draw() -> None:
    a11y.patient_styles()
    s = state()
    if invitation_entry.wanted(s) and invitation_entry.use_its_language(s):
        st.session_state.pop(LANGUAGE_WIDGET, None)  # the language radio starts on it
    tx = Text(s.language)
    if s.submitted:
        draw_confirmation(tx)
        st.button(tx.ui("new_screening"), key="restart", on_click=on_restart)
        return
    if invitation_entry.wanted(s):  # the clinic's invitation link
        invitation_entry.draw(s, on_restart, lambda: draw_language(s, tx))
    elif s.token is None and st.query_params.get("resume"):
        draw_resume(s, tx)
    elif s.step is None:
        draw_welcome(s, tx)
    else:
        draw_step(s, tx)
        return
    prefetch.widget_code()  # while the patient reads a first page: the steps' widget code


main()
