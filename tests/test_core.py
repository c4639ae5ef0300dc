"""core: one definition of each vocabulary, the evaluation's declared shape, the evidence
formatter, and backward compatibility with evaluations stored before the shape existed."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from core import vocab
from core.evaluation import Evaluation, Evidence, Flag, trusted_builder
from core.evidence import format_evidence, format_evidence_item
from forms.validation import parse_document

ROOT = Path(__file__).resolve().parent.parent
STORED_V1 = Path(__file__).parent / "data" / "stored_evaluation_v1.json"


@pytest.mark.parametrize(("labels", "codes"), [
    (vocab.SEVERITY_LABELS, vocab.SEVERITIES),
    (vocab.SEVERITY_HEADINGS, vocab.SEVERITIES),
    (vocab.SEVERITY_DESCRIPTIONS, vocab.SEVERITIES),
    (vocab.DECISION_LABELS, vocab.DECISIONS),
    (vocab.REVIEW_STATUS_LABELS, vocab.REVIEW_STATUSES),
    (vocab.ROLE_LABELS, vocab.ROLES),
    (vocab.AUDIT_ACTION_LABELS, vocab.AUDIT_ACTIONS),
])
def test_every_code_has_one_label(labels, codes):
    assert tuple(labels) == codes
    assert all(label.strip() for label in labels.values())


def test_review_statuses_are_unreviewed_then_the_decisions():
    assert (vocab.UNREVIEWED, *vocab.DECISIONS) == vocab.REVIEW_STATUSES
    assert [vocab.SEVERITY_RANK[s] for s in (*vocab.SEVERITIES, vocab.NO_FLAG)] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(("severity", "urgent", "must"), [
    ("defer", False, True), ("review", True, True), ("review", False, False),
    ("adjust", False, False), ("info", False, False), ("info", True, True),
])
def test_requires_ack(severity, urgent, must):
    assert vocab.requires_ack(severity, urgent) is must
    flag = Flag(rule_id="x", severity=severity, urgent=urgent, reason="a reason", evidence=(),
                source="spec")
    assert flag.requires_ack is must


# The vocabularies are defined in core.vocab only: no other module spells out one of
# these tuples of codes again (a literal tuple/list/set holding two or more of its codes).
VOCABULARIES = {
    "severities": set(vocab.SEVERITIES),
    "decisions": set(vocab.DECISIONS),
    "roles": set(vocab.ROLES),
    "audit actions": set(vocab.AUDIT_ACTIONS) - {"review", "export"},
}


def _sources() -> list[Path]:
    found = []
    for folder in ("forms", "rules", "store", "exports", "app_pages", "core"):
        found += sorted((ROOT / folder).rglob("*.py"))
    return [p for p in found if p.name != "vocab.py" and "migrations" not in p.parts]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_vocabulary_is_defined_twice(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) or (
                isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "Literal"):
            elements = node.slice.elts if isinstance(node, ast.Subscript) and isinstance(
                node.slice, ast.Tuple) else getattr(node, "elts", [])
            strings = {e.value for e in elements if isinstance(e, ast.Constant)
                       and isinstance(e.value, str)}
            for name, codes in VOCABULARIES.items():
                assert len(strings & codes) < 2, (
                    f"{path.name}:{node.lineno} lists {name} again; import them from core.vocab")


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_table_keyed_by_a_vocabulary_covers_every_code(path):
    """A per-code table elsewhere (a severity's colour, its FHIR severity) may not be defined
    once for all, but it must name every code: a new severity fails here, not as a KeyError
    on a clinician's page."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        for name, codes in VOCABULARIES.items():
            if len(keys & codes) >= 2:
                assert codes <= keys, (f"{path.name}:{node.lineno} is a table of {name} without "
                                       f"{sorted(codes - keys)}")


def test_the_audit_page_lists_actions_from_the_vocabulary():
    source = (ROOT / "app_pages" / "audit_log.py").read_text(encoding="utf-8")
    assert "AUDIT_ACTIONS" in source and "export_refused" not in source


def test_unknown_audit_action_is_refused(store_db):
    from store import audit

    with store_db.session() as session, pytest.raises(ValueError, match=r"core\.vocab"):
        audit.write_audit(session, "system", "made_up_action")


# --- the evaluation's shape ----------------------------------------------------------------

def test_an_evaluation_stored_before_the_models_reads_back_identically():
    stored = json.loads(STORED_V1.read_text(encoding="utf-8"))
    evaluation = Evaluation.model_validate(stored["evaluation"])
    assert evaluation.public() == stored["evaluation"]
    assert [f.rule_id for f in evaluation.flags] == [
        "suicidal_plan", "cardiac_unstable", "pregnancy", "medication_unrecognized", "benzodiazepine"]
    assert evaluation.urgent and evaluation.highest_severity == "defer"
    assert [m.status for m in evaluation.medications] == [
        "recognized", "unrecognized", "partial", "recognized"]
    assert evaluation.medications[3].use == "past"


def test_todays_evaluation_has_the_stored_keys(engine):
    stored = json.loads(STORED_V1.read_text(encoding="utf-8"))
    fresh = engine.evaluate(parse_document(stored["document"])).public()
    old = stored["evaluation"]
    assert fresh.keys() == old.keys()
    for new_flag, old_flag in zip(fresh["flags"], old["flags"], strict=True):
        assert new_flag.keys() == old_flag.keys()
        # The reading may find more or fewer items (issue 9 reads "benzo" as the class now);
        # each kind of evidence keeps its keys.
        # each kind of evidence uses only keys the stored one used for that kind.
        old_keys: dict[str, set[str]] = {}
        for e in old_flag["evidence"]:
            old_keys.setdefault(e["kind"], set()).update(e)
        for e in new_flag["evidence"]:
            assert set(e) <= old_keys.get(e["kind"], set()), e["kind"]
    for new_med, old_med in zip(fresh["medications"], old["medications"], strict=True):
        assert new_med.keys() == old_med.keys()
    assert json.loads(json.dumps(fresh)) == fresh, "only JSON types"


@pytest.mark.parametrize(("shape", "values"), [
    (Evidence, {"kind": "answer", "code": "pregnant", "answer": "yes", "label": "Yes"}),
    (Evidence, {"kind": "derived", "code": "bmi", "answer": 41.2}),
    (Evidence, {"kind": "medication", "medication": "Xanax 2mg", "dose": None, "classes": ("benzo",)}),
    (Flag, {"rule_id": "pregnancy", "severity": "defer", "urgent": False, "reason": "r",
            "evidence": (Evidence(kind="derived", code="age", answer=17),), "source": "s"}),
    (Evaluation, {"ruleset_version": "v", "flags": ()}),
    (Evaluation, {"ruleset_version": "v", "flags": (), "to_measure": ("Height",)}),
])
def test_a_trusted_build_is_the_validated_shape(shape, values):
    built, validated = trusted_builder(shape)(**values), shape(**values)
    assert type(built) is shape and built == validated
    assert built.model_dump_json() == validated.model_dump_json()  # same keys, same order
    assert built.model_fields_set == validated.model_fields_set
    with pytest.raises(ValidationError):  # still frozen
        built.kind = "x"


@pytest.mark.parametrize("values", [
    {"rule_id": "x", "severity": "defer", "urgent": False, "reason": "r", "evidence": ()},
    {"rule_id": "x", "severity": "defer", "urgent": False, "reason": "r", "evidence": (),
     "source": "s", "colour": "red"},
])
def test_a_trusted_build_refuses_a_missing_or_unknown_field(values):
    with pytest.raises(TypeError, match="Flag"):
        trusted_builder(Flag)(**values)


@pytest.mark.parametrize("change", [
    {"severity": "severe"},  # not a severity
    {"urgent": "maybe"},
    {"colour": "red"},  # unknown key: a typo never passes silently
])
def test_a_malformed_flag_is_refused(change):
    stored = json.loads(STORED_V1.read_text(encoding="utf-8"))["evaluation"]
    stored["flags"][0] = {**stored["flags"][0], **change}
    with pytest.raises(ValidationError):
        Evaluation.model_validate(stored)


# --- one evidence formatter ----------------------------------------------------------------

MED = {"kind": "medication", "medication": "Xanax 0.5mg", "generic": "alprazolam",
       "method": "brand", "classes": ["benzodiazepine"]}
UNREAD = {"kind": "medication", "medication": "qwzzx", "method": "unrecognized"}
ANSWER = {"kind": "answer", "code": "pregnant", "answer": "yes", "label": "Yes"}
MULTI = {"kind": "answer", "code": "heart_conditions", "answer": ["heart_failure", "valve_disease"],
         "label": "Heart failure, Valve disease"}
DERIVED = {"kind": "derived", "code": "bmi", "answer": 41.2}
NAME = {"kind": "answer", "code": "allergies", "answer": "penicillin"}


@pytest.mark.parametrize(("item", "options", "expected"), [
    (MED, {}, "medication 'Xanax 0.5mg' -> alprazolam (brand)"),
    (MED, {"labels": True}, "medication 'Xanax 0.5mg' -> alprazolam (brand)"),
    (MED, {"deidentified": True, "positions": {"Xanax 0.5mg": 2}}, "medication #2 -> alprazolam (brand)"),
    (MED, {"deidentified": True}, "medication -> alprazolam (brand)"),
    (UNREAD, {}, "medication 'qwzzx' -> not identified (unrecognized)"),
    (ANSWER, {}, "pregnant=yes"),
    (ANSWER, {"labels": True}, "pregnant = Yes"),
    (MULTI, {}, "heart_conditions=heart_failure,valve_disease"),
    (MULTI, {"labels": True}, "heart_conditions = Heart failure, Valve disease"),
    (DERIVED, {}, "bmi=41.2"),
    (DERIVED, {"labels": True}, "bmi = 41.2"),
    (NAME, {"deidentified": True, "withheld": frozenset({"allergies"})}, "allergies=[withheld]"),
    (NAME, {"deidentified": True}, "allergies=penicillin"),
])
def test_format_evidence_item(item, options, expected):
    assert format_evidence_item(item, **options) == expected


def test_format_evidence_joins_items_and_the_model_uses_it():
    assert format_evidence([ANSWER, MED]) == \
        "pregnant=yes; medication 'Xanax 0.5mg' -> alprazolam (brand)"
    assert Evidence.model_validate(ANSWER).describe() == "pregnant = Yes"
    assert Evidence.model_validate(MED).describe() == format_evidence_item(MED)


def test_export_workers_import_no_pydantic():
    code = ("import sys, exports.worker, core.vocab, core.evidence; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pydantic', 'sqlalchemy', 'forms', 'rules', 'store')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"
