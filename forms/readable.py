"""Plain data staff pages and printed summaries show, computed without Streamlit: which answers
raised which flags, an answer in words, a time in the clinic's zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from core.evaluation import Flag
from forms.clock import clinic_timezone
from forms.definition import Question


def flagged_codes(flags: Iterable[Flag]) -> dict[str, list[tuple[str, str]]]:
    """Question code -> [(severity, rule id), ...] of the flags whose evidence cites it."""
    marked: dict[str, list[tuple[str, str]]] = {}
    for flag in flags:
        for item in flag.evidence:
            code = item.code
            if item.kind == "answer" and code:
                pair = (flag.severity, flag.rule_id)
                if pair not in marked.setdefault(code, []):
                    marked[code].append(pair)
            if item.kind == "medication":
                pair = (flag.severity, flag.rule_id)
                if pair not in marked.setdefault("medications", []):
                    marked["medications"].append(pair)
    return marked


def answer_text(question: Question, value: Any) -> str:
    """An answer as a person reads it (the patient's own text unchanged)."""
    if value is None:
        return "—"
    if question.type == "choice":
        return question.label_of(value)
    if question.type == "multi":
        return ", ".join(question.label_of(v) for v in value)
    if question.type == "bool":
        return "Yes" if value else "No"
    return f"{value} {question.unit}".strip()


def clinic_time(moment: datetime, with_zone: bool = True) -> str:
    """``2026-11-21 08:03 CST`` in the clinic's time zone (CLINIC_TIMEZONE)."""
    local = moment.astimezone(clinic_timezone())
    return local.strftime("%Y-%m-%d %H:%M %Z" if with_zone else "%Y-%m-%d %H:%M")

