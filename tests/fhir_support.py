"""Shared by the FHIR tests: every worked case, and the independent FHIR checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import OWN_CASES, SHARED_VIGNETTES


def case_files() -> list[Path]:
    """Every vignette in tests/ (our cases) and the shared vignettes when present."""
    shared = sorted(SHARED_VIGNETTES.glob("*.json")) if SHARED_VIGNETTES.is_dir() else []
    return shared + sorted(OWN_CASES.glob("*.json"))


def case_document(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))["document"]


def without_empty(document: dict[str, Any]) -> dict[str, Any]:
    """A document with its empty texts and lists left out (they have no FHIR form)."""
    answers = {k: v for k, v in document["answers"].items() if v not in ("", [])}
    return {**document, "answers": answers}


def fhir_model(resource: dict[str, Any]) -> Any:
    """Parse a resource with fhir.resources (its R4B models: R4's structure for every
    resource type we write); raises on anything the FHIR model refuses."""
    import importlib

    kind = resource["resourceType"]
    module = importlib.import_module(f"fhir.resources.R4B.{kind.lower()}")
    return getattr(module, kind).model_validate(resource)
