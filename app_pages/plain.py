"""Text a patient typed, on staff pages: always shown as text, never through markdown.

Streamlit's markdown (``st.markdown``, ``st.title``, ``st.caption``, alerts, labels) makes
a bare ``www.…``, ``http://…`` or e-mail address a link, ``:material/…:`` an icon,
``:red[…]`` colour and ``$…$`` LaTeX, and backslash escaping does not stop the link and
icon plugins (they run on the parsed text, where the escapes are gone). So every
patient-typed value on a staff page goes through this module: ``st.text`` (no markdown
at all), table cells, or ``st.html`` whose every character of patient text is
HTML-escaped (and which Streamlit sanitises again). Labels and badges the app writes
itself may still use markdown; they are never mixed with patient text in one element.
"""

from __future__ import annotations

import html
from typing import Any

import streamlit as st

# Styles for the two emphasised forms; the colours and sizes follow the theme's headings.
_HEADING = "margin:0 0 .25rem 0;padding:.75rem 0 0 0;font-weight:700;line-height:1.2"
_STRONG = "font-weight:600;margin:0"


def escape(value: Any) -> str:
    """HTML-escaped text of ``value`` (quotes too), for inside ``st.html``."""
    return html.escape("" if value is None else str(value), quote=True)


def text(value: Any, *, where: Any = st) -> None:
    """A line of patient text as plain text (``st.text``: no markdown, no links)."""
    where.text("" if value is None else str(value))


def heading(value: Any, *, where: Any = st) -> None:
    """A page heading made of patient text (e.g. the patient's name)."""
    where.html(f'<h1 class="plain-heading" style="{_HEADING}">{escape(value)}</h1>')


def strong(value: Any, *, where: Any = st) -> None:
    """One emphasised line of patient text (e.g. a name in the queue)."""
    where.html(f'<p class="plain-strong" style="{_STRONG}">{escape(value)}</p>')
