"""Every rule of the catalogue: at least one case that fires it and one that must not.

Each case is a change to the clean document (see conftest). Expected outputs live here,
not in the rule file, so a wrong edit to the catalogue fails a test.
"""

from __future__ import annotations

import pytest

from forms.validation import parse_document
from tests.conftest import make_doc

HTN = {"high_blood_pressure": "yes"}

# rule_id -> (cases that must fire it, cases that must not). A case: (name, make_doc kwargs)
CASES: dict[str, tuple[list[tuple[str, dict]], list[tuple[str, dict]]]] = {
    "substance_use_active": (
        [("yes", {"substance_problem_current": "yes"}),
         ("unsure", {"substance_problem_current": "unsure"})],
        [("no", {"substance_problem_current": "no", "substance_problem_history": "yes"})],
    ),
    "substance_use_history": (
        [("yes", {"substance_problem_history": "yes"})],
        [("current only", {"substance_problem_current": "yes"})],
    ),
    "ketamine_misuse_history": (
        [("yes", {"ketamine_recreational_history": "yes"})],
        [("no", {"ketamine_recreational_history": "no"})],
    ),
    "bipolar_disorder": (
        [("yes", {"bipolar_disorder": "yes"}), ("unsure", {"bipolar_disorder": "unsure"})],
        [("bipolar depression as a reason only", {"reasons": ["bipolar_depression"]})],
    ),
    "mania_current": (
        [("yes", {"mania_current": "yes"}), ("unsure", {"mania_current": "unsure"})],
        [("bipolar, no mania", {"bipolar_disorder": "yes", "mania_current": "no"})],
    ),
    "psychosis_current": (
        [("yes", {"psychosis_current": "yes"}), ("unsure", {"psychosis_current": "unsure"})],
        [("history only", {"psychosis_history": "yes"})],
    ),
    "psychosis_history": (
        [("yes", {"psychosis_history": "yes"}), ("unsure", {"psychosis_history": "unsure"})],
        [("current only", {"psychosis_current": "yes"})],
    ),
    "suicidal_plan": (
        [("plan", {"suicidal_thoughts": "active_with_plan"}),
         ("attempt", {"suicide_attempt_past_year": "yes"})],
        [("passive", {"suicidal_thoughts": "passive"})],
    ),
    "suicidal_passive": (
        [("passive", {"suicidal_thoughts": "passive"})],
        [("plan", {"suicidal_thoughts": "active_with_plan"}), ("none", {})],
    ),
    "cognitive_disorder": (
        [("yes", {"cognitive_disorder": "yes"})],
        [("no", {})],
    ),
    "hypertension_uncontrolled": (
        [("not controlled", {**HTN, "blood_pressure_controlled": "no"}),
         ("unsure if controlled", {**HTN, "blood_pressure_controlled": "unsure"}),
         ("unsure if high", {"high_blood_pressure": "unsure"})],
        [("controlled", {**HTN, "blood_pressure_controlled": "yes"})],
    ),
    "hypertension_controlled": (
        [("controlled", {**HTN, "blood_pressure_controlled": "yes"})],
        [("not controlled", {**HTN, "blood_pressure_controlled": "no"}), ("no HTN", {})],
    ),
    "bp_severe": (
        [("systolic 160", {"systolic_bp": 160, "diastolic_bp": 80}),
         ("diastolic 100", {"systolic_bp": 150, "diastolic_bp": 100})],
        [("159/99", {"systolic_bp": 159, "diastolic_bp": 99}), ("no reading", {})],
    ),
    "bp_elevated": (
        [("systolic 140", {"systolic_bp": 140, "diastolic_bp": 80}),
         ("diastolic 90", {"systolic_bp": 130, "diastolic_bp": 90}),
         ("159/99", {"systolic_bp": 159, "diastolic_bp": 99})],
        [("139/89", {"systolic_bp": 139, "diastolic_bp": 89}),
         ("severe wins", {"systolic_bp": 150, "diastolic_bp": 104}),
         ("severe systolic", {"systolic_bp": 170, "diastolic_bp": 95})],
    ),
    "cardiac_unstable": (
        [(v, {"heart_conditions": [v]}) for v in (
            "heart_attack_last_6_weeks", "chest_pain_at_rest_or_worsening", "heart_failure",
            "irregular_heartbeat_symptomatic")],
        [("old MI", {"heart_conditions": ["heart_attack_earlier"]}), ("none", {})],
    ),
    "cardiac_history": (
        [(v, {"heart_conditions": [v]}) for v in ("heart_attack_earlier", "valve_disease",
                                                   "stroke_or_tia")],
        [("recent MI only", {"heart_conditions": ["heart_attack_last_6_weeks"]})],
    ),
    "aneurysm_avm": (
        [("yes", {"aneurysm_or_avm": "yes"}), ("unsure", {"aneurysm_or_avm": "unsure"})],
        [("no", {})],
    ),
    "brain_bleed": ([("yes", {"brain_bleed_history": "yes"})], [("no", {})]),
    "raised_intracranial_pressure": ([("yes", {"raised_brain_pressure": "yes"})], [("no", {})]),
    "thyroid_untreated": (
        [("unsure", {"thyroid_disease": "unsure"}),
         ("untreated", {"thyroid_disease": "overactive", "thyroid_treated": "no"})],
        [("treated", {"thyroid_disease": "underactive", "thyroid_treated": "yes"})],
    ),
    "glaucoma": ([("yes", {"glaucoma": "yes"})], [("no", {})]),
    "pregnancy": (
        [("yes", {"pregnant": "yes"}), ("unsure", {"pregnant": "unsure"})],
        [("no", {"pregnant": "no"}),
         ("male, not asked", {"sex_at_birth": "male", "signature_name": "Ann Lee"})],
    ),
    "breastfeeding": ([("yes", {"breastfeeding": "yes"})], [("no", {})]),
    "ketamine_reaction": ([("yes", {"ketamine_reaction": "yes"})], [("no", {})]),
    "liver_disease": ([("yes", {"liver_disease": "yes"})], [("no", {})]),
    "bladder_cystitis": ([("yes", {"bladder_pain_or_cystitis": "yes"})], [("no", {})]),
    "sleep_apnea": (
        [("treated", {"sleep_apnea": "treated"}), ("untreated", {"sleep_apnea": "untreated"}),
         ("BMI 40", {"height_cm": 160, "weight_kg": 103})],  # 40.2
        [("BMI 39.8", {"height_cm": 160, "weight_kg": 102}), ("no height", {"weight_kg": 150})],
    ),
    "seizure_disorder": ([("yes", {"seizures": "yes"})], [("no", {})]),
    "age_under_18": (
        [("17, turns 18 tomorrow", {"date_of_birth": "2008-11-22"})],
        [("18 today", {"date_of_birth": "2008-11-21"})],
    ),
    "age_over_65": (
        [("66", {"date_of_birth": "1960-01-01"})],
        [("65", {"date_of_birth": "1961-01-01"})],
    ),
    "heavy_alcohol_or_cannabis": (
        [("15 drinks", {"alcohol_drinks_per_week": 15}), ("daily cannabis", {"cannabis_use": "daily"})],
        [("14 drinks", {"alcohol_drinks_per_week": 14}),
         ("occasional cannabis", {"cannabis_use": "occasional"})],
    ),
    "no_escort": (
        [("no escort", {"escort_arranged": "no"}), ("driving", {"will_drive_after": "yes"})],
        [("escort, not driving", {})],
    ),
    "benzodiazepine": (
        [("Xanax", {"meds": ["Xanax 0.5mg prn"]}), ("xanex", {"meds": ["xanex 0.5 prn"]}),
         ("Librax", {"meds": ["Librax"]}), ("Valium", {"meds": ["valium 5 mg"]}),
         ("klonapin", {"meds": ["klonapin 1mg at bedtime"]})],
        [("past only", {"past": ["Ativan", "Valium"]}), ("clonidine", {"meds": ["clonidine 0.1mg"]}),
         ("Zantac", {"meds": ["Zantac"]})],
    ),
    "z_drug": (
        [("Ambien", {"meds": ["Ambien 10mg at bedtime"]}), ("Lunesta", {"meds": ["lunesta"]}),
         ("zaleplon", {"meds": ["zaleplon"]})],
        [("trazodone", {"meds": ["trazodone 50 mg"]})],
    ),
    "lamotrigine": (
        [("Lamictal", {"meds": ["Lamictal 200 mg"]}), ("lamotragine", {"meds": ["lamotragine"]})],
        [("Lamisil", {"meds": ["Lamisil"]}), ("terbinafine", {"meds": ["terbinafine 250"]})],
    ),
    "barbiturate": (
        [("Fioricet", {"meds": ["Fioricet for migraines"]}),
         ("phenobarbital", {"meds": ["phenobarbital 30mg"]})],
        [("Excedrin", {"meds": ["Excedrin"]})],
    ),
    "opioid": (
        [("Suboxone", {"meds": ["Suboxone 8/2 daily"]}), ("methadone", {"meds": ["methadone"]}),
         ("tramadol", {"meds": ["tramadol 50mg"]}), ("Percocet", {"meds": ["Percocet"]})],
        [("Narcan", {"meds": ["Narcan nasal spray"]}), ("naltrexone", {"meds": ["naltrexone"]})],
    ),
    "naltrexone": (
        [("Contrave", {"meds": ["Contrave"]}), ("LDN", {"meds": ["low dose naltrexone 4.5mg"]}),
         ("Vivitrol", {"meds": ["Vivitrol shot monthly"]})],
        [("Narcan", {"meds": ["Narcan"]}), ("naloxone", {"meds": ["naloxone"]})],
    ),
    "nmda_antagonist": (
        [("Namenda", {"meds": ["Namenda 10mg twice a day"]}),
         ("amantadine", {"meds": ["amantadine"]}), ("Delsym", {"meds": ["Delsym"]}),
         ("Nuedexta", {"meds": ["Nuedexta"]})],
        [("donepezil", {"meds": ["Aricept"]})],
    ),
    "stimulant": (
        [("adderal", {"meds": ["adderal XR 20mg mornings"]}), ("Provigil", {"meds": ["Provigil 200"]}),
         ("Vyvanse", {"meds": ["vivanse 30"]}), ("Ritalin", {"meds": ["Ritalin"]})],
        [("atomoxetine", {"meds": ["Strattera"]})],
    ),
    "maoi": (
        [("Emsam", {"meds": ["Emsam patch 6mg"]}), ("Nardil", {"meds": ["Nardil"]}),
         ("selegiline", {"meds": ["selegiline"]})],
        [("sertraline", {"meds": ["Zoloft 100mg"]})],
    ),
    "theophylline": (
        [("Theo-24", {"meds": ["Theo-24 400mg"]}), ("aminophylline", {"meds": ["aminophylline"]})],
        [("albuterol", {"meds": ["albuterol inhaler"]})],
    ),
    "decongestant": (
        [("Claritin-D", {"meds": ["Claritin-D for allergies"]}), ("Sudafed", {"meds": ["Sudafed"]}),
         ("Zyrtec-D", {"meds": ["zyrtec d"]})],
        [("Claritin", {"meds": ["Claritin"]}), ("cetirizine", {"meds": ["cetirizine 10mg"]})],
    ),
    "thyroid_hormone": (
        [("Synthroid", {"meds": ["Synthroid 75mcg"]}), ("Armour", {"meds": ["Armour Thyroid"]}),
         ("Cytomel", {"meds": ["Cytomel"]})],
        [("methimazole", {"meds": ["methimazole"]})],
    ),
    "cyp3a4_inducer": (
        [("St John's wort", {"meds": ["St. John's wort daily"]}),
         ("Tegretol", {"meds": ["Tegretol"]}), ("rifampin", {"meds": ["rifampin"]}),
         ("Dilantin", {"meds": ["Dilantin"]})],
        [("lamotrigine is not an inducer", {"meds": ["lamotrigine"]})],
    ),
    "medication_unrecognized": (
        [("gibberish", {"meds": ["the blue pill from Dr K"]}),
         ("ambiguous look-alike", {"meds": ["lamisal"]})],
        [("past gibberish", {"past": ["qwzzx"]}), ("known", {"meds": ["lisinopril 10 mg"]})],
    ),
}


def _params(kind: int):
    for rule_id, cases in CASES.items():
        for name, kwargs in cases[kind]:
            yield pytest.param(rule_id, kwargs, id=f"{rule_id}-{name}")


def _fired(engine, kwargs: dict) -> dict:
    screening = parse_document(make_doc(**kwargs))
    return {f.rule_id: f for f in engine.evaluate(screening).flags}


@pytest.mark.parametrize(("rule_id", "kwargs"), list(_params(0)))
def test_rule_fires(engine, rule_id, kwargs):
    fired = _fired(engine, kwargs)
    assert rule_id in fired, f"{rule_id} did not fire; fired: {sorted(fired)}"
    assert fired[rule_id].evidence, "a flag must carry its evidence"


@pytest.mark.parametrize(("rule_id", "kwargs"), list(_params(1)))
def test_rule_does_not_fire(engine, rule_id, kwargs):
    assert rule_id not in _fired(engine, kwargs)


def test_clean_document_raises_no_flag(engine):
    assert _fired(engine, {}) == {}


def test_every_rule_has_cases_and_a_source(engine):
    for rule in engine.catalogue.rules:
        fires, spares = CASES.get(rule.id, ([], []))
        assert fires, f"{rule.id}: no firing case"
        assert spares, f"{rule.id}: no non-firing case"
        assert rule.source.strip(), f"{rule.id}: no source"
    assert set(CASES) == {r.id for r in engine.catalogue.rules}, "cases for unknown rules"
