"""The pure evaluator: a validated screening in, flags out. No I/O, no clock, no UI.

The shapes (``Evaluation``, ``Flag``, ``Evidence``, ``MedicationReading``) are declared in
``core.evaluation``. Each flag carries its rule id, severity, urgent, reason, source, and the evidence that
triggered it: the answers given, the derived value, or the medication text as typed with
what it resolved to.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from core.evaluation import Evaluation as Evaluation
from core.evaluation import Evidence, Flag, MedicationReading
from core.vocab import SEVERITY_RANK
from forms.definition import QUESTIONS_BY_CODE
from forms.models import Medication, Screening
from rules.catalogue import CatalogueFile, Condition, Rule
from rules.resolver import Resolution

VITALS_TO_MEASURE = (("systolic_bp", "Blood pressure"), ("heart_rate", "Heart rate"),
                     ("height_cm", "Height"), ("weight_kg", "Weight"))


_COMPARE: dict[str, Callable[[float, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "between": lambda v, bounds: bounds[0] <= v <= bounds[1],
}


class _Context:
    __slots__ = ("answers", "derived", "meds")

    def __init__(self, screening: Screening, meds: tuple[MedicationReading, ...]):
        self.answers = screening.answers
        self.derived: dict[str, float | None] = {"age": screening.age, "bmi": screening.bmi}
        self.meds = tuple(m for m in meds if m.current)


def _answer_evidence(code: str, value: Any) -> Evidence:
    question = QUESTIONS_BY_CODE[code]
    label = question.label_of(value) if isinstance(value, str) else None
    return Evidence(kind="answer", code=code, answer=value, label=label)


def _med_evidence(reading: MedicationReading) -> Evidence:
    return Evidence(kind="medication", medication=reading.text, dose=reading.dose or None,
                    frequency=reading.frequency or None, matched=reading.matched,
                    generic=reading.generic, method=reading.method or reading.status,
                    classes=reading.classes)


def read_medication(position: int, medication: Medication, resolution: Resolution
                    ) -> MedicationReading:
    """One medication line as typed, with what the resolver read in it."""
    return MedicationReading.model_validate({
        **resolution.as_dict(), "dose": medication.dose, "frequency": medication.frequency,
        "use": medication.status, "position": position})


def _check(cond: Condition, ctx: _Context) -> list[Evidence] | None:
    """Evidence when the condition holds, else None."""
    if cond.answer_in is not None:
        value = ctx.answers.get(cond.answer_in.code)
        if value is not None and value in cond.answer_in.values:
            return [_answer_evidence(cond.answer_in.code, value)]
        return None
    if cond.has_any is not None:
        chosen = ctx.answers.get(cond.has_any.code) or ()
        hits = [v for v in chosen if v in cond.has_any.values]
        if hits:
            question = QUESTIONS_BY_CODE[cond.has_any.code]
            return [Evidence(kind="answer", code=cond.has_any.code, answer=hits,
                             label=", ".join(question.label_of(v) for v in hits))]
        return None
    if cond.compare is not None:
        name = cond.compare.value
        value = ctx.derived[name] if name in ctx.derived else ctx.answers.get(name)
        if value is not None and _COMPARE[cond.compare.op](value, cond.compare.than):
            if name in ctx.derived:
                return [Evidence(kind="derived", code=name, answer=value)]
            return [_answer_evidence(name, value)]
        return None
    if cond.medication_class is not None:
        wanted = set(cond.medication_class)
        # Every confident match counts, even on a line that also holds an unclear word.
        hits = [m for m in ctx.meds if wanted.intersection(m.classes)]
        return [_med_evidence(m) for m in hits] or None
    if cond.medication_unresolved is not None:
        hits = [m for m in ctx.meds if m.status != "recognized"]
        return [_med_evidence(m) for m in hits] or None
    if cond.any is not None:
        found = [ev for child in cond.any if (ev := _check(child, ctx)) is not None]
        return [e for ev in found for e in ev] if found else None
    if cond.all is not None:
        collected: list[Evidence] = []
        for child in cond.all:
            ev = _check(child, ctx)
            if ev is None:
                return None
            collected.extend(ev)
        return collected
    raise ValueError(f"unknown operator in {cond!r}")  # pragma: no cover - closed set, checked at load


def evaluate(
    screening: Screening,
    catalogue: CatalogueFile,
    resolve: Callable[[str], Resolution],
    ruleset_version: str,
) -> Evaluation:
    meds = tuple(read_medication(i, m, resolve(m.name)) for i, m in enumerate(screening.medications))
    ctx = _Context(screening, meds)
    fired: dict[str, tuple[Rule, list[Evidence]]] = {}
    for rule in catalogue.rules:
        evidence = _check(rule.when, ctx)
        if evidence is not None:
            fired[rule.id] = (rule, evidence)
    order = {rule.id: i for i, rule in enumerate(catalogue.rules)}
    flags = [
        Flag(rule_id=rule.id, severity=rule.severity, urgent=rule.urgent, reason=rule.reason,
             evidence=tuple(evidence), source=rule.source)
        for rule, evidence in fired.values()
        if not any(other in fired for other in rule.unless)
    ]
    flags.sort(key=lambda f: (not f.urgent, SEVERITY_RANK[f.severity], order[f.rule_id]))
    to_measure = tuple(label for code, label in VITALS_TO_MEASURE
                       if screening.answers.get(code) is None)
    return Evaluation(ruleset_version=ruleset_version, flags=tuple(flags), medications=meds,
                      to_measure=to_measure)
