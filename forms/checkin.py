"""Day-of check-in: what the patient confirms at the front desk and the vitals staff
measure on arrival, validated once here (pydantic), and the facts the check-in rules read.

The fasting hours come from the visit-prep data (``forms/data/visit_prep.yaml``), the same
hours the patient was given; the rules (``rules/data/catalogue.yaml``, ``checkin_rules``)
compare the facts computed here. Times are aware datetimes; pages enter them in the clinic's
time zone (``forms.clock.clinic_timezone()``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from forms.validation import PHONE_RE
from forms.visit_prep import load_visit_prep

NAME_MAX = 100
MEDICINE_MAX = 200
MAX_ITEMS = 10
# A clock slightly ahead of the desk's tablet is not an error; an hour ahead is.
FUTURE_SLACK = timedelta(minutes=10)
SEDATIVE_WINDOW = timedelta(hours=24)
LONGEST_FAST = timedelta(days=3)

# Field names as staff read them, for messages ("Blood pressure (systolic): ...").
FIELD_LABELS: Final[dict[str, str]] = {
    "checked_in_at": "Check-in time",
    "last_food_at": "Last food",
    "last_clear_liquid_at": "Last clear liquid",
    "escort_present": "Escort here",
    "escort_name": "Escort's name",
    "escort_phone": "Escort's phone",
    "sedatives_taken": "Benzodiazepine or lamotrigine in the last 24 hours",
    "sedatives": "Which medicine and when",
    "new_medicines_any": "New medicine since the screening",
    "new_medicines": "New medicines",
    "systolic_bp": "Blood pressure (systolic)",
    "diastolic_bp": "Blood pressure (diastolic)",
    "heart_rate": "Heart rate",
}

# The facts the check-in rules compare (``compare: {value: <fact>, ...}``), with what each
# means; the catalogue refuses any other name at load.
CHECKIN_FACTS: Final[dict[str, str]] = {
    "food_fast_short_hours": "hours the last food was short of the fasting time (0: met)",
    "clear_liquid_fast_short_hours": "hours the last clear liquid was short of its fasting time",
    "escort_present": "1 when the adult taking the patient home is here, else 0",
    "arrival_systolic_bp": "systolic blood pressure measured on arrival (mmHg)",
    "arrival_diastolic_bp": "diastolic blood pressure measured on arrival (mmHg)",
    "arrival_heart_rate": "heart rate measured on arrival (beats per minute)",
    "new_medicine_count": "how many new medicines since the screening",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class SedativeDose(_Strict):
    """A benzodiazepine or lamotrigine dose in the last 24 hours: as said, and when."""

    name: str = Field(min_length=1, max_length=MEDICINE_MAX)
    taken_at: AwareDatetime


class CheckIn(_Strict):
    """One day-of check-in. Every yes needs its details and every no has none."""

    checked_in_at: AwareDatetime
    last_food_at: AwareDatetime
    last_clear_liquid_at: AwareDatetime
    escort_present: bool
    escort_name: str | None = Field(default=None, max_length=NAME_MAX)
    escort_phone: str | None = Field(default=None, max_length=30)
    sedatives_taken: bool
    sedatives: tuple[SedativeDose, ...] = Field(default=(), max_length=MAX_ITEMS)
    new_medicines_any: bool
    new_medicines: tuple[str, ...] = Field(default=(), max_length=MAX_ITEMS)
    systolic_bp: int = Field(ge=50, le=300)
    diastolic_bp: int = Field(ge=20, le=200)
    heart_rate: int = Field(ge=20, le=250)

    @model_validator(mode="after")
    def _consistent(self) -> CheckIn:
        problems: list[str] = []
        latest = self.checked_in_at + FUTURE_SLACK
        for name in ("last_food_at", "last_clear_liquid_at"):
            moment: datetime = getattr(self, name)
            if moment > latest:
                problems.append(f"{name}: is after the check-in time; enter when it was")
            elif self.checked_in_at - moment > LONGEST_FAST:
                problems.append(f"{name}: is more than 3 days before the check-in; check the date")
        if self.escort_present:
            if not self.escort_name:
                problems.append("escort_name: is required when the escort is here")
            if not self.escort_phone:
                problems.append("escort_phone: is required when the escort is here")
            elif not PHONE_RE.match(self.escort_phone) or not 7 <= sum(
                    c.isdigit() for c in self.escort_phone) <= 15:
                problems.append("escort_phone: is not a phone number; use 7 to 15 digits, "
                                "e.g. +1 555 123 4567")
        if self.sedatives_taken and not self.sedatives:
            problems.append("sedatives: name the medicine and when it was taken")
        if not self.sedatives_taken and self.sedatives:
            problems.append("sedatives: answer yes above, or remove these medicines")
        for i, dose in enumerate(self.sedatives):
            if dose.taken_at > latest:
                problems.append(f"sedatives.{i}.taken_at: is after the check-in time")
            elif self.checked_in_at - dose.taken_at > SEDATIVE_WINDOW:
                problems.append(f"sedatives.{i}.taken_at: is more than 24 hours ago; "
                                "only doses in the last 24 hours are asked for")
        medicines = [m for m in self.new_medicines if m]
        if len(medicines) != len(self.new_medicines):
            problems.append("new_medicines: a line is empty; remove it or type the medicine")
        if any(len(m) > MEDICINE_MAX for m in medicines):
            problems.append(f"new_medicines: a line is over {MEDICINE_MAX} characters")
        if self.new_medicines_any and not medicines:
            problems.append("new_medicines: type each new medicine")
        if not self.new_medicines_any and medicines:
            problems.append("new_medicines: answer yes above, or remove these medicines")
        if self.diastolic_bp >= self.systolic_bp:
            problems.append("diastolic_bp: must be lower than the systolic pressure")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class CheckInProblem(BaseModel):
    """One problem with a check-in, naming the field as staff read it."""

    field: str
    message: str

    def text(self) -> str:
        """'Which medicine and when, line 2 (time taken): is required'."""
        parts = self.field.split(".")
        label = FIELD_LABELS.get(parts[0], self.field)
        if len(parts) > 1 and parts[1].isdigit():
            label += f", line {int(parts[1]) + 1}"
            if parts[2:] == ["taken_at"]:
                label += " (date and time taken)"
        return f"{label}: {self.message}"


def _problems(err: ValidationError) -> list[CheckInProblem]:
    found: list[CheckInProblem] = []
    for item in err.errors():
        loc = [str(p) for p in item["loc"]]
        message = str(item["msg"]).removeprefix("Value error, ")
        if not loc:  # the cross-field check: "field: message; field: message"
            for part in message.split("; "):
                field, _, text = part.partition(": ")
                found.append(CheckInProblem(field=field, message=text or part))
            continue
        if item.get("input", "") is None or item["type"] == "missing":
            message = "is required"
        found.append(CheckInProblem(field=".".join(loc), message=message))
    return found


def check_checkin(data: Mapping[str, Any]) -> CheckIn | list[CheckInProblem]:
    """The validated check-in, or every problem (nothing is half-accepted)."""
    try:
        return CheckIn.model_validate(dict(data))
    except ValidationError as err:
        return _problems(err)


def fasting_start(checkin: CheckIn, appointment_at: datetime | None) -> datetime:
    """When the infusion can start: the appointment, or the check-in when the patient
    arrives after it or walks in without one (walk-ins get their prep from the check-in)."""
    if appointment_at is None:
        return checkin.checked_in_at
    return max(appointment_at, checkin.checked_in_at)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def checkin_facts(checkin: CheckIn, appointment_at: datetime | None) -> dict[str, float]:
    """The facts the check-in rules compare (``CHECKIN_FACTS``)."""
    fasting = load_visit_prep().fasting
    start = fasting_start(checkin, appointment_at)
    food = timedelta(hours=fasting.food_hours) - (start - checkin.last_food_at)
    liquid = timedelta(hours=fasting.clear_liquids_hours) - (start - checkin.last_clear_liquid_at)
    facts = {
        "food_fast_short_hours": max(0.0, _hours(food)),
        "clear_liquid_fast_short_hours": max(0.0, _hours(liquid)),
        "escort_present": 1.0 if checkin.escort_present else 0.0,
        "arrival_systolic_bp": float(checkin.systolic_bp),
        "arrival_diastolic_bp": float(checkin.diastolic_bp),
        "arrival_heart_rate": float(checkin.heart_rate),
        "new_medicine_count": float(len(checkin.new_medicines)),
    }
    if set(facts) != set(CHECKIN_FACTS):  # pragma: no cover - both tables are here
        raise AssertionError("checkin_facts must compute exactly CHECKIN_FACTS")
    return facts


def fact_label(name: str, value: float, checkin: CheckIn, appointment_at: datetime | None) -> str:
    """A fact in words for the clinician, e.g. 'last food 4.5 h before the start (6 h needed)'."""
    fasting = load_visit_prep().fasting
    start = fasting_start(checkin, appointment_at)
    if name == "food_fast_short_hours":
        return (f"last food {_hours(start - checkin.last_food_at):g} h before the start "
                f"({fasting.food_hours} h needed)")
    if name == "clear_liquid_fast_short_hours":
        return (f"last clear liquid {_hours(start - checkin.last_clear_liquid_at):g} h before the "
                f"start ({fasting.clear_liquids_hours} h needed)")
    if name == "escort_present":
        return "escort here" if value else "no escort here"
    if name in ("arrival_systolic_bp", "arrival_diastolic_bp"):
        return f"{checkin.systolic_bp}/{checkin.diastolic_bp} mmHg on arrival"
    if name == "arrival_heart_rate":
        return f"{checkin.heart_rate} beats per minute on arrival"
    if name == "new_medicine_count":
        return f"{int(value)} new medicine{'s' if value != 1 else ''}"
    return f"{value:g}"
