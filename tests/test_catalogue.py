"""The rule file is validated at load: a typo fails with the file and the rule named."""

from __future__ import annotations

import copy

import pytest
import yaml

from rules.catalogue import CATALOGUE_FILE, CatalogueError, parse_catalogue, watched_classes

RAW = yaml.safe_load(CATALOGUE_FILE.read_text())
CLASSES = {"benzodiazepine", "lamotrigine", "opioid", "z_drug", "barbiturate", "naltrexone",
           "nmda_antagonist", "stimulant", "maoi", "theophylline", "sympathomimetic",
           "thyroid_hormone", "cyp3a4_inducer"}


def _broken(rule_id: str, when: dict | None = None, **changes) -> dict:
    raw = copy.deepcopy(RAW)
    rule = next(r for r in raw["rules"] if r["id"] == rule_id)
    if when is not None:
        rule["when"] = when
    rule.update(changes)
    return raw


BROKEN = [
    ("unknown operator", _broken("glaucoma", {"answer_equals": {"code": "glaucoma", "values": ["yes"]}}),
     "rule 'glaucoma'"),
    ("unknown question code", _broken("glaucoma", {"answer_in": {"code": "glaucome", "values": ["yes"]}}),
     "unknown question code 'glaucome'"),
    ("bare yes read as true", _broken("glaucoma", {"answer_in": {"code": "glaucoma", "values": [True]}}),
     "True is not an answer of glaucoma"),
    ("value not an option", _broken("pregnancy", {"answer_in": {"code": "pregnant", "values": ["perhaps"]}}),
     "'perhaps' is not an answer of pregnant"),
    ("unknown drug class", _broken("benzodiazepine", {"medication_class": ["benzos"]}),
     "unknown drug class 'benzos'"),
    ("has_any on a choice", _broken("glaucoma", {"has_any": {"code": "glaucoma", "values": ["yes"]}}),
     "glaucoma is a choice question; has_any needs multi"),
    ("compare on text", _broken("bp_severe", {"compare": {"value": "first_name", "op": ">", "than": 1}}),
     "'first_name' is neither a number question"),
    ("two operators", _broken("glaucoma", {"answer_in": {"code": "glaucoma", "values": ["yes"]},
                                           "medication_class": ["maoi"]}),
     "exactly one operator"),
    ("bad severity", _broken("glaucoma", severity="urgent"), "rule 'glaucoma': severity"),
    ("no source", _broken("glaucoma", source=""), "rule 'glaucoma': source"),
    ("unless unknown", _broken("bp_elevated", unless=["bp_sever"]), "unless: unknown rule 'bp_sever'"),
    ("nested typo", _broken("suicidal_plan", {"any": [
        {"answer_in": {"code": "suicidal_thoughts", "values": ["active_with_plan"]}},
        {"answer_in": {"code": "suicide_attempt", "values": ["yes"]}}]}),
     "when.any[1]: answer_in: unknown question code 'suicide_attempt'"),
]


@pytest.mark.parametrize(("raw", "expected"), [pytest.param(r, e, id=n) for n, r, e in BROKEN])
def test_a_broken_rule_fails_at_load_with_its_location(raw, expected):
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(raw, "rules/data/catalogue.yaml", CLASSES)
    message = str(caught.value)
    assert message.startswith("rules/data/catalogue.yaml: ")
    assert expected in message, message


def test_duplicate_rule_id_fails():
    raw = copy.deepcopy(RAW)
    raw["rules"].append(copy.deepcopy(raw["rules"][0]))
    with pytest.raises(CatalogueError, match="duplicate rule id"):
        parse_catalogue(raw, "x.yaml", CLASSES)


def test_shipped_catalogue_matches_the_spec(engine):
    rules = {r.id: r for r in engine.catalogue.rules}
    spec = {  # rule_id: (severity, urgent) from the spec's table
        "substance_use_active": ("defer", False), "substance_use_history": ("review", False),
        "ketamine_misuse_history": ("review", False), "bipolar_disorder": ("review", False),
        "mania_current": ("defer", False), "psychosis_current": ("defer", False),
        "psychosis_history": ("review", False), "suicidal_plan": ("defer", True),
        "suicidal_passive": ("review", False), "cognitive_disorder": ("review", False),
        "hypertension_uncontrolled": ("defer", False), "hypertension_controlled": ("info", False),
        "bp_severe": ("defer", False), "bp_elevated": ("review", False),
        "cardiac_unstable": ("defer", False), "cardiac_history": ("review", False),
        "aneurysm_avm": ("defer", False), "brain_bleed": ("defer", False),
        "raised_intracranial_pressure": ("defer", False), "thyroid_untreated": ("defer", False),
        "glaucoma": ("review", False), "pregnancy": ("defer", False),
        "breastfeeding": ("defer", False), "ketamine_reaction": ("defer", False),
        "liver_disease": ("review", False), "bladder_cystitis": ("review", False),
        "sleep_apnea": ("review", False), "seizure_disorder": ("review", False),
        "age_under_18": ("defer", False), "age_over_65": ("review", False),
        "heavy_alcohol_or_cannabis": ("adjust", False), "no_escort": ("defer", False),
        "benzodiazepine": ("adjust", False), "z_drug": ("adjust", False),
        "lamotrigine": ("adjust", False), "barbiturate": ("adjust", False),
        "opioid": ("review", False), "naltrexone": ("adjust", False),
        "nmda_antagonist": ("review", False), "stimulant": ("adjust", False),
        "maoi": ("review", False), "theophylline": ("defer", False),
        "decongestant": ("adjust", False), "thyroid_hormone": ("info", False),
        "cyp3a4_inducer": ("adjust", False), "medication_unrecognized": ("review", False),
    }
    assert {k: (r.severity, r.urgent) for k, r in rules.items()} == spec


def test_every_unsure_answer_can_raise_a_flag(engine):
    """Fail safe: 'unsure' is never treated as 'no'."""
    from forms.definition import QUESTIONS

    covered = set()

    def walk(cond):
        if cond.answer_in and "unsure" in cond.answer_in.values:
            covered.add(cond.answer_in.code)
        for child in (cond.any or ()) + (cond.all or ()):
            walk(child)

    for rule in engine.catalogue.rules:
        walk(rule.when)
    assert covered == {q.code for q in QUESTIONS if "unsure" in q.values}


def test_watched_classes_are_the_medication_rule_classes(engine):
    assert watched_classes(engine.catalogue) == CLASSES
