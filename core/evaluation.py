"""The declared shape of an evaluation: flags, their evidence, and the medication readings.

The rules evaluator builds these; the store keeps ``Evaluation.public()`` (plain JSON,
the same keys as before these models existed) and reads it back with
``Evaluation.model_validate``; pages, exports and every later consumer use the models.
Imports only pydantic and ``core``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from core.evidence import format_evidence_item
from core.vocab import NO_FLAG, SEVERITIES, HighestSeverity, ReadingStatus, Severity, requires_ack

# An answer as the document holds it: a code, a number, yes/no, or a list of codes.
AnswerValue = bool | int | float | str | list[str] | None
MedicationUse = Literal["current", "past"]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Shape):
    """What made a rule fire: an answer, a derived value (age, BMI) or a medication line."""

    kind: Literal["answer", "derived", "medication"]
    code: str | None = None  # question code or derived value name
    answer: AnswerValue = None  # what was given (answer code, number)
    label: str | None = None  # the answer in the patient's words, for people
    medication: str | None = None  # the medication text as typed
    dose: str | None = None
    frequency: str | None = None
    matched: str | None = None
    generic: str | None = None
    method: str | None = None
    classes: tuple[str, ...] | None = None

    @model_serializer(mode="wrap")
    def _without_blanks(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Stored without the fields that do not apply to its kind (the stored form).
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if v is not None}

    def describe(self, *, deidentified: bool = False) -> str:
        """For staff: ``pregnant = Yes``, ``medication 'Xanax' -> alprazolam (brand)``."""
        return format_evidence_item(self.model_dump(), labels=True, deidentified=deidentified)


class Flag(_Shape):
    rule_id: str
    severity: Severity
    urgent: bool
    reason: str
    evidence: tuple[Evidence, ...]
    source: str

    @property
    def requires_ack(self) -> bool:
        """Must be acknowledged before a review decision (``core.vocab.requires_ack``)."""
        return requires_ack(self.severity, self.urgent)

    def public(self) -> dict[str, Any]:
        """The stored form of this flag (JSON types only)."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data


class MedicationMatch(_Shape):
    """One drug read in a medication line."""

    query: str  # the words of the line that matched
    matched: str  # the product name
    generic: str
    classes: tuple[str, ...]
    method: str  # generic | alias | brand | combination | misspelling | dictionary | fuzzy ...
    score: float | None = None


class MedicationCandidate(_Shape):
    """A look-alike of an ambiguous line, for a clinician to choose from."""

    matched: str
    generic: str
    score: float


class MedicationReading(_Shape):
    """One line of the medication list: as typed, and what it was read as."""

    text: str  # as typed
    status: ReadingStatus
    matched: str | None = None
    generic: str | None = None
    classes: tuple[str, ...] = ()
    method: str | None = None
    matches: tuple[MedicationMatch, ...] = ()
    candidates: tuple[MedicationCandidate, ...] = ()
    unmatched: tuple[str, ...] = ()  # words nothing could read
    dose: str = ""
    frequency: str = ""
    use: MedicationUse = "current"
    position: int  # 0-based, in the patient's list

    @property
    def current(self) -> bool:
        return self.use == "current"


class Evaluation(_Shape):
    ruleset_version: str
    flags: tuple[Flag, ...]  # urgent first, then by severity, then catalogue order
    medications: tuple[MedicationReading, ...] = ()
    to_measure: tuple[str, ...] = ()  # vitals not given: the clinic measures them, never assumes

    @property
    def urgent(self) -> bool:
        return any(f.urgent for f in self.flags)

    @property
    def highest_severity(self) -> HighestSeverity:
        return self.flags[0].severity if self.flags else NO_FLAG

    def counts(self) -> dict[Severity, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for flag in self.flags:
            counts[flag.severity] += 1
        return counts

    def by_severity(self, severity: Severity) -> tuple[Flag, ...]:
        return tuple(f for f in self.flags if f.severity == severity)

    def public(self) -> dict[str, Any]:
        """The stored form (JSON types only)."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data


_Built = TypeVar("_Built", bound=BaseModel)
_new_object = object.__new__
_set_attribute = object.__setattr__


def adopt(cls: type[_Built], data: dict[str, Any], fields_set: set[str] | None = None) -> _Built:
    """An instance of ``cls`` holding ``data`` as it is: every field, in field order, each
    already of its type (the caller's promise; ``trusted_builder`` checks the names).
    ``fields_set``: the fields given explicitly (default: all of ``data``), as pydantic keeps
    them for ``exclude_unset``."""
    built: _Built = _new_object(cls)
    _set_attribute(built, "__dict__", data)
    _set_attribute(built, "__pydantic_fields_set__", set(data) if fields_set is None else fields_set)
    _set_attribute(built, "__pydantic_extra__", None)
    _set_attribute(built, "__pydantic_private__", None)
    return built


def trusted_builder(cls: type[_Built]) -> Callable[..., _Built]:
    """A fast constructor of ``cls`` from values that are already of the field types (the
    rules evaluator builds every flag and evidence of every screening from validated
    answers, readings and catalogue entries): what ``model_construct`` gives, the same
    ``__dict__`` in field order, defaults and fields set, without its per-field work.
    A missing required field or an unknown one is an error, never a silent None;
    ``tests/test_core.py`` compares shapes built this way with validated ones, and
    ``tests/test_vignettes.py`` each evaluation with its validated round trip."""
    fields = cls.model_fields
    template: dict[str, Any] = {}
    for name, field in fields.items():
        if field.default_factory is not None:  # pragma: no cover - these shapes have none
            raise TypeError(f"{cls.__name__}.{name}: a default factory is not copied safely")
        template[name] = None if field.is_required() else field.default
    required = frozenset(name for name, field in fields.items() if field.is_required())
    known = frozenset(fields)

    def build(**values: Any) -> _Built:
        given = values.keys()
        if given != known and not (required <= given and given <= known):
            raise TypeError(f"{cls.__name__}: missing {sorted(required - given)}, "
                            f"unknown {sorted(given - known)}")
        data = template.copy()
        data.update(values)
        return adopt(cls, data, set(values))
    return build
