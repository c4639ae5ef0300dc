"""The pure evaluator: a validated screening in, flags out. No I/O, no clock, no UI.

The shapes (``Evaluation``, ``Flag``, ``Evidence``, ``MedicationReading``) are declared in
``core.evaluation``. Each flag carries its rule id, severity, urgent, reason, source, and the evidence that
triggered it: the answers given, the derived value, or the medication text as typed with
what it resolved to.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from core.evaluation import Evaluation as Evaluation
from core.evaluation import (
    Evidence,
    Flag,
    MedicationCandidate,
    MedicationMatch,
    MedicationReading,
    adopt,
    trusted_builder,
)
from core.vocab import SEVERITY_RANK
from forms.definition import QUESTIONS_BY_CODE
from forms.models import Medication, Screening
from rules.catalogue import CatalogueFile, Condition, Rule
from rules.resolver import Match, Resolution

VITALS_TO_MEASURE = (("systolic_bp", "Blood pressure"), ("heart_rate", "Heart rate"),
                     ("height_cm", "Height"), ("weight_kg", "Weight"))


_COMPARE: dict[str, Callable[[float, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "between": lambda v, bounds: bounds[0] <= v <= bounds[1],
}


# The shapes of an evaluation built from values already validated (answers of a validated
# screening, readings, catalogue entries): no second validation per flag and evidence.
_new_evidence = trusted_builder(Evidence)
_new_flag = trusted_builder(Flag)
_new_evaluation = trusted_builder(Evaluation)


class _Context:
    __slots__ = ("answers", "classes", "derived", "meds")

    def __init__(self, screening: Screening, meds: tuple[MedicationReading, ...]):
        self.answers = screening.answers
        self.derived: dict[str, float | None] = {"age": screening.age, "bmi": screening.bmi}
        self.set_meds(tuple([m for m in meds if m.current]))

    def set_meds(self, meds: tuple[MedicationReading, ...]) -> None:
        """The readings the medication conditions look at, and every class read in them."""
        self.meds = meds
        classes: set[str] = set()
        for m in meds:
            classes.update(m.classes)
        self.classes = classes


@lru_cache(maxsize=4096)
def _scalar_answer_evidence(code: str, value: str | bool | int | float, _kind: str) -> Evidence:
    """Shared (immutable) evidence for a scalar answer; ``_kind`` keeps True apart from 1."""
    question = QUESTIONS_BY_CODE[code]
    label = question.label_of(value) if isinstance(value, str) else None
    return Evidence(kind="answer", code=code, answer=value, label=label)


def _answer_evidence(code: str, value: Any) -> Evidence:
    if isinstance(value, str | bool | int | float):
        return _scalar_answer_evidence(code, value, type(value).__name__)
    return _new_evidence(kind="answer", code=code, answer=value, label=None)


def _med_evidence(reading: MedicationReading) -> Evidence:
    return _new_evidence(kind="medication", medication=reading.text, dose=reading.dose or None,
                         frequency=reading.frequency or None, matched=reading.matched,
                         generic=reading.generic, method=reading.method or reading.status,
                         classes=reading.classes)


# Each drug read, as the reading shape, built once and shared by every line that read the
# same words as the same product (immutable). Plain values as the key; cleared when full.
_MATCHES: dict[tuple[str, str, str, tuple[str, ...], str, float | None], MedicationMatch] = {}
_MATCHES_MAX = 50_000


def _reading_match(match: Match) -> MedicationMatch:
    product = match.product
    key = (match.query, product.name, product.generic, product.classes, match.method, match.score)
    found = _MATCHES.get(key)
    if found is None:
        if len(_MATCHES) >= _MATCHES_MAX:
            _MATCHES.clear()
        found = _MATCHES[key] = MedicationMatch(
            query=match.query, matched=product.name, generic=product.generic,
            classes=product.classes, method=match.method, score=match.score)
    return found


def read_medication(position: int, medication: Medication, resolution: Resolution
                    ) -> MedicationReading:
    """One medication line as typed, with what the resolver read in it.

    Built for each screening (from the resolver's typed values and the validated
    medication) rather than kept per line: a cache of these models per distinct line was
    a quarter of a million long-lived objects that every full garbage collection walked,
    costing more than building them.
    """
    matches, candidates = resolution.matches, resolution.candidates
    # Every field, in field order, each already of its type (core.evaluation.adopt).
    return adopt(MedicationReading, {
        "text": resolution.text, "status": resolution.status,
        "matched": resolution.matched or None, "generic": resolution.generic or None,
        "classes": resolution.classes, "method": resolution.method or None,
        "matches": tuple(map(_reading_match, matches)),
        "candidates": tuple([MedicationCandidate(matched=c.name, generic=c.generic, score=c.score)
                             for c in candidates]) if candidates else (),
        "unmatched": resolution.unmatched, "dose": medication.dose,
        "frequency": medication.frequency, "use": medication.status, "position": position})


Check = Callable[[_Context], "list[Evidence] | None"]


def _compile(cond: Condition) -> Check:
    """The condition as one function of the screening's context (built once per catalogue):
    the same answers and evidence as walking the condition each time, without the walk."""
    if cond.answer_in is not None:
        code, values = cond.answer_in.code, cond.answer_in.values

        def answer_in(ctx: _Context) -> list[Evidence] | None:
            value = ctx.answers.get(code)
            if value is not None and value in values:
                return [_answer_evidence(code, value)]
            return None
        return answer_in
    if cond.has_any is not None:
        code, values = cond.has_any.code, cond.has_any.values
        question = QUESTIONS_BY_CODE[code]

        def has_any(ctx: _Context) -> list[Evidence] | None:
            chosen = ctx.answers.get(code) or ()
            hits = [v for v in chosen if v in values]
            if hits:
                return [_new_evidence(kind="answer", code=code, answer=hits,
                                      label=", ".join(question.label_of(v) for v in hits))]
            return None
        return has_any
    if cond.compare is not None:
        name, than = cond.compare.value, cond.compare.than
        compare_op = _COMPARE[cond.compare.op]

        def compare(ctx: _Context) -> list[Evidence] | None:
            derived = name in ctx.derived
            value = ctx.derived[name] if derived else ctx.answers.get(name)
            if value is not None and compare_op(value, than):
                if derived:
                    return [_new_evidence(kind="derived", code=name, answer=value)]
                return [_answer_evidence(name, value)]
            return None
        return compare
    if cond.medication_class is not None:
        wanted = frozenset(cond.medication_class)

        def medication_class(ctx: _Context) -> list[Evidence] | None:
            if wanted.isdisjoint(ctx.classes):  # no line read as one of these classes
                return None
            # Every confident match counts, even on a line that also holds an unclear word.
            hits = [m for m in ctx.meds if not wanted.isdisjoint(m.classes)]
            return [_med_evidence(m) for m in hits] or None
        return medication_class
    if cond.medication_unresolved is not None:
        def medication_unresolved(ctx: _Context) -> list[Evidence] | None:
            hits = [m for m in ctx.meds if m.status != "recognized"]
            return [_med_evidence(m) for m in hits] or None
        return medication_unresolved
    if cond.any is not None:
        children = tuple(_compile(child) for child in cond.any)

        def any_of(ctx: _Context) -> list[Evidence] | None:
            found: list[Evidence] | None = None  # every child's evidence, in order
            for child in children:
                ev = child(ctx)
                if ev is not None:
                    found = ev if found is None else found + ev
            return found
        return any_of
    if cond.all is not None:
        every = tuple(_compile(child) for child in cond.all)

        def all_of(ctx: _Context) -> list[Evidence] | None:
            collected: list[Evidence] = []
            for child in every:
                ev = child(ctx)
                if ev is None:
                    return None
                collected.extend(ev)
            return collected
        return all_of
    raise ValueError(f"unknown operator in {cond!r}")  # pragma: no cover - closed set, checked at load


_CONDITIONS: dict[int, tuple[Condition, Check]] = {}  # by identity (see _COMPILED)


def _check(cond: Condition, ctx: _Context) -> list[Evidence] | None:
    """Evidence when the condition holds, else None (``rules.checkin`` judges check-ins
    with it); compiled once per condition."""
    entry = _CONDITIONS.get(id(cond))
    if entry is None or entry[0] is not cond:
        if len(_CONDITIONS) >= 4096:
            _CONDITIONS.clear()
        entry = _CONDITIONS[id(cond)] = (cond, _compile(cond))
    return entry[1](ctx)


class _Compiled:
    """A catalogue's rules as functions, each with its place among the flags (urgent first,
    then by severity, then catalogue order), built once per catalogue."""

    __slots__ = ("catalogue", "checks", "flags", "with_unless")

    def __init__(self, catalogue: CatalogueFile):
        self.catalogue = catalogue
        rules = catalogue.rules
        ranked = sorted(range(len(rules)), key=lambda i: (
            not rules[i].urgent, SEVERITY_RANK[rules[i].severity], i))
        place = {i: p for p, i in enumerate(ranked)}
        self.checks: tuple[tuple[int, Rule, Check], ...] = tuple(
            (place[i], rule, _compile(rule.when)) for i, rule in enumerate(rules))
        self.with_unless = any(rule.unless for rule in rules)
        # Each rule's flag but its evidence, in Flag's field order (checked once, here).
        self.flags: dict[str, dict[str, Any]] = {rule.id: _new_flag(
            rule_id=rule.id, severity=rule.severity, urgent=rule.urgent, reason=rule.reason,
            evidence=(), source=rule.source).__dict__ for rule in rules}


# By identity (hashing a catalogue would cost more than compiling it); the entry holds its
# catalogue, so the id cannot be reused while the entry lives.
_COMPILED: dict[int, _Compiled] = {}


def _compiled(catalogue: CatalogueFile) -> _Compiled:
    entry = _COMPILED.get(id(catalogue))
    if entry is None or entry.catalogue is not catalogue:
        if len(_COMPILED) >= 64:
            _COMPILED.clear()
        entry = _COMPILED[id(catalogue)] = _Compiled(catalogue)
    return entry


def evaluate(
    screening: Screening,
    catalogue: CatalogueFile,
    resolve: Callable[[str], Resolution],
    ruleset_version: str,
) -> Evaluation:
    meds = tuple([read_medication(i, m, resolve(m.name)) for i, m in enumerate(screening.medications)])
    ctx = _Context(screening, meds)
    compiled = _compiled(catalogue)
    fired: list[tuple[int, Rule, list[Evidence]]] = []
    for place, rule, check in compiled.checks:
        evidence = check(ctx)
        if evidence is not None:
            fired.append((place, rule, evidence))
    fired.sort(key=_place)  # urgent first, then by severity, then catalogue order
    if compiled.with_unless:  # a rule that does not apply when another one fired
        ids = {rule.id for _, rule, _ in fired}
        fired = [hit for hit in fired if ids.isdisjoint(hit[1].unless)]
    templates = compiled.flags
    flags = tuple([adopt(Flag, {**templates[rule.id], "evidence": tuple(evidence)})
                   for _, rule, evidence in fired])
    to_measure = tuple(label for code, label in VITALS_TO_MEASURE
                       if screening.answers.get(code) is None)
    return _new_evaluation(ruleset_version=ruleset_version, flags=flags, medications=meds,
                           to_measure=to_measure)


def _place(hit: tuple[int, Rule, list[Evidence]]) -> int:
    return hit[0]
