"""Height and weight in the patient's units; the answer document always stores metric.

Patients in the US know their height in feet and inches and their weight in pounds, so
those are the default; ``height_cm`` and ``weight_kg`` (whole numbers) are what is stored.
"""

from __future__ import annotations

from typing import Literal

HeightUnit = Literal["ft_in", "cm"]
WeightUnit = Literal["lb", "kg"]
CM_PER_INCH = 2.54
KG_PER_LB = 0.45359237
# A BMI outside this range is almost always a wrong number or unit: ask before moving on.
PLAUSIBLE_BMI = (15.0, 50.0)


def height_cm(feet: float | None, inches: float | None) -> int | None:
    """Feet and inches to whole centimetres; None when both are blank."""
    if feet is None and inches is None:
        return None
    total = (feet or 0) * 12 + (inches or 0)
    return round(total * CM_PER_INCH)


def weight_kg(pounds: float | None) -> int | None:
    return None if pounds is None else round(pounds * KG_PER_LB)


def feet_inches(cm: int | None) -> tuple[int | None, int | None]:
    """Centimetres back to feet and whole inches, for showing a stored height."""
    if cm is None:
        return None, None
    inches = round(cm / CM_PER_INCH)
    return inches // 12, inches % 12


def pounds(kg: int | None) -> int | None:
    return None if kg is None else round(kg / KG_PER_LB)


def bmi(height: int | None, weight: int | None) -> float | None:
    if not height or not weight:
        return None
    return round(weight / (height / 100) ** 2, 1)


def implausible_bmi(height: int | None, weight: int | None) -> float | None:
    """The BMI when it is outside the plausible range (a likely typo or wrong unit)."""
    value = bmi(height, weight)
    if value is None:
        return None
    low, high = PLAUSIBLE_BMI
    return value if not low <= value <= high else None
