"""Translations live beside the questionnaire data; a string without one fails here."""

from __future__ import annotations

import pytest
import yaml

from forms import i18n
from forms.definition import QUESTIONS
from forms.patient_messages import KINDS


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_every_patient_string_has_a_translation(language):
    assert i18n.missing(language) == []


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_every_plain_word_problem_has_a_translation(language):
    assert [k.name for k in KINDS if not k.text.get(language)] == []


def test_missing_finds_a_removed_string(tmp_path, monkeypatch):
    data = yaml.safe_load((i18n.I18N_DIR / "es.yaml").read_text(encoding="utf-8"))
    del data["questions"]["glaucoma"]["options"]["no"]
    del data["ui"]["next"]
    del data["drug_classes"]["benzodiazepine"]
    data["visit_prep"]["items"].pop()
    (tmp_path / "es.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(i18n, "I18N_DIR", tmp_path)
    i18n.load.cache_clear()
    try:
        gaps = i18n.missing("es")
    finally:
        i18n.load.cache_clear()
    assert "questions.glaucoma.options.no" in gaps
    assert "ui.next" in gaps
    assert "drug_classes.benzodiazepine" in gaps
    assert any(g.startswith("visit_prep") for g in gaps)


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["questions"].update(glaucomma={"label": "x"}), "questions.glaucomma"),
    (lambda d: d["ui"].update(progress="Paso {n}"), "ui.progress: placeholders"),
    (lambda d: d["questions"]["glaucoma"]["options"].update(maybe="Quizá"),
     "questions.glaucoma.options.maybe"),
])
def test_a_typo_fails_at_load_with_its_location(tmp_path, monkeypatch, change, where):
    data = yaml.safe_load((i18n.I18N_DIR / "es.yaml").read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "es.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(i18n, "I18N_DIR", tmp_path)
    i18n.load.cache_clear()
    try:
        with pytest.raises(i18n.TranslationError, match=where.replace("{", r"\{")):
            i18n.load("es")
    finally:
        i18n.load.cache_clear()


def test_english_text_comes_from_the_question_table():
    tx = i18n.Text("en")
    for question in QUESTIONS:
        assert tx.label(question) == question.label
        for option in question.options:
            assert tx.option(question, option.value) == option.label


def test_spanish_text_differs_from_english_for_every_question():
    tx = i18n.Text("es")
    same = [q.code for q in QUESTIONS if tx.label(q) == q.label]
    assert same == []


def test_an_unknown_language_falls_back_to_english():
    assert i18n.Text("xx").ui("next") == "Next"
