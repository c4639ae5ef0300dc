"""The clinic's visit preparation rules (forms/data/visit_prep.yaml), validated at load."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

PREP_FILE = Path(__file__).parent / "data" / "visit_prep.yaml"


class Fasting(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    food_hours: int = Field(ge=0, le=24)
    clear_liquids_hours: int = Field(ge=0, le=24)


class VisitPrep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    fasting: Fasting = Fasting(food_hours=6, clear_liquids_hours=2)
    items: tuple[str, ...] = Field(min_length=1)
    next_steps: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def load_visit_prep(path: Path = PREP_FILE) -> VisitPrep:
    return VisitPrep.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
