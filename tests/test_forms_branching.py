from __future__ import annotations

import pytest

from forms.branching import asked_questions, prune_hidden


@pytest.mark.parametrize(("answers", "section", "shown", "hidden"), [
    ({"sex_at_birth": "male"}, "about", set(), {"pregnant", "breastfeeding"}),
    ({"sex_at_birth": "female"}, "about", {"pregnant", "breastfeeding"}, set()),
    ({"sex_at_birth": "intersex"}, "about", {"pregnant", "breastfeeding"}, set()),
    ({}, "about", set(), {"pregnant", "breastfeeding"}),
    ({"high_blood_pressure": "yes"}, "cardiovascular", {"blood_pressure_controlled"}, set()),
    ({"high_blood_pressure": "unsure"}, "cardiovascular", set(), {"blood_pressure_controlled"}),
    ({"thyroid_disease": "underactive"}, "other_health", {"thyroid_treated"}, set()),
    ({"thyroid_disease": "unsure"}, "other_health", set(), {"thyroid_treated"}),
])
def test_follow_ups_show_only_when_their_condition_holds(answers, section, shown, hidden):
    codes = {q.code for q in asked_questions(answers, section)}
    assert shown <= codes
    assert not hidden & codes


def test_a_later_change_drops_the_hidden_answer():
    answers = {"sex_at_birth": "female", "pregnant": "yes", "breastfeeding": "no",
               "high_blood_pressure": "yes", "blood_pressure_controlled": "no"}
    answers.update(sex_at_birth="male", high_blood_pressure="no")
    assert prune_hidden(answers) == {"sex_at_birth": "male", "high_blood_pressure": "no"}
