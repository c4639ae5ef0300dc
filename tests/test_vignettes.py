"""Worked cases: the shared vignettes (when ../shared is present, as in CI) and our own.

Each file holds a ``document`` plus ``must_fire``, ``must_not_fire`` and ``no_other_flags``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.evaluation import Evaluation
from forms.validation import parse_document
from tests.conftest import OWN_CASES, SHARED_VIGNETTES


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


SHARED = _files(SHARED_VIGNETTES)
OWN = _files(OWN_CASES)


def _check(engine, path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    evaluation = engine.evaluate(parse_document(case["document"]))
    fired = {f.rule_id for f in evaluation.flags}
    must, must_not = set(case["must_fire"]), set(case["must_not_fire"])
    assert must <= fired, f"{path.name}: missing {sorted(must - fired)}; fired {sorted(fired)}"
    assert not must_not & fired, f"{path.name}: must not fire {sorted(must_not & fired)}"
    if case["no_other_flags"]:
        assert fired == must, f"{path.name}: unexpected {sorted(fired - must)}"
    for flag in evaluation.flags:
        assert flag.evidence and flag.reason and flag.source
    # Built without a second validation (rules.evaluator): the same as a validated one,
    # field for field and in the same order.
    again = Evaluation.model_validate(evaluation.model_dump())
    assert again == evaluation and again.model_dump_json() == evaluation.model_dump_json()


@pytest.mark.skipif(not SHARED, reason="../shared/vignettes not present (CI has it)")
@pytest.mark.parametrize("path", SHARED, ids=[p.stem for p in SHARED])
def test_shared_vignette(engine, path):
    _check(engine, path)


@pytest.mark.parametrize("path", OWN, ids=[p.stem for p in OWN])
def test_own_case(engine, path):
    _check(engine, path)


def test_own_cases_exist():
    assert len(OWN) >= 8
