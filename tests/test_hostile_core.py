"""Hostile input at the core: answer documents, medication strings, and ``python -m rules``.

Property-based (Hypothesis), deterministic (``derandomize=True``, no example database):
over 10,000 generated answer documents and 2,000 medication strings. A document is either
a Screening or an InvalidDocument whose problems each name a code and say, in words, what
is wrong; nothing else may escape. Valid documents always evaluate, the same way twice.
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from forms.definition import QUESTIONS, QUESTIONS_BY_CODE
from forms.models import InvalidDocument, Problem, Screening
from forms.validation import base_code, parse_document
from rules.__main__ import main as rules_main
from rules.engine import get_engine
from tests.conftest import ROOT, make_doc
from tests.strategies import (
    FRAGMENTS,
    Lazy,
    apply_mutations,
    assert_clear_rejection,
    deep_array,
    hostile_json_bytes,
    hostile_text,
    hostile_values,
    huge_number_document,
    materialize,
    medication_items,
    mutated_documents,
    random_words,
    repeat,
    unprintable,
    valid_documents,
)

# Hypothesis warns when it describes a large generated value (a whole document); harmless.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
SLOW_OK = (HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
           HealthCheck.large_base_example)


def hostile(max_examples: int):
    """Settings of every test here: reproducible, no saved examples, no deadline."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=SLOW_OK)


# The longest message the form writes is about 400 characters: a multi question listing five
# bad values (each shown cut to 40 characters) and all its options. An echo of the whole
# input (a 4,000-digit number, a 10,000-character text) is far longer.
MAX_MESSAGE = 600
SEVERITIES = {"defer", "review", "adjust", "info"}
STATUSES = {"recognized", "partial", "ambiguous", "unrecognized"}


def outcome(raw: Any) -> Screening | list[Problem]:
    """parse_document's answer: the Screening, or the problems. Any other exception escapes."""
    try:
        return parse_document(raw)
    except InvalidDocument as exc:
        return exc.problems


def check_outcome(raw: Any) -> Screening | list[Problem]:
    result = outcome(raw)
    event("accepted" if isinstance(result, Screening) else "rejected")
    if isinstance(result, Screening):
        assert result.age >= 0 and result.form_version == "1"
    else:
        assert_clear_rejection(result)
    return result


# --- generated answer documents (10,000 examples in all) ---------------------------------

@hostile(4_000)
@given(mutated_documents())
@example(("clean", [("set_envelope", "submitted_at", "9999-12-31T23:59:59-14:00")]))
@example(("clean", [("set_envelope", "submitted_at", "0001-01-01T00:00:00+14:00")]))
@example(("clean", [("add_answer", "", 1)]))
@example(("clean", [("set_answer", "reasons", Lazy("nested_list", 3_000))]))
@example(("clean", [("set_answer", "alcohol_drinks_per_week", Lazy("huge_int", 5_000))]))
def test_mutated_documents_are_accepted_or_rejected_clearly(case):
    base, ops = case
    check_outcome(apply_mutations(base, ops))


def _related(code: str) -> set[str]:
    """Codes a problem about a bad ``code`` may be reported under."""
    related = {code} | {q.code for q in QUESTIONS if q.when is not None and q.when.code == code}
    for group in ({"systolic_bp", "diastolic_bp"}, {"first_name", "last_name", "signature_name"},
                  {"takes_no_medications", "medications"}):
        if code in group:
            related |= group
    return related


@hostile(3_000)
@given(st.sampled_from(tuple(QUESTIONS_BY_CODE)), hostile_values)
@example("alcohol_drinks_per_week", Lazy("huge_int", 4_400))
@example("sex_at_birth", Lazy("huge_int", 4_400))
@example("heart_conditions", Lazy("nested_list", 2_000))
@example("pregnant", Lazy("nested_dict", 2_000))
def test_each_question_with_a_hostile_value(code, value):
    """One answer replaced: accepted, or rejected with a problem about that very answer."""
    doc = make_doc(meds=["Xanax"]) if code in ("medications", "takes_no_medications") else make_doc()
    doc["answers"][code] = materialize(value)
    result = check_outcome(doc)
    if isinstance(result, list):
        codes = {base_code(p.code) for p in result}
        assert codes & _related(code), f"{code} was refused without a problem about it: {result}"


@hostile(1_000)
@given(st.lists(medication_items, min_size=1, max_size=8), st.booleans())
@example([{"name": "Xanax", "status": Lazy("nested_list", 2_000)}], True)
@example([{"name": "Xanax", "status": Lazy("huge_int", 4_400)}], True)
def test_hostile_medication_lists(items, takes_none):
    doc = make_doc()
    doc["answers"]["medications"] = materialize(items)
    doc["answers"]["takes_no_medications"] = takes_none
    result = check_outcome(doc)
    if isinstance(result, Screening):
        assert len(result.medications) == len(items)
        for med in result.medications:
            assert 1 <= len(med.name) <= 200 and not unprintable(med.name)
    else:
        assert {base_code(p.code) for p in result} & {"medications", "takes_no_medications"}


def _not_an_object(value: Any) -> bool:
    return not isinstance(value, dict) and not (isinstance(value, Lazy) and value.kind == "nested_dict")


@hostile(500)
@given(st.one_of(hostile_values.filter(_not_an_object),
                 st.builds(lambda d: [d], st.just(make_doc())),
                 st.builds(json.dumps, st.just(make_doc())), st.just(make_doc()["answers"])))
def test_non_documents_are_rejected(raw):
    raw = materialize(raw)
    result = check_outcome(raw)
    assert isinstance(result, list), "only an object with form_version and answers is a document"


@hostile(1_500)
@given(mutated_documents())
@example(("clean", [("add_answer", "", 1)]))
@example(("clean", [("add_answer", "x\nOK imported", 1)]))
@example(("clean", [("set_answer", "sex_at_birth", "\x1b[2J\x1b[31mcleared")]))
@example(("clean", [("set_answer", "alcohol_drinks_per_week", Lazy("huge_int", 4_000))]))
def test_problems_are_printable_and_bounded(case):
    """A rejection is read by people and printed one line per problem (``python -m store
    import``): codes and messages hold no control or format characters and do not echo an
    unbounded part of the input."""
    base, ops = case
    result = outcome(apply_mutations(base, ops))
    if isinstance(result, Screening):
        return
    for problem in result:
        assert problem.code.strip(), f"empty code: {problem!r}"
        assert not unprintable(problem.code), f"unprintable code: {problem.code!r}"
        assert not unprintable(problem.message), f"unprintable message: {problem.message!r}"
        assert len(problem.message) <= MAX_MESSAGE, f"message of {len(problem.message)} characters"


# --- valid documents ---------------------------------------------------------------------

@hostile(800)
@given(valid_documents(max_meds=4))
def test_valid_documents_are_accepted_and_evaluate_deterministically(doc):
    engine = get_engine()
    screening = parse_document(copy.deepcopy(doc))
    assert screening.answers == doc["answers"], "a valid document's answers are kept as given"
    assert parse_document(screening.to_document()) == screening, "to_document round-trips"

    evaluation = engine.evaluate(screening)
    ids = {rule.id for rule in engine.catalogue.rules}
    current = [m["name"] for m in doc["answers"].get("medications", []) if m["status"] == "current"]
    for flag in evaluation.flags:
        assert flag.rule_id in ids
        assert flag.severity in SEVERITIES
        assert flag.reason.strip() and flag.source.strip()
        assert flag.evidence, f"{flag.rule_id} has no evidence"
        for ev in flag.evidence:
            if ev.kind == "medication":
                assert ev.medication in current, "only a current medication triggers a rule"
    assert len({f.rule_id for f in evaluation.flags}) == len(evaluation.flags)
    public = evaluation.public()
    json.dumps(public, allow_nan=False)  # what is stored and printed is plain JSON

    again = engine.evaluate(parse_document(copy.deepcopy(doc)))
    assert again.public() == public, "the same document evaluates the same way"


# --- medication strings (2,000 examples) -------------------------------------------------

def assert_resolution(text: str, *, twice: bool = True):
    engine = get_engine()  # not the fixture: Hypothesis would print the whole engine on failure
    resolution = engine.resolve(text)
    event(resolution.status)
    assert resolution.status in STATUSES
    assert resolution.text == text
    if resolution.status == "recognized":
        assert resolution.matches and not resolution.candidates and not resolution.unmatched
    elif resolution.status == "partial":  # something read, something not
        assert resolution.matches and resolution.unmatched and not resolution.candidates
    elif resolution.status == "ambiguous":
        assert resolution.candidates
    else:
        assert not resolution.matches and not resolution.candidates
    json.dumps(resolution.as_dict())
    if twice:  # past the cache: the same text resolves the same way
        assert engine.resolver._resolve(text) == resolution, "resolution is not deterministic"
    return resolution


@hostile(1_500)
@given(hostile_text(max_repeat_chars=1_000))
@example("\ud800xanax\udfff")
@example("Xanax\x00" * 2_000)
@example(repeat("a", 10_000))
def test_medication_strings_resolve_without_raising(text):
    assert_resolution(text)


@hostile(100)
@given(st.one_of(
    st.builds(random_words, st.integers(0, 2**32), st.integers(1_000, 10_000)),
    *[st.builds(repeat, st.sampled_from((*FRAGMENTS, "xanax ", "klonopin 1mg, ", "lamictal/", "a")),
                st.integers(500, 10_000), st.just(10_000))] * 3,
))
@example(random_words(0, 10_000))
def test_very_long_medication_strings(text):
    """Up to 10,000 characters (the resolver has no length limit of its own)."""
    assert len(text) <= 10_000
    assert_resolution(text, twice=False)


KNOWN = ("Xanax", "Klonopin", "Lamictal", "lamotrigine", "Lamisil", "clonidine", "Narcan", "naltrexone",
         "Celebrex", "Celexa", "Zantac", "Claritin", "sertraline", "Zoloft", "Adderall", "zolpidem",
         "tramadol", "levothyroxine", "ibuprofen", "memantine", "phenelzine", "theophylline",
         "rifampin", "methadone", "buprenorphine", "Ambien", "Wellbutrin", "Sudafed")


@hostile(400)
@given(st.sampled_from(KNOWN), st.sampled_from((" ", "  ", "\t", ", ", " / ", " - ", " — ")),
       hostile_text(max_repeat_chars=2_000))
@example("Xanax", " ", "'; DROP TABLE screenings;--")
@example("Lamictal", " ", "<script>alert(1)</script>")
def test_known_drug_with_hostile_noise_still_resolves(name, separator, noise):
    alone = get_engine().resolve(name)
    assert alone.status == "recognized", name
    expected = {i for m in alone.matches for i in m.product.ingredients}
    resolution = assert_resolution(f"{name}{separator}{noise}")
    found = {i for m in resolution.matches for i in m.product.ingredients}
    assert expected <= found, f"{name!r} followed by noise no longer resolves to {expected}"


# --- python -m rules evaluate - (in process) ---------------------------------------------

def run_rules_cli(data: bytes) -> tuple[int, str, str]:
    """``main(["evaluate", "-"])`` with stdin/stdout/stderr as a real UTF-8 process has them."""
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True)
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, out, err
    try:
        code = rules_main(["evaluate", "-"])
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out_bytes.getvalue().decode(), err_bytes.getvalue().decode()


@hostile(300)
@given(hostile_json_bytes)
@example(huge_number_document(5_000))
@example(deep_array(100_000))
@example(b"\xef\xbb\xbf" + json.dumps(make_doc()).encode())
def test_rules_cli_with_hostile_stdin(data):
    code, out, err = run_rules_cli(data)
    event(f"exit {code}")
    assert code in (0, 2), code
    assert "Traceback" not in err
    if code == 2:
        assert out == ""
        errors = json.loads(err)["errors"]
        assert errors and all(e["code"].strip() and e["message"].strip() for e in errors), errors
    else:
        assert err == ""
        result = json.loads(out)
        assert isinstance(result["flags"], list) and isinstance(result["medications"], list)


@pytest.mark.parametrize("data", [huge_number_document(5_000), deep_array(100_000), b"\xff\xfe{}"],
                         ids=["5000-digit number", "array nested 100000 deep", "not UTF-8"])
def test_rules_cli_process_never_prints_a_traceback(data):
    """The same as a real process, for inputs the JSON parser itself refuses."""
    proc = subprocess.run([sys.executable, "-m", "rules", "evaluate", "-"], input=data, cwd=ROOT,
                          capture_output=True, timeout=120)
    assert b"Traceback" not in proc.stderr, proc.stderr[-400:].decode(errors="replace")
    assert proc.returncode == 2 and proc.stdout == b""
    assert json.loads(proc.stderr)["errors"]
