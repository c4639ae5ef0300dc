"""Driving the Streamlit app with AppTest: fill a step from answer codes, click through."""

from __future__ import annotations

import html
import re
import time
from datetime import date
from typing import Any

from streamlit.testing.v1 import AppTest

from forms.definition import QUESTIONS_BY_CODE
from forms.steps import STEPS
from tests.conftest import ROOT

APP = str(ROOT / "screening_app.py")
TIMEOUT = 60


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    return at


def staff_app(username: str | None = None, role: str = "clinician", *, page: str | None = None,
              idle_seconds: float = 0.0, run: bool = True) -> AppTest:
    """The app (or, with ``page``, one page script run directly, as if navigation were
    bypassed) with ``username`` signed in as ``role``, last active ``idle_seconds`` ago;
    no one signed in without a username. The one way tests sign staff in."""
    from app_pages.auth import SESSION_KEY

    script = str(ROOT / "app_pages" / page) if page else APP
    at = AppTest.from_file(script, default_timeout=TIMEOUT)
    if username:
        at.session_state[SESSION_KEY] = {"username": username, "role": role,
                                         "last_seen": time.monotonic() - idle_seconds}
    if run:
        at.run()
    return at


def texts(at: AppTest) -> str:
    """Everything a person would read on the page, as one string."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning",
                 "info", "success", "text"):
        parts.extend(str(el.value) for el in getattr(at, kind))
    shown = re.sub(r"\\(.)", r"\1", "\n".join(parts))  # as shown, without markdown escapes
    return "\n".join([shown, *html_texts(at)])


def html_texts(at: AppTest) -> list[str]:
    """The text of each ``st.html`` element (patient text on staff pages), as shown."""
    return [html.unescape(re.sub(r"<[^>]*>", "", str(el.body))) for el in at.html]


def errors(at: AppTest) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", str(e.value)) for e in at.error]


def set_answer(at: AppTest, code: str, value: Any) -> None:
    question = QUESTIONS_BY_CODE[code]
    key = f"q_{code}"
    if question.type == "text":
        multiline = question.free_text and (question.max or 0) > 200
        (at.text_area if multiline else at.text_input)(key=key).input(value)
    elif question.type == "date":
        at.date_input(key=key).set_value(date.fromisoformat(value))
    elif code in ("height_cm", "weight_kg"):  # answered in chosen units: use metric here
        kind, metric = ("height", "cm") if code == "height_cm" else ("weight", "kg")
        at.radio(key=f"unit_{kind}").set_value(metric).run()
        at.number_input(key=f"q_{kind}_{metric}").set_value(value)
    elif question.type == "int":
        at.number_input(key=key).set_value(value)
    elif question.type == "choice":
        at.radio(key=key).set_value(value)
    elif question.type == "multi":
        for option in question.values:
            box = at.checkbox(key=f"q_{code}__{option}")
            box.check() if option in value else box.uncheck()
    elif question.type == "bool":
        box = at.checkbox(key=key)
        box.check() if value else box.uncheck()


def fill_step(at: AppTest, answers: dict[str, Any]) -> None:
    """Answer the questions of the step on screen, re-running after choices that branch."""
    step = current_step(at)
    for code in step.codes:
        if code not in answers or code == "medications":
            continue
        if QUESTIONS_BY_CODE[code].when is not None:
            at.run()  # the follow-up appears once the answer it depends on is set
        set_answer(at, code, answers[code])


def current_step(at: AppTest):
    return STEPS[at.session_state["intake"].step]


def add_medications(at: AppTest, meds: list[dict]) -> None:
    for i, med in enumerate(meds):
        if i > 0:
            at.button(key="add_med").click().run()
        rid = at.session_state["intake"].meds[-1].id
        at.text_input(key=f"med_name_{rid}").input(med["name"])
        if med.get("dose"):
            at.text_input(key=f"med_dose_{rid}").input(med["dose"])
        if med.get("frequency"):
            at.text_input(key=f"med_frequency_{rid}").input(med["frequency"])
        at.radio(key=f"med_status_{rid}").set_value(med.get("status", "current"))
        at.run()


def click_next(at: AppTest) -> None:
    at.button(key="next").click().run()


def complete_intake(at: AppTest, answers: dict[str, Any], submit: bool = True) -> None:
    """From the welcome page to the confirmation, one step at a time."""
    at.button(key="start").click().run()
    for step in STEPS[:-1]:
        assert current_step(at).id == step.id, (current_step(at).id, errors(at))
        if step.id == "medications":
            meds = answers.get("medications") or []
            if answers.get("takes_no_medications"):
                at.checkbox(key="q_takes_no_medications").check().run()
            else:
                add_medications(at, meds)
        else:
            fill_step(at, answers)
        click_next(at)
        assert not errors(at), errors(at)
    fill_step(at, answers)
    if submit:
        at.button(key="submit").click().run()


def answer_rows(body: str, column: str) -> list[str]:
    """One column ("Flag", "Question" or "Answer") of an answers table (``st.html``), each
    cell as shown; a flagged row's Flag cell starts with ⚑."""
    if 'class="answers"' not in body:
        return []
    index = ("Flag", "Question", "Answer").index(column)
    rows = re.findall(r"<tr class=\"(?:flagged|answer)\"[^>]*>(.*?)</tr>", body, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]*>", "", re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)[index]))
            for r in rows]
