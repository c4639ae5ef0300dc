"""Branching: which questions are asked, and dropping answers a later change hid."""

from __future__ import annotations

from typing import Any

from forms.definition import QUESTIONS, Question, questions_in
from forms.validation import asked


def asked_questions(answers: dict[str, Any], section_id: str | None = None) -> list[Question]:
    """Questions shown for these answers, in form order (optionally one section)."""
    pool = questions_in(section_id) if section_id else QUESTIONS
    return [q for q in pool if asked(q, answers)]


def prune_hidden(answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers to questions whose condition no longer holds.

    Repeats until stable so a chain of conditions collapses fully; an unasked question is
    absent from the document, never stored with a stale value.
    """
    kept = dict(answers)
    while True:
        hidden = [q.code for q in QUESTIONS if q.code in kept and not asked(q, kept)]
        if not hidden:
            return kept
        for code in hidden:
            del kept[code]
