"""Shared fixtures: the engine (built once per test session) and a clean document builder."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from forms.branching import prune_hidden

# Fixtures registered once for every suite: the store's (store_db, sqlite_db, store_url)
# and the real browser's (browser, server).
pytest_plugins = ("store.testing", "tests.browser")

ROOT = Path(__file__).resolve().parent.parent
SHARED_VIGNETTES = ROOT.parent / "shared" / "vignettes"
OWN_CASES = Path(__file__).resolve().parent / "cases"

# A screening that raises no flag at all: every later case changes only what it tests.
CLEAN_ANSWERS: dict[str, Any] = {
    "first_name": "Ann", "last_name": "Lee", "date_of_birth": "1985-06-15",
    "sex_at_birth": "female", "pregnant": "no", "breastfeeding": "no", "reasons": ["depression"],
    "bipolar_disorder": "no", "mania_current": "no", "psychosis_current": "no",
    "psychosis_history": "no", "suicidal_thoughts": "none", "suicide_attempt_past_year": "no",
    "cognitive_disorder": "no", "substance_problem_current": "no",
    "substance_problem_history": "no", "ketamine_recreational_history": "no",
    "alcohol_drinks_per_week": 2, "cannabis_use": "none", "high_blood_pressure": "no",
    "heart_conditions": ["none"], "aneurysm_or_avm": "no", "brain_bleed_history": "no",
    "raised_brain_pressure": "no", "thyroid_disease": "none", "glaucoma": "no",
    "liver_disease": "no", "bladder_pain_or_cystitis": "no", "sleep_apnea": "none",
    "seizures": "no", "ketamine_reaction": "no", "allergies": "",
    "takes_no_medications": True, "medications": [],
    "escort_arranged": "yes", "will_drive_after": "no", "fasting_understood": True,
    "consent_accurate": True, "signature_name": "Ann Lee",
}
SUBMITTED_AT = "2026-11-21T14:00:00Z"


def make_doc(meds: list[str] | None = None, past: list[str] | None = None,
             **overrides: Any) -> dict[str, Any]:
    """A valid document: the clean answers with overrides; ``meds`` are current medications."""
    answers = copy.deepcopy(CLEAN_ANSWERS)
    answers.update(overrides)
    medications = [{"name": m, "dose": "", "frequency": "", "status": "current"}
                   for m in meds or []]
    medications += [{"name": m, "dose": "", "frequency": "", "status": "past"} for m in past or []]
    if medications:
        answers["medications"] = medications
        answers["takes_no_medications"] = not any(m["status"] == "current" for m in medications)
    answers = {k: v for k, v in answers.items() if v is not None}
    return {"form_version": "1", "answers": prune_hidden(answers), "submitted_at": SUBMITTED_AT}


# Suites that touch the database run a second time on PostgreSQL (scripts/test.sh).
POSTGRES_SUITES = ("test_store_", "test_exports_", "test_app_", "test_browser_",
                   "test_concurrency", "test_crash", "test_hostile_store", "test_services_")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name.startswith(POSTGRES_SUITES):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def engine():
    from rules.engine import get_engine

    return get_engine()


@pytest.fixture(autouse=True)
def background_work_stays_in_its_test(monkeypatch):
    """The app's background work (database, drug dictionary, draft purge, alert sender)
    begins at once in tests and is finished before the test's settings are undone: delayed
    by services.START_AFTER_S and left running, it read the next test's DATABASE_URL and
    alert settings (a purge started by one test deleted another test's drafts). Only where
    the app is driven by AppTest (which imports apptest_helpers), so the core's tests
    never import Streamlit."""
    import sys

    if "tests.apptest_helpers" not in sys.modules:
        yield
        return
    from app_pages import services

    monkeypatch.setattr(services, "START_AFTER_S", 0.0)
    yield
    services.join_background(timeout=120)
