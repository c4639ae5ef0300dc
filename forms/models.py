"""Pydantic models of the answer document (the spec's JSON) and of a validated screening."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from forms.definition import MEDICATION_FIELD_MAX, MEDICATION_NAME_MAX


class Problem(BaseModel):
    """One thing wrong with a document, tied to the question code it concerns."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidDocument(ValueError):
    """Raised when an answer document cannot be accepted; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


# Text without control, format or private-use characters (a zero-width joiner is text: emoji);
# free text may also hold new lines and tabs. Rust regex classes, matched in pydantic-core.
PLAIN_TEXT = r"^(?:[^\p{Cc}\p{Cf}\p{Co}]|\x{200D})*$"
FREE_TEXT = r"^(?:[^\p{Cc}\p{Cf}\p{Co}]|\x{200D}|[\n\t])*$"
PLAIN_TEXT_TYPE = "string_pattern_mismatch"  # the error pydantic-core gives for either


class Medication(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=MEDICATION_NAME_MAX, pattern=PLAIN_TEXT)
    dose: str = Field(default="", max_length=MEDICATION_FIELD_MAX, pattern=PLAIN_TEXT)
    frequency: str = Field(default="", max_length=MEDICATION_FIELD_MAX, pattern=PLAIN_TEXT)
    status: Literal["current", "past"]


class AnswerDocument(BaseModel):
    """The envelope of the spec's answer document; answers are checked against the form."""

    model_config = ConfigDict(extra="forbid")
    form_version: str
    answers: dict[str, Any]
    submitted_at: AwareDatetime | None = None


class Screening(BaseModel):
    """A document that passed validation, with values derived from it (never asked)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    form_version: str
    answers: dict[str, Any]
    medications: tuple[Medication, ...] = ()
    submitted_at: datetime | None = None
    reference_date: date
    age: int
    bmi: float | None = None

    @property
    def current_medications(self) -> tuple[Medication, ...]:
        return tuple(m for m in self.medications if m.status == "current")

    def to_document(self) -> dict[str, Any]:
        """The spec's JSON shape, ready to store or to print."""
        doc: dict[str, Any] = {"form_version": self.form_version, "answers": dict(self.answers)}
        if "medications" in doc["answers"]:
            doc["answers"]["medications"] = [m.model_dump() for m in self.medications]
        if self.submitted_at is not None:
            doc["submitted_at"] = self.submitted_at.isoformat().replace("+00:00", "Z")
        return doc
