"""Rendering questions from the form definition as Streamlit widgets, and reading them back.

Widget keys are ``q_<code>`` (``q_<code>__<option>`` for each checkbox of a multi question),
so browser tests can find them as ``.st-key-q_<code>``. Widget values are copied into the
intake state by the step callbacks: Streamlit drops a widget's key when it is not rendered.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

import streamlit as st

from forms.clock import now_in_clinic
from forms.definition import Question
from forms.i18n import Text

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(text: str) -> str:
    """Patient-typed text shown through markdown: never a link, heading or HTML."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def widget_key(code: str, option: str | None = None) -> str:
    return f"q_{code}__{option}" if option else f"q_{code}"


def today() -> date:
    """Today's date on the clinic's calendar (``CLINIC_TIMEZONE``), not the server's or UTC."""
    return now_in_clinic().date()


def seed_widget(question: Question, value: Any) -> None:
    """Put a stored answer into the widget's state before it is drawn."""
    if question.type == "multi":
        chosen = set(value or ())
        for option in question.options:
            key = widget_key(question.code, option.value)
            if key not in st.session_state:
                st.session_state[key] = option.value in chosen
        return
    key = widget_key(question.code)
    if key in st.session_state:
        return
    if question.type == "date":
        try:
            value = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            value = None
    if question.type == "bool":
        value = bool(value)
    if question.type == "choice" and value not in question.values:
        value = None
    st.session_state[key] = value


def label_of(question: Question, tx: Text | None = None) -> str:
    tx = tx or Text()
    label, unit = tx.label(question), tx.unit(question)
    label = f"{label} ({unit})" if unit else label
    return label if question.required else tx.ui("optional", label=label)


def render(question: Question, problem: str | None, *, disabled: bool = False,
           tx: Text | None = None) -> None:
    """Draw one question, its help in plain sight (no tooltips on phones), and its problem.

    No ``max_chars`` on text boxes: a browser silently refuses a paste over the limit, so the
    whole text is kept and the limit explained by validation instead.
    """
    tx = tx or Text()
    key = widget_key(question.code)
    label = label_of(question, tx)
    help_text = tx.help(question)
    if question.type == "text":
        if question.free_text and (question.max or 0) > 200:
            st.text_area(label, key=key, disabled=disabled)
        else:
            kind = _input_type(question.code)
            example = {"phone": "phone_example", "email": "email_example"}.get(kind)
            st.text_input(label, key=key, autocomplete=_autocomplete(question.code), type=kind,
                          disabled=disabled, placeholder=tx.ui(example) if example else None)
    elif question.type == "date":
        # A future date is let through so validation can say what is wrong with it.
        st.date_input(tx.ui("date_format", label=label), key=key, min_value=date(1900, 1, 1),
                      max_value=date(today().year + 10, 12, 31), format="MM/DD/YYYY",
                      disabled=disabled)
    elif question.type == "int":
        st.number_input(label, key=key, step=1, format="%d", disabled=disabled,
                        placeholder=tx.ui("enter_number" if question.required else "blank_if_unknown"))
    elif question.type == "choice":
        st.radio(label, options=list(question.values), key=key, disabled=disabled,
                 format_func=lambda value: tx.option(question, value),
                 horizontal=len(question.options) <= 3 and all(len(o.label) < 16 for o in question.options))
    elif question.type == "multi":
        st.markdown(f"**{md_escape(label)}**")
        if help_text:  # "Choose all that apply" belongs before the boxes
            st.caption(md_escape(help_text))
        for option in question.options:
            st.checkbox(tx.option(question, option.value),
                        key=widget_key(question.code, option.value), disabled=disabled)
    elif question.type == "bool":
        st.checkbox(label, key=key, disabled=disabled)
    if help_text and question.type != "multi":
        st.caption(md_escape(help_text))
    if problem:
        st.error(md_escape(problem), icon=":material/error:")


def read(question: Question) -> Any:
    """The widget's current value as an answer (None when blank)."""
    if question.type == "multi":
        chosen = [o.value for o in question.options
                  if st.session_state.get(widget_key(question.code, o.value))]
        return chosen or None
    value = st.session_state.get(widget_key(question.code))
    if question.type == "text":
        return value.strip() if isinstance(value, str) and value.strip() else None
    if question.type == "date":
        return value.isoformat() if isinstance(value, date) else None
    if question.type == "int":
        if value is None:
            return None
        return int(value) if float(value).is_integer() else value
    if question.type == "bool":
        return bool(value)
    return value


def _autocomplete(code: str) -> str | None:
    return {"first_name": "given-name", "last_name": "family-name", "phone": "tel",
            "email": "email", "signature_name": "off"}.get(code, "off")


def _input_type(code: str) -> Literal["default", "email", "phone"]:
    """Phones open the phone or email keyboard for these fields."""
    return "phone" if code == "phone" else "email" if code == "email" else "default"


def clear_widgets(prefixes: tuple[str, ...] = ("q_", "med_", "unit_", "bmi_")) -> None:
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes)]:
        del st.session_state[key]
