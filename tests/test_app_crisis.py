"""Crisis help on the step and on the confirmation page (AppTest)."""

from __future__ import annotations

import copy

import pytest

from tests.apptest_helpers import click_next, complete_intake, current_step, fill_step, new_app, texts
from tests.conftest import CLEAN_ANSWERS


@pytest.fixture(autouse=True)
def fresh_database(store_db, monkeypatch):
    for name in ("ALERT_EMAIL", "ALERT_WEBHOOK_URL", "SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALERT_DELIVERY_IN_APP", "0")
    return store_db


def links(at) -> list[str]:
    return sorted(el.proto.url for el in at.get("link_button"))


def to_mental_health(at) -> None:
    at.button(key="start").click().run()
    fill_step(at, CLEAN_ANSWERS)
    click_next(at)
    assert current_step(at).id == "mental_health"


@pytest.mark.parametrize(("code", "value"), [("suicidal_thoughts", "active_with_plan"),
                                             ("suicide_attempt_past_year", "yes")])
def test_callout_appears_at_once_and_goes_when_the_answer_changes(code, value):
    at = new_app()
    to_mental_health(at)
    assert links(at) == []
    at.radio(key=f"q_{code}").set_value(value).run()
    assert links(at) == ["sms:988", "tel:988"]
    assert "If you are in danger now, call [911](tel:911)" in texts(at)
    at.radio(key=f"q_{code}").set_value(CLEAN_ANSWERS[code]).run()
    assert links(at) == [] and "911" not in texts(at)


@pytest.mark.parametrize(("channel", "said"), [
    ({}, "do not wait for their call"),
    ({"ALERT_WEBHOOK_URL": "https://hooks.clinic.test/x"}, "The clinic has been alerted"),
])
def test_confirmation_repeats_it_and_says_whether_the_clinic_was_alerted(monkeypatch, channel, said):
    for name, value in channel.items():
        monkeypatch.setenv(name, value)
    answers = copy.deepcopy(CLEAN_ANSWERS)
    answers["suicidal_thoughts"] = "active_with_plan"
    at = new_app()
    complete_intake(at, answers)
    assert "Your answers were sent" in texts(at)
    assert said in texts(at)
    assert links(at) == ["sms:988", "tel:988"]


def test_no_callout_on_a_calm_confirmation():
    at = new_app()
    complete_intake(at, copy.deepcopy(CLEAN_ANSWERS))
    assert "Your answers were sent" in texts(at) and links(at) == []


def test_crisis_help_is_in_the_patients_language():
    at = new_app()
    at.radio(key="language_choice").set_value("es").run()
    to_mental_health(at)
    at.radio(key="q_suicidal_thoughts").set_value("active_with_plan").run()
    shown = texts(at)
    assert "Gracias por decírnoslo" in shown and "llame al [911](tel:911)" in shown
    assert [b.proto.label for b in at.get("link_button")] == ["Llamar al 988", "Mensaje al 988"]
    assert links(at) == ["sms:988", "tel:988"]
    assert "You do not have to wait" not in shown and "Thank you for telling us" not in shown


def _order(at) -> list[str]:
    """The keys of the step's radios and the crisis help's container, in page order."""
    keys = []

    def walk(node) -> None:
        key = getattr(node, "key", None)
        if key and (key.startswith("q_") or key == "crisis_help"):
            keys.append(key)
        for child in getattr(node, "children", {}).values():
            walk(child)
    walk(at.main)
    return keys


@pytest.mark.parametrize(("code", "value"), [("suicidal_thoughts", "active_with_plan"),
                                             ("suicide_attempt_past_year", "yes")])
def test_the_help_is_drawn_right_under_the_answer_that_raised_it(code, value):
    """On a phone the step's later questions would push help drawn at the foot of the step
    off the screen of a patient who just chose a plan or an attempt."""
    at = new_app()
    to_mental_health(at)
    at.radio(key=f"q_{code}").set_value(value).run()
    order = _order(at)
    assert order.count("crisis_help") == 1
    assert order[order.index(f"q_{code}") + 1] == "crisis_help", order
    fill_step(at, {**CLEAN_ANSWERS, code: value})
    click_next(at)  # a later step: once, at the foot
    assert current_step(at).id != "mental_health"
    assert links(at) == ["sms:988", "tel:988"] and _order(at)[-1] == "crisis_help"
