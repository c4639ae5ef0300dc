"""The intake service: a document is validated once, evaluated once and handed to the store
typed; a replay is answered without validating or evaluating again; the store does not run
the rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from forms.models import InvalidDocument
from services import intake
from store import screenings as screenings_module
from tests.conftest import make_doc

ROOT = Path(__file__).resolve().parent.parent


class CountingEngine:
    """The real engine, counting evaluations."""

    def __init__(self, engine):
        self.engine = engine
        self.evaluations = 0

    def evaluate(self, screening):
        self.evaluations += 1
        return self.engine.evaluate(screening)


@pytest.fixture
def parses(monkeypatch):
    """How many times the service parsed a document."""
    calls: list[object] = []
    real = intake.parse_document

    def counting(raw, **kwargs):
        calls.append(raw)
        return real(raw, **kwargs)

    monkeypatch.setattr(intake, "parse_document", counting)
    return calls


@pytest.fixture
def saved(monkeypatch):
    """What the store was handed."""
    calls: list[tuple[object, object]] = []
    real = screenings_module.save_screening

    def recording(screening, evaluation, **kwargs):
        calls.append((screening, evaluation))
        return real(screening, evaluation, **kwargs)

    monkeypatch.setattr(intake, "save_screening", recording)
    return calls


def test_a_document_is_parsed_once_evaluated_once_and_stored_typed(store_db, engine, parses,
                                                                   saved):
    counting = CountingEngine(engine)
    result = intake.submit(make_doc(glaucoma="yes"), idempotency_key="k", engine=counting)
    assert result.created and result.flags == ("glaucoma",)
    assert len(parses) == 1 and counting.evaluations == 1
    [(screening, evaluation)] = saved
    assert screening.answers["glaucoma"] == "yes"
    assert [f.rule_id for f in evaluation.flags] == ["glaucoma"]


@pytest.mark.parametrize("replay", ["idempotency_key", "draft_token"])
def test_a_replay_is_neither_parsed_nor_evaluated_again(store_db, engine, parses, saved, replay):
    from store import create_draft

    _, token = create_draft()
    keys = {"idempotency_key": {"idempotency_key": "click"}, "draft_token": {"draft_token": token}}
    counting = CountingEngine(engine)
    first = intake.submit(make_doc(), engine=counting, **keys[replay])
    again = intake.submit(make_doc(), engine=counting, **keys[replay])
    assert first.created and not again.created
    assert again.screening_id == first.screening_id
    assert len(parses) == 1 and counting.evaluations == 1 and len(saved) == 1


def test_a_validated_screening_is_not_parsed_again(store_db, engine, parses, saved):
    screening = intake.validate(make_doc())
    assert len(parses) == 1
    result = intake.submit(screening, idempotency_key="import-1")
    assert result.created and len(parses) == 1 and saved[0][0] is screening


def test_an_invalid_document_stores_nothing_and_names_the_field(store_db, saved):
    with pytest.raises(InvalidDocument) as caught:
        intake.submit(make_doc(glaucoma="maybe"))
    assert [p.code for p in caught.value.problems] == ["glaucoma"]
    assert saved == []


def test_a_document_without_a_time_is_stamped_when_received(store_db):
    doc = make_doc()
    del doc["submitted_at"]
    screening = intake.validate(doc)
    assert screening.submitted_at is not None and "submitted_at" not in doc


def test_a_bad_idempotency_key_is_refused_before_anything_runs(store_db, parses):
    with pytest.raises(ValueError, match="idempotency_key"):
        intake.submit(make_doc(), idempotency_key="")
    assert parses == []


def test_storing_a_screening_does_not_import_the_rules():
    """store.screenings (and the import command) reach the rules only through the service."""
    for module in ("store/screenings.py", "store/cli.py"):
        tree = ast.parse((ROOT / module).read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        assert not {m for m in imported if m and m.split(".")[0] == "rules"}, module
    assert not hasattr(screenings_module, "submit_screening")
    assert not hasattr(screenings_module, "get_engine")
