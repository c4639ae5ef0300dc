"""CSV injection: free-text cells must never run as a spreadsheet formula.

OWASP's recommendation: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote, which spreadsheets show as text. It is
applied to every text cell of an export (answers typed by patients, medication text,
notes); numeric cells are written as numbers and never altered, so ``-2`` stays a number.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def neutralise(text: str) -> str:
    """The text, prefixed with ``'`` if a spreadsheet could read it as a formula."""
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def text_cell(value: Any) -> str | None:
    """A text cell: None stays blank, anything else becomes neutralised text."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text and text[0] in FORMULA_TRIGGERS else text


def number_cell(value: Any) -> Any:
    """A numeric cell: ints and floats as they are (bools as 0/1); a stray non-number
    (never produced by a validated document) is treated as text, so it is neutralised."""
    if value is None:
        return None
    kind = type(value)
    if kind is int or kind is float:
        return value
    if kind is bool:
        return int(value)
    return text_cell(value)
