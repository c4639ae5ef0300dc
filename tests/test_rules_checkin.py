"""Check-in rules, table-driven: each rule fires on its case and stays quiet on its
neighbour; validation names the field; the facts use the visit-prep fasting hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from forms.checkin import CHECKIN_FACTS, CheckIn, CheckInProblem, check_checkin, checkin_facts
from rules.catalogue import CatalogueError, parse_catalogue
from rules.engine import build_engine

CHECKED_IN = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
APPOINTMENT = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine():
    return build_engine(with_dictionary=False)


def checkin(**changes: Any) -> dict[str, Any]:
    """A check-in that raises no flag: fasted 6 h from food and 2 h from liquids before 14:00."""
    data: dict[str, Any] = {
        "checked_in_at": CHECKED_IN.isoformat(),
        "last_food_at": (APPOINTMENT - timedelta(hours=7)).isoformat(),
        "last_clear_liquid_at": (APPOINTMENT - timedelta(hours=3)).isoformat(),
        "escort_present": True, "escort_name": "Sam Lee", "escort_phone": "+1 555 123 4567",
        "sedatives_taken": False, "sedatives": [],
        "new_medicines_any": False, "new_medicines": [],
        "systolic_bp": 128, "diastolic_bp": 82, "heart_rate": 74,
    }
    data.update(changes)
    return data


def flags_of(engine, data: dict[str, Any], appointment: datetime | None = APPOINTMENT) -> list[str]:
    model = check_checkin(data)
    assert isinstance(model, CheckIn), model
    return [f.rule_id for f in engine.evaluate_checkin(model, appointment).flags]


def dose(name: str, hours_ago: float) -> dict[str, str]:
    return {"name": name, "taken_at": (CHECKED_IN - timedelta(hours=hours_ago)).isoformat()}


CASES = [
    ("nothing", {}, []),
    ("food-5h-before-start", {"last_food_at": (APPOINTMENT - timedelta(hours=5)).isoformat()},
     ["checkin_fasting_food"]),
    ("food-exactly-6h", {"last_food_at": (APPOINTMENT - timedelta(hours=6)).isoformat()}, []),
    ("liquid-1h-before", {"last_clear_liquid_at": (APPOINTMENT - timedelta(hours=1)).isoformat()},
     ["checkin_fasting_clear_liquids"]),
    ("liquid-exactly-2h", {"last_clear_liquid_at": (APPOINTMENT - timedelta(hours=2)).isoformat()},
     []),
    ("no-escort", {"escort_present": False, "escort_name": None, "escort_phone": None},
     ["checkin_no_escort"]),
    ("bp-severe-systolic", {"systolic_bp": 160}, ["checkin_bp_severe"]),
    ("bp-severe-diastolic", {"diastolic_bp": 100}, ["checkin_bp_severe"]),
    ("bp-elevated-not-also-severe", {"systolic_bp": 165, "diastolic_bp": 95}, ["checkin_bp_severe"]),
    ("bp-elevated", {"systolic_bp": 140}, ["checkin_bp_elevated"]),
    ("bp-elevated-diastolic", {"diastolic_bp": 90}, ["checkin_bp_elevated"]),
    ("bp-high-normal", {"systolic_bp": 139, "diastolic_bp": 89}, []),
    ("hr-fast", {"heart_rate": 111}, ["checkin_heart_rate"]),
    ("hr-slow", {"heart_rate": 49}, ["checkin_heart_rate"]),
    ("hr-edges", {"heart_rate": 110}, []),
    ("benzo-today", {"sedatives_taken": True, "sedatives": [dose("Xanax 0.5 mg", 3)]},
     ["checkin_benzodiazepine_today"]),
    ("lamotrigine-today", {"sedatives_taken": True, "sedatives": [dose("lamotrigine 100mg", 12)]},
     ["checkin_lamotrigine_today"]),
    ("sedative-unread", {"sedatives_taken": True, "sedatives": [dose("blue pill", 2)]},
     ["checkin_medication_unrecognized"]),
    ("new-flagged-medicine", {"new_medicines_any": True, "new_medicines": ["Adderall 10 mg"]},
     ["checkin_new_medicine_flagged", "checkin_new_medicine"]),
    ("new-benzo-is-not-taken-today", {"new_medicines_any": True, "new_medicines": ["clonazepam"]},
     ["checkin_new_medicine_flagged", "checkin_new_medicine"]),
    ("new-plain-medicine", {"new_medicines_any": True, "new_medicines": ["amoxicillin"]},
     ["checkin_new_medicine"]),
    ("new-unread-medicine", {"new_medicines_any": True, "new_medicines": ["zzqx tablets"]},
     ["checkin_medication_unrecognized", "checkin_new_medicine"]),
]


@pytest.mark.parametrize(("name", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_checkin_rules(engine, name, changes, expected):
    assert flags_of(engine, checkin(**changes)) == expected


def test_every_checkin_rule_has_a_firing_case(engine):
    fired = {rule for _, _, expected in CASES for rule in expected}
    assert fired == {r.id for r in engine.catalogue.checkin_rules}


def test_flags_explain_themselves(engine):
    model = check_checkin(checkin(last_food_at=(APPOINTMENT - timedelta(hours=4.5)).isoformat(),
                                  sedatives_taken=True, sedatives=[dose("Xanax", 3)]))
    evaluation = engine.evaluate_checkin(model, APPOINTMENT)
    food = next(f for f in evaluation.flags if f.rule_id == "checkin_fasting_food")
    assert food.severity == "defer" and "ASA" in food.source
    assert food.evidence[0].describe() == ("food_fast_short_hours = last food 4.5 h before the "
                                           "start (6 h needed)")
    benzo = next(f for f in evaluation.flags if f.rule_id == "checkin_benzodiazepine_today")
    assert benzo.evidence[0].kind == "medication" and benzo.evidence[0].generic == "alprazolam"
    assert [m.text for m in evaluation.medications] == ["Xanax"]  # every reading is kept


def test_walk_in_fasts_from_the_check_in_time(engine):
    # No appointment: the infusion starts at check-in (13:30), so food at 08:00 is 5.5 h.
    data = checkin(last_food_at=(CHECKED_IN - timedelta(hours=5.5)).isoformat())
    assert flags_of(engine, data, appointment=None) == ["checkin_fasting_food"]
    assert flags_of(engine, checkin(), appointment=None) == []


def test_arriving_after_the_appointment_counts_from_arrival(engine):
    late = CHECKED_IN.replace(hour=15)
    data = checkin(checked_in_at=late.isoformat(),
                   last_food_at=(late - timedelta(hours=6)).isoformat())
    assert flags_of(engine, data) == []  # 5 h before 14:00, but 6 h before the 15:00 arrival


def test_facts_use_the_visit_prep_hours():
    model = check_checkin(checkin(last_food_at=(APPOINTMENT - timedelta(hours=4)).isoformat()))
    facts = checkin_facts(model, APPOINTMENT)
    assert set(facts) == set(CHECKIN_FACTS) and facts["food_fast_short_hours"] == 2.0
    assert facts["clear_liquid_fast_short_hours"] == 0.0


PROBLEMS = [
    ("missing-vital", {"systolic_bp": None}, "systolic_bp", "is required"),
    ("vital-not-a-number", {"heart_rate": "fast"}, "heart_rate", "valid integer"),
    ("bp-out-of-range", {"systolic_bp": 400}, "systolic_bp", "less than or equal to 300"),
    ("diastolic-above-systolic", {"diastolic_bp": 130}, "diastolic_bp", "lower than the systolic"),
    ("escort-without-name", {"escort_name": ""}, "escort_name", "required when the escort"),
    ("escort-bad-phone", {"escort_phone": "call me"}, "escort_phone", "not a phone number"),
    ("food-in-the-future", {"last_food_at": (CHECKED_IN + timedelta(hours=1)).isoformat()},
     "last_food_at", "after the check-in time"),
    ("sedative-yes-but-none", {"sedatives_taken": True}, "sedatives", "name the medicine"),
    ("sedative-too-old", {"sedatives_taken": True, "sedatives": [dose("Xanax", 30)]},
     "sedatives.0.taken_at", "more than 24 hours"),
    ("new-yes-but-none", {"new_medicines_any": True}, "new_medicines", "type each new medicine"),
    ("naive-time", {"last_food_at": "2026-12-03T08:00:00"}, "last_food_at", "timezone"),
    ("unknown-field", {"pulse": 70}, "pulse", "Extra inputs"),
]


@pytest.mark.parametrize(("name", "changes", "field", "words"), PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_bad_checkins_name_the_field(name, changes, field, words):
    problems = check_checkin(checkin(**changes))
    assert isinstance(problems, list)
    found = [p for p in problems if p.field == field]
    assert found and words in found[0].message, problems
    assert isinstance(found[0], CheckInProblem) and found[0].text()


CATALOGUE_ERRORS = [
    ("answers-are-not-check-in-facts",
     {"compare": {"value": "systolic_bp", "op": ">", "than": 1}}, "not a check-in fact"),
    ("no-answer-conditions", {"answer_in": {"code": "pregnant", "values": ["yes"]}},
     "reads check-in facts"),
    ("nested-unknown-fact", {"any": [{"compare": {"value": "pulse", "op": ">", "than": 1}}]},
     "'pulse' is not a check-in fact"),
    ("unknown-drug-class", {"medication_class": ["benzo"]}, "unknown drug class"),
]


@pytest.mark.parametrize(("name", "when", "message"), CATALOGUE_ERRORS,
                         ids=[c[0] for c in CATALOGUE_ERRORS])
def test_checkin_rule_typos_fail_at_load_with_their_location(engine, name, when, message):
    raw = {"version": "t", "rules": [{"id": "r1", "severity": "info", "reason": "a reason here",
                                      "source": "src", "when": {"compare": {"value": "age",
                                                                           "op": ">", "than": 1}}}],
           "checkin_rules": [{"id": "c1", "severity": "defer", "reason": "a reason here",
                              "source": "src", "when": when}]}
    with pytest.raises(CatalogueError, match=message) as err:
        parse_catalogue(raw, "cat.yaml", set(engine.lexicon.class_labels))
    assert "cat.yaml: check-in rule 'c1'" in str(err.value)


def test_checkin_rule_ids_do_not_repeat_screening_rule_ids(engine):
    raw = {"version": "t", "rules": [{"id": "r1", "severity": "info", "reason": "a reason here",
                                      "source": "src", "when": {"compare": {"value": "age",
                                                                           "op": ">", "than": 1}}}],
           "checkin_rules": [{"id": "r1", "severity": "defer", "reason": "a reason here",
                              "source": "src", "medicines": "sometimes",
                              "when": {"compare": {"value": "escort_present", "op": "<",
                                                   "than": 1}}}]}
    with pytest.raises(CatalogueError, match="medicines"):
        parse_catalogue(raw, "cat.yaml", set(engine.lexicon.class_labels))
    raw["checkin_rules"][0]["medicines"] = "all"
    with pytest.raises(CatalogueError, match="duplicate rule id"):
        parse_catalogue(raw, "cat.yaml", set(engine.lexicon.class_labels))
