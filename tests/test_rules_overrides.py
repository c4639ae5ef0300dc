"""A clinic overlay (RULES_OVERRIDES): validated at load with the line named, applied to the
catalogue and the drug table, and part of the engine version."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.validation import parse_document
from rules.catalogue import load_catalogue
from rules.engine import build_engine, overrides_path
from rules.lexicon import DRUGS_FILE, _load_yaml
from rules.overrides import OverridesError, load_overrides, parse_overrides
from tests.conftest import make_doc

OVERLAY = """\
name: Riverside clinic
rules:
  bipolar_disorder:
    severity: defer
    why: Our psychiatrists treat bipolar disorder as a contraindication.
  age_over_65:
    disabled: true
    why: Every patient over 65 sees the anaesthetist at the visit.
  glaucoma:
    urgent: true
    why: Our ophthalmology partner wants a same-day call.
drugs:
  - generic: zorblaxamine
    classes: [benzodiazepine]
    brands: [Zorblax]
names:
  alprazolam:
    brands: [Alpraquell]
"""


@pytest.fixture(scope="module")
def overlay_engine(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("overlay") / "clinic.yaml"
    path.write_text(OVERLAY)
    return build_engine(overrides_file=path, with_dictionary=False)


@pytest.fixture(scope="module")
def base_engine():
    return build_engine(with_dictionary=False)


def _flags(engine, **kwargs) -> dict[str, tuple[str, bool]]:
    evaluation = engine.evaluate(parse_document(make_doc(**kwargs)))
    return {f.rule_id: (f.severity, f.urgent) for f in evaluation.flags}


def test_severity_change_applies_and_the_flag_says_why(base_engine, overlay_engine):
    assert _flags(base_engine, bipolar_disorder="yes")["bipolar_disorder"] == ("review", False)
    assert _flags(overlay_engine, bipolar_disorder="yes")["bipolar_disorder"] == ("defer", False)
    flag = overlay_engine.evaluate(parse_document(make_doc(bipolar_disorder="yes"))).flags[0]
    assert flag.source.endswith(
        "; clinic override: Our psychiatrists treat bipolar disorder as a contraindication.")


def test_urgency_change_applies(base_engine, overlay_engine):
    assert _flags(base_engine, glaucoma="yes")["glaucoma"] == ("review", False)
    assert _flags(overlay_engine, glaucoma="yes")["glaucoma"] == ("review", True)


def test_disabled_rule_no_longer_fires_and_says_why(base_engine, overlay_engine):
    assert "age_over_65" in _flags(base_engine, date_of_birth="1940-01-01")
    assert "age_over_65" not in _flags(overlay_engine, date_of_birth="1940-01-01")
    assert overlay_engine.overlay.disabled == {
        "age_over_65": "Every patient over 65 sees the anaesthetist at the visit."}
    assert "age_over_65" not in {r.id for r in overlay_engine.catalogue.rules}


def test_added_drug_and_brand_are_read_and_flagged(base_engine, overlay_engine):
    assert "benzodiazepine" not in _flags(base_engine, meds=["Zorblax 1 mg"])
    assert _flags(overlay_engine, meds=["Zorblax 1 mg"])["benzodiazepine"] == ("adjust", False)
    evaluation = overlay_engine.evaluate(parse_document(make_doc(meds=["Alpraquell"])))
    assert evaluation.medications[0].generic == "alprazolam"
    assert "benzodiazepine" in {f.rule_id for f in evaluation.flags}


def test_engine_version_carries_the_overlay_hash(base_engine, overlay_engine, tmp_path):
    assert "+clinic-" not in base_engine.version
    assert overlay_engine.version.startswith(base_engine.version + "+clinic-")
    assert overlay_engine.version.endswith(overlay_engine.overlay.digest[:12])
    # comments and layout do not change the hash; content does
    same = parse_overrides("# a comment\n" + OVERLAY, "x.yaml")
    other = parse_overrides(OVERLAY.replace("severity: defer", "severity: adjust"), "x.yaml")
    assert same.digest == overlay_engine.overlay.digest
    assert other.digest != overlay_engine.overlay.digest


def test_rules_overrides_env_names_the_file(monkeypatch):
    monkeypatch.delenv("RULES_OVERRIDES", raising=False)
    assert overrides_path() is None
    monkeypatch.setenv("RULES_OVERRIDES", "/etc/clinic/rules.yaml")
    assert overrides_path() == Path("/etc/clinic/rules.yaml")


BASE_DRUGS = _load_yaml(DRUGS_FILE)
BASE_CATALOGUE = load_catalogue(set(BASE_DRUGS.classes))
WHY = "why: a clinic policy written down"
BROKEN = [
    ("unknown rule", f"rules:\n  bipolar_disorde:\n    severity: defer\n    {WHY}\n",
     "line 2", "unknown rule"),
    ("bad severity", f"rules:\n  glaucoma:\n    severity: urgent\n    {WHY}\n",
     "line 3", "rules.glaucoma.severity"),
    ("no reason given", "rules:\n  glaucoma:\n    severity: defer\n", "line 2", "why"),
    ("reason too short", "rules:\n  glaucoma:\n    severity: defer\n    why: policy\n",
     "line 4", "why"),
    ("unknown key", f"rules:\n  glaucoma:\n    severty: defer\n    {WHY}\n",
     "line 3", "severty"),
    ("bare off read as false", f"rules:\n  glaucoma:\n    off: true\n    {WHY}\n",
     "line 2", "quote it"),
    ("nothing to change", f"rules:\n  glaucoma:\n    {WHY}\n", "line 2", "nothing to change"),
    ("disabled with severity", f"rules:\n  glaucoma:\n    disabled: true\n    severity: defer\n    {WHY}\n",
     "line 2", "takes no severity"),
    ("fail-safe rule off", f"rules:\n  medication_unrecognized:\n    disabled: true\n    {WHY}\n",
     "line 2", "fail-safe"),
    ("fail-safe rule lowered", f"rules:\n  medication_unrecognized:\n    severity: info\n    {WHY}\n",
     "line 2", "fail-safe"),
    ("urgent rule off", f"rules:\n  suicidal_plan:\n    disabled: true\n    {WHY}\n",
     "line 2", "same-day"),
    ("urgent rule made non-urgent", f"rules:\n  suicidal_plan:\n    urgent: false\n    {WHY}\n",
     "line 2", "same-day"),
    ("rule given twice", f"rules:\n  glaucoma:\n    severity: defer\n    {WHY}\n"
                         f"  glaucoma:\n    severity: info\n    {WHY}\n", "line 5", "twice"),
    ("unknown drug class", "drugs:\n  - generic: zorblax\n    classes: [benzos]\n",
     "line 2", "unknown drug class 'benzos'"),
    ("drug without class", "drugs:\n  - generic: zorblax\n", "line 2", "classes"),
    ("drug already in table", "drugs:\n  - generic: alprazolam\n    classes: [benzodiazepine]\n",
     "line 2", "already in"),
    ("names for unknown drug", "names:\n  alprazolan:\n    brands: [Foo]\n", "line 2",
     "not a generic"),
    ("name already another drug's", "names:\n  alprazolam:\n    brands: [Valium]\n", "line 2",
     "already names"),
    ("not a mapping", "- rules\n", "line 1", "mapping"),
    ("unknown top-level key", "rule:\n  glaucoma: {}\n", "line 1", "rule"),
]


@pytest.mark.parametrize(("text", "line", "expected"),
                         [pytest.param(t, li, e, id=n) for n, t, li, e in BROKEN])
def test_a_broken_overlay_fails_at_load_naming_the_line(tmp_path, text, line, expected):
    path = tmp_path / "clinic.yaml"
    path.write_text(text)
    with pytest.raises(OverridesError) as caught:
        overlay = load_overrides(path)
        overlay.apply_to_lexicon(BASE_DRUGS, str(DRUGS_FILE))
        overlay.apply_to_catalogue(BASE_CATALOGUE)
    message = str(caught.value)
    assert message.startswith(f"{path}: {line}:"), message
    assert expected in message, message


def test_unreadable_overlay_file_is_a_clear_error(tmp_path):
    with pytest.raises(OverridesError, match="cannot read"):
        build_engine(overrides_file=tmp_path / "missing.yaml", with_dictionary=False)


def test_the_readme_example_is_a_valid_overlay():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("# /etc/screening/rules-overrides.yaml\n", 1)[1].split("```", 1)[0]
    overlay = parse_overrides(block, "README.md")
    overlay.apply_to_lexicon(BASE_DRUGS, str(DRUGS_FILE))
    catalogue = overlay.apply_to_catalogue(BASE_CATALOGUE)
    assert {r.id: r.severity for r in catalogue.rules}["bipolar_disorder"] == "defer"
    assert overlay.disabled.keys() == {"age_over_65"}
