"""The rule catalogue: rules as data (``rules/data/catalogue.yaml``), checked at load.

A condition is one of a small closed set of operators:

- ``answer_in``: ``{code, values}`` -- a choice/bool answer is one of the values
- ``has_any``: ``{code, values}`` -- a multi answer contains any of the values
- ``compare``: ``{value, op, than}`` -- a number (an int answer, or derived ``age``/``bmi``)
  compared with ``<``, ``<=``, ``>``, ``>=``; ``between: [lo, hi]`` is inclusive
- ``medication_class``: ``[class ids]`` -- a current medication resolves to one of them
- ``medication_unresolved``: ``true`` -- a current medication is unrecognised or ambiguous
- ``any`` / ``all``: lists of conditions

Unknown operators, question codes, answer values or drug classes fail at load with the
file path and the rule, never at a patient.

``checkin_rules`` judge the day-of check-in (``forms.checkin``) with the same conditions:
``compare`` reads the check-in facts (``forms.checkin.CHECKIN_FACTS``), the medication
operators read the medicines named at check-in (``medicines``: the doses taken in the last
24 hours, the new medicines since the screening, or both); answers are not theirs to read.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.vocab import SEVERITIES as SEVERITIES  # kept importable from here
from core.vocab import Severity
from forms.checkin import CHECKIN_FACTS
from forms.definition import QUESTIONS_BY_CODE

DATA_DIR = Path(__file__).parent / "data"
CATALOGUE_FILE = DATA_DIR / "catalogue.yaml"
DERIVED = ("age", "bmi")


class CatalogueError(ValueError):
    """The rule file is wrong; the message names the file and the rule."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerIn(_Strict):
    code: str
    values: tuple[str | bool, ...] = Field(min_length=1)


class Compare(_Strict):
    value: str
    op: Literal["<", "<=", ">", ">=", "between"]
    than: float | tuple[float, float]

    @model_validator(mode="after")
    def _shape(self) -> Compare:
        if (self.op == "between") != isinstance(self.than, tuple):
            raise ValueError("'between' takes [low, high]; other operators take one number")
        return self


class Condition(_Strict):
    answer_in: AnswerIn | None = None
    has_any: AnswerIn | None = None
    compare: Compare | None = None
    medication_class: tuple[str, ...] | None = None
    medication_unresolved: Literal[True] | None = None
    any: tuple[Condition, ...] | None = None
    all: tuple[Condition, ...] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        set_ops = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(set_ops) != 1:
            raise ValueError(
                "a condition has exactly one operator of: " + ", ".join(type(self).model_fields)
                + (f" (got {', '.join(set_ops)})" if set_ops else " (got none)")
            )
        return self

    @property
    def operator(self) -> str:
        return next(n for n in type(self).model_fields if getattr(self, n) is not None)


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    severity: Severity
    urgent: bool = False
    reason: str = Field(min_length=10)
    source: str = Field(min_length=3)
    when: Condition
    unless: tuple[str, ...] = ()  # rule ids that, when they fire, suppress this one
    note: str = ""  # for the clinic: caveats, 'contested', what the flag means


# Which medicines a check-in rule reads: doses taken in the last 24 hours, new medicines
# since the screening, or both.
CheckInMedicines = Literal["taken_last_24h", "new_since_screening", "all"]


class CheckInRule(Rule):
    medicines: CheckInMedicines = "all"


class CatalogueFile(_Strict):
    version: str
    rules: tuple[Rule, ...] = Field(min_length=1)
    checkin_rules: tuple[CheckInRule, ...] = ()


def _check_condition(cond: Condition, where: str, drug_classes: set[str], seen: list[str],
                     *, checkin: bool = False) -> None:
    op = cond.operator
    if checkin and op in ("answer_in", "has_any"):
        raise CatalogueError(f"{where}: {op}: a check-in rule reads check-in facts "
                             f"({', '.join(CHECKIN_FACTS)}) and medicines, not answers")
    if checkin and op == "compare" and cond.compare is not None:
        if cond.compare.value not in CHECKIN_FACTS:
            raise CatalogueError(f"{where}: compare: {cond.compare.value!r} is not a check-in "
                                 f"fact (one of {', '.join(CHECKIN_FACTS)})")
        seen.append(cond.compare.value)
    elif op in ("answer_in", "has_any"):
        spec = cond.answer_in or cond.has_any
        if spec is None:  # pragma: no cover - the operator names one of them
            raise CatalogueError(f"{where}: {op}: missing")
        question = QUESTIONS_BY_CODE.get(spec.code)
        if question is None:
            raise CatalogueError(f"{where}: {op}: unknown question code {spec.code!r}")
        wanted_type = ("multi",) if op == "has_any" else ("choice", "bool")
        if question.type not in wanted_type:
            raise CatalogueError(f"{where}: {op}: {spec.code} is a {question.type} question; "
                                 f"{op} needs {' or '.join(wanted_type)}")
        allowed = (True, False) if question.type == "bool" else question.values
        for value in spec.values:
            if value not in allowed or isinstance(value, bool) != (question.type == "bool"):
                raise CatalogueError(f"{where}: {op}: {value!r} is not an answer of {spec.code} "
                                     f"(allowed: {', '.join(map(str, allowed))}); quote yes/no")
        seen.append(spec.code)
    elif op == "compare" and cond.compare is not None:
        name = cond.compare.value
        question = QUESTIONS_BY_CODE.get(name)
        if name not in DERIVED and (question is None or question.type != "int"):
            raise CatalogueError(f"{where}: compare: {name!r} is neither a number question nor "
                                 f"one of {', '.join(DERIVED)}")
        seen.append(name)
    elif op == "medication_class":
        for class_id in cond.medication_class or ():
            if class_id not in drug_classes:
                raise CatalogueError(f"{where}: medication_class: unknown drug class {class_id!r}")
    elif op in ("any", "all"):
        children = cond.any or cond.all
        if not children:
            raise CatalogueError(f"{where}: {op}: needs at least one condition")
        for i, child in enumerate(children):
            _check_condition(child, f"{where}.{op}[{i}]", drug_classes, seen, checkin=checkin)


def parse_catalogue(raw: object, source: str, drug_classes: set[str]) -> CatalogueFile:
    try:
        data = CatalogueFile.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        loc = first["loc"]
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] in ("rules", "checkin_rules") and isinstance(raw, dict):
            with contextlib.suppress(KeyError, IndexError, AttributeError, TypeError):
                where = f"rule {raw[loc[0]][loc[1]].get('id', loc[1])!r}: " + ".".join(
                    str(p) for p in loc[2:])
        raise CatalogueError(f"{source}: {where}: {first['msg']}") from None
    ids: set[str] = set()
    for rule in data.rules:
        where = f"{source}: rule {rule.id!r}"
        if rule.id in ids:
            raise CatalogueError(f"{where}: duplicate rule id")
        ids.add(rule.id)
        _check_condition(rule.when, f"{where}: when", drug_classes, [])
    checkin_ids: set[str] = set()
    for checkin_rule in data.checkin_rules:
        where = f"{source}: check-in rule {checkin_rule.id!r}"
        if checkin_rule.id in ids or checkin_rule.id in checkin_ids:
            raise CatalogueError(f"{where}: duplicate rule id")
        checkin_ids.add(checkin_rule.id)
        _check_condition(checkin_rule.when, f"{where}: when", drug_classes, [], checkin=True)
    for group, known in ((data.rules, ids), (data.checkin_rules, checkin_ids)):
        for rule in group:
            for other in rule.unless:
                if other not in known or other == rule.id:
                    raise CatalogueError(f"{source}: rule {rule.id!r}: unless: unknown rule {other!r}")
    return data


def load_catalogue(drug_classes: set[str], path: Path = CATALOGUE_FILE) -> CatalogueFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CatalogueError(f"{path}: cannot read: {err}") from None
    return parse_catalogue(raw, str(path), drug_classes)


def watched_classes(catalogue: CatalogueFile) -> frozenset[str]:
    """Drug classes some rule reacts to: fuzzy matching must never guess between these."""
    found: set[str] = set()

    def walk(cond: Condition) -> None:
        if cond.medication_class:
            found.update(cond.medication_class)
        for child in (cond.any or ()) + (cond.all or ()):
            walk(child)

    for rule in (*catalogue.rules, *catalogue.checkin_rules):
        walk(rule.when)
    return frozenset(found)
