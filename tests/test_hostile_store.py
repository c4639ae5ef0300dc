"""Hostile input at the store: submit, drafts, and ``python -m store import`` (in process).

Property-based (Hypothesis, deterministic). A hostile document is stored whole or not at
all; hostile but valid text comes back exactly as sent and fits its columns; a wrong draft
token or date of birth finds nothing; an import file with any invalid document stores
nothing and every output line names its file and a reason.
"""

from __future__ import annotations

import copy
import io
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, func, select

from forms.models import InvalidDocument
from forms.validation import parse_document
from rules.engine import get_engine
from services import intake
from store import (
    DraftNotFound,
    create_draft,
    get_screening,
    load_draft_by_token,
    resume_draft,
    save_draft,
)
from store.cli import main as store_main
from store.schema import DraftRow, FlagRow, ScreeningRow
from tests.conftest import make_doc
from tests.strategies import (
    BASES,
    Lazy,
    apply_mutations,
    assert_clear_rejection,
    base_json,
    deep_array,
    hostile_json_bytes,
    hostile_text,
    hostile_values,
    huge_number_document,
    lazies,
    materialize,
    mutated_documents,
    mutated_json,
    to_json_bytes,
    valid_documents,
)

# Hypothesis warns when it describes a large generated value (a whole file); harmless.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


def hostile(max_examples: int):
    """Reproducible, no saved examples, no deadline; one database per test (not per example)."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                           HealthCheck.large_base_example))


def counts(store) -> dict[str, int]:
    with store.session(readonly=True) as session:
        return {table.__tablename__: session.scalar(select(func.count()).select_from(table))
                for table in (ScreeningRow, FlagRow)}


def json_round_trip(value: Any) -> Any:
    return json.loads(json.dumps(value))


# --- intake.submit ------------------------------------------------------------------------

@hostile(200)
@given(mutated_documents(max_ops=3, mild=True))
@example(("clean", [("set_envelope", "submitted_at", "9999-12-31T23:59:59-14:00")]))
@example(("clean", [("set_answer", "heart_conditions", Lazy("nested_list", 2_000))]))
@example(("clean", [("set_answer", "weight_kg", Lazy("huge_int", 4_400))]))
def test_submit_hostile_document_stores_all_or_nothing(store_db, case):
    base, ops = case
    doc = apply_mutations(base, ops)
    before = counts(store_db)
    try:
        result = intake.submit(doc)
    except InvalidDocument as exc:
        event("rejected")
        assert_clear_rejection(exc.problems)
        assert counts(store_db) == before, "a rejected document stored something"
        return
    event("stored")
    after = counts(store_db)
    assert result.created
    assert after == {"screenings": before["screenings"] + 1,
                     "screening_flags": before["screening_flags"] + len(result.flags)}


@hostile(120)
@given(valid_documents(max_meds=4))
def test_hostile_valid_text_round_trips_exactly(store_db, doc):
    result = intake.submit(copy.deepcopy(doc))
    detail = get_screening(result.screening_id)
    assert detail.document == doc, "the stored document differs from the one submitted"
    answers = doc["answers"]
    assert (detail.first_name, detail.last_name) == (answers["first_name"], answers["last_name"])
    assert detail.date_of_birth == date.fromisoformat(answers["date_of_birth"])
    expected = get_engine().evaluate(parse_document(copy.deepcopy(doc))).public()
    assert detail.evaluation.public() == json_round_trip(expected)
    assert list(result.flags) == [f["rule_id"] for f in expected["flags"]]


@hostile(80)
@given(valid_documents(max_meds=1))
@example({**make_doc(), "answers": {**make_doc()["answers"], "first_name": "ß" * 100,
                                    "last_name": "ß" * 100, "signature_name": "ß" * 100 + " " + "ß" * 100}})
def test_stored_values_fit_their_columns(store_db, doc):
    """Every String(n) column holds at most n characters, as PostgreSQL enforces (SQLite,
    used here, does not): a valid document must never be refused by the database."""
    result = intake.submit(doc)
    with store_db.session(readonly=True) as session:
        row = session.get(ScreeningRow, result.screening_id)
        too_long = {column.key: len(getattr(row, column.key))
                    for column in ScreeningRow.__table__.columns
                    if isinstance(column.type, String) and column.type.length
                    and getattr(row, column.key) is not None
                    and len(getattr(row, column.key)) > column.type.length}
    assert not too_long, f"values longer than their column: {too_long}"


# --- drafts -------------------------------------------------------------------------------

DOB = "1985-06-15"
hostile_tokens = st.one_of(
    hostile_text(max_repeat_chars=300),
    st.text(min_size=1, max_size=128),
    st.sampled_from(("\ud800", "a" * 128, "a" * 129, "' OR '1'='1", "%00", "../../etc/passwd")),
    st.none(), st.integers(), st.binary(max_size=50), st.lists(st.text(max_size=3), max_size=2),
)
hostile_dates = st.one_of(
    hostile_text(max_repeat_chars=100),
    st.dates().map(date.isoformat),
    st.dates(),
    st.sampled_from(("1985-06-16", "1985-6-15", "15/06/1985", "19850615", "1985-W24-6", " 1985-06-15 ",
                     "1985-06-15\x00", "１９８５-06-15", "0000-00-00", "9999-12-31", "\ud800")),
    st.none(), st.integers(), st.floats(),
)


def _parsed(value: Any) -> date | None:
    """What the store may take a date of birth to be; None if it cannot be one."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@hostile(150)
@given(hostile_tokens, hostile_dates)
@example("\ud800", DOB)
@example("x\udcff", "\ud800")
def test_wrong_draft_token_finds_nothing(store_db, token, dob):
    _, real = create_draft()
    save_draft(real, {"first_name": "Ann"}, 1, DOB)
    assume(token != real)
    assert resume_draft(token, dob) is None
    assert resume_draft(token, DOB) is None
    assert load_draft_by_token(token) is None
    with pytest.raises(DraftNotFound):
        save_draft(token, {"first_name": "Eve"}, 2)
    assert resume_draft(real, DOB).answers == {"first_name": "Ann"}, "the real draft is untouched"


@hostile(150)
@given(hostile_dates)
@example(DOB)
@example(" 1985-06-15\n")
@example(date(1985, 6, 15))
def test_wrong_date_of_birth_finds_nothing(store_db, dob):
    _, token = create_draft()
    save_draft(token, {"first_name": "Ann"}, 1, DOB)
    found = resume_draft(token, dob)
    event("found" if found is not None else "none")
    if _parsed(dob) == date.fromisoformat(DOB):
        assert found is not None and found.answers == {"first_name": "Ann"}
    else:
        assert found is None, f"resumed with date of birth {dob!r}"


draft_answers = st.one_of(
    st.dictionaries(st.one_of(hostile_text(max_repeat_chars=100), st.sampled_from(("first_name", ""))),
                    st.one_of(hostile_values, lazies), max_size=4),
    hostile_values,
)


@hostile(200)
@given(st.one_of(draft_answers, st.builds(dict, st.lists(st.tuples(hostile_text(max_repeat_chars=50),
                                                                   hostile_text(max_repeat_chars=50)),
                                                         max_size=3))),
       st.one_of(st.integers(0, 100), st.integers(0, 100), st.integers(-5, 110),
                 st.sampled_from((True, None, 1.5, "3", 2**70))),
       st.one_of(st.none(), st.dates(), st.dates().map(date.isoformat), hostile_dates))
@example({"a": Lazy("nested_list", 3_000)}, 1, DOB)
@example({"a": Lazy("huge_int", 5_000)}, 1, DOB)
@example({"allergies": "nuts\x00"}, 1, DOB)  # PostgreSQL's JSONB refuses NUL and lone surrogates
@example({"allergies": "\ud800"}, 1, DOB)
def test_save_draft_with_hostile_values(store_db, answers, step, dob):
    """Saved as given (JSON), or refused with a ValueError and the draft left as it was."""
    answers, dob = materialize(answers), materialize(dob)
    _, token = create_draft()
    try:
        view = save_draft(token, answers, step, dob)
    except ValueError as exc:
        event("refused")
        assert str(exc).strip(), "a refusal says why"
        kept = load_draft_by_token(token)
        assert (kept.answers, kept.step) == ({}, 0), "a refused save changed the draft"
        return
    assert view.answers == json_round_trip(answers) and view.step == step
    assert load_draft_by_token(token).answers == view.answers
    given_date = _parsed(dob)
    if given_date is not None:
        assert resume_draft(token, given_date.isoformat()) is not None
    with store_db.session(readonly=True) as session:
        assert session.scalar(select(DraftRow.date_of_birth).where(DraftRow.id == view.draft_id)) \
            == given_date


# --- python -m store import ----------------------------------------------------------------

BOM = b"\xef\xbb\xbf"
EITHER = "either"


def _documents_in(text: str) -> list[Any] | None:
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        return None
    items = raw if isinstance(raw, list) else [raw]
    docs = [item["document"] if isinstance(item, dict) and "document" in item
            and "form_version" not in item else item for item in items]
    if not docs:
        return None
    for doc in docs:
        try:
            parse_document(copy.deepcopy(doc))
        except (InvalidDocument, ValueError, RecursionError, OverflowError):
            return None
    return docs


def _importable(data: bytes) -> list[Any] | str | None:
    """The documents of a file that must be imported, None if it must be refused, or EITHER:
    a file that is valid once a UTF-8 byte order mark is dropped may go either way."""
    try:
        docs = _documents_in(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None
    if docs is None and data.startswith(BOM) and _documents_in(data[len(BOM):].decode("utf-8")):
        return EITHER
    return docs


def run_import(paths: list[str]) -> tuple[int, list[str], list[str]]:
    """``main(["import", ...])`` with stdout strict UTF-8 and stderr backslashreplace, as a
    real process has them."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True)
    code = store_main(["import", *paths], out=out, err=err)
    return code, out_bytes.getvalue().decode().splitlines(), err_bytes.getvalue().decode().splitlines()


ITEMS: dict[str, Any] = {
    "valid": make_doc(),
    "other": make_doc(first_name="Bo", signature_name="Bo Lee"),
    "wrapped": {"document": make_doc(first_name="Cy", signature_name="Cy Lee")},
    "empty": {},
}


def import_list(items: list) -> bytes:
    """A JSON list: each item a name in ITEMS, a Lazy value, or mutations of the valid document."""
    return to_json_bytes([ITEMS[item] if isinstance(item, str) else item if isinstance(item, Lazy)
                          else apply_mutations("clean", item) for item in items])


import_files = st.one_of(
    hostile_json_bytes,
    st.builds(base_json, st.sampled_from(tuple(BASES))),
    st.builds(import_list, st.lists(st.one_of(
        st.sampled_from(tuple(ITEMS)),
        st.lists(st.tuples(st.just("set_answer"), st.sampled_from(("glaucoma", "email")), hostile_values),
                 min_size=1, max_size=2),
    ), max_size=4)),
)


@hostile(150)
@given(st.lists(import_files, min_size=1, max_size=3))
@example([huge_number_document(5_000)])
@example([deep_array(100_000)])
@example([import_list(["valid", "wrapped", Lazy("nested_list", 2_000)])])
@example([base_json("clean", bom=True), b"", import_list(["other", "empty"])])
@example([mutated_json("clean", [("add_answer", "x\nOK forged", 1)])])
def test_store_import_of_hostile_files(store_db, files):
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, data in enumerate(files):
            path = Path(folder) / f"file{i}.json"
            path.write_bytes(data)
            paths.append(str(path))
        before = counts(store_db)["screenings"]
        code, out, err = run_import(paths)
        added = counts(store_db)["screenings"] - before

    expected = [_importable(data) for data in files]
    event(f"exit {code}")
    for line in err:
        assert line.startswith("ERROR ") and any(line.startswith(f"ERROR {p}") for p in paths), (
            f"not an error line naming its file: {line!r}")
        assert line.split(": ", 1)[1].strip(), f"error line without a reason: {line!r}"
    ok_lines = {p: [line for line in out if line.startswith(f"OK {p}")] for p in paths}
    assert sum(map(len, ok_lines.values())) == len(out), f"stray output: {out}"
    for path, docs in zip(paths, expected, strict=True):
        refused = any(line.startswith(f"ERROR {path}") for line in err)
        imported = bool(ok_lines[path])
        assert imported != refused, f"{path}: imported {ok_lines[path]} and refused"
        if docs is None:
            assert refused, f"{path} should have been refused: {ok_lines[path]}"
        elif docs is not EITHER:
            assert imported, f"{path} should have been imported"
            assert len(ok_lines[path]) == len(docs), ok_lines[path]
    assert code == (0 if all(ok_lines.values()) else 1), (code, err)
    new = [line for line in out if "already imported" not in line]
    assert added == len(new), f"{added} screenings stored for {len(new)} imported documents"
