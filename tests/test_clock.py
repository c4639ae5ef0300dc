"""Age on the patient's own calendar date; the clinic's time zone (CLINIC_TIMEZONE)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from forms.clock import ClockError, clinic_timezone, now_in_clinic
from forms.validation import parse_document
from rules.engine import get_engine
from tests.conftest import make_doc


def _doc(submitted_at: str, birth: str) -> dict:
    doc = make_doc(date_of_birth=birth)
    doc["submitted_at"] = submitted_at
    return doc


# (submitted_at, date of birth, expected age, expected reference date)
AGES = [
    # California, 8 pm on the eve of her 18th birthday: still 17 (UTC says the 22nd).
    ("2026-11-21T20:00:00-08:00", "2008-11-22", 17, date(2026, 11, 21)),
    ("2026-11-22T00:30:00-08:00", "2008-11-22", 18, date(2026, 11, 22)),
    # Sydney, 7 am on her birthday: 18 (UTC still says the day before).
    ("2026-11-22T07:00:00+11:00", "2008-11-22", 18, date(2026, 11, 22)),
    ("2026-11-22T04:00:00Z", "2008-11-22", 18, date(2026, 11, 22)),
    ("2026-11-21T23:59:59Z", "2008-11-22", 17, date(2026, 11, 21)),
]


@pytest.mark.parametrize(("submitted_at", "birth", "age", "reference"), AGES)
def test_age_uses_the_calendar_date_in_the_submission_offset(submitted_at, birth, age, reference):
    screening = parse_document(_doc(submitted_at, birth))
    assert screening.age == age
    assert screening.reference_date == reference


def test_eve_of_18th_birthday_in_california_defers():
    screening = parse_document(_doc("2026-11-21T20:00:00-08:00", "2008-11-22"))
    rules = {f.rule_id for f in get_engine().evaluate(screening).flags}
    assert "age_under_18" in rules


def test_stored_document_keeps_the_offset_and_re_evaluates_the_same():
    screening = parse_document(_doc("2026-11-21T20:00:00-08:00", "2008-11-22"))
    again = parse_document(screening.to_document())
    assert screening.to_document()["submitted_at"] == "2026-11-21T20:00:00-08:00"
    assert again.age == 17 and again.submitted_at == screening.submitted_at


def test_clinic_timezone_defaults_to_utc(monkeypatch):
    monkeypatch.delenv("CLINIC_TIMEZONE", raising=False)
    assert clinic_timezone().key == "UTC"
    assert now_in_clinic().utcoffset() == timedelta(0)


def test_clinic_timezone_from_environment(monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/Los_Angeles")
    assert clinic_timezone().key == "America/Los_Angeles"
    assert now_in_clinic().utcoffset() in (timedelta(hours=-8), timedelta(hours=-7))


@pytest.mark.parametrize("name", ["Mars/Olympus", "PST8PDT-nonsense", "../etc/passwd", "America/"])
def test_an_invalid_clinic_timezone_is_a_clear_error(monkeypatch, name):
    monkeypatch.setenv("CLINIC_TIMEZONE", name)
    with pytest.raises(ClockError, match=r"CLINIC_TIMEZONE=.* is not an IANA time zone name"):
        clinic_timezone()


def test_a_document_without_submitted_at_uses_today_in_the_clinic(monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "Pacific/Kiritimati")  # UTC+14: often a day ahead
    screening = parse_document(make_doc() | {"submitted_at": None})
    assert screening.reference_date == now_in_clinic().date()


def test_the_intake_date_pickers_use_the_clinic_calendar(monkeypatch):
    """The birth-date picker's "today" (its latest allowed date) is the clinic's date: at
    any instant UTC+14 and UTC-11 are on different calendar days, so a UTC "today" fails."""
    from app_pages.questions import today

    monkeypatch.setenv("CLINIC_TIMEZONE", "Pacific/Kiritimati")
    east = today()
    monkeypatch.setenv("CLINIC_TIMEZONE", "Pacific/Pago_Pago")
    west = today()
    assert east - west in (timedelta(days=1), timedelta(days=2))
