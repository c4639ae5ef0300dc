"""Translations live beside the questionnaire data; a string without one fails here."""

from __future__ import annotations

import ast
import re

import pytest
import yaml

from forms import i18n
from forms.definition import QUESTIONS, SECTIONS
from forms.patient_messages import KINDS
from forms.visit_prep import load_visit_prep
from tests.conftest import ROOT


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


# Page wording that reads the same in both languages (checked by hand).
SAME_IN_SPANISH = {"language", "no", "weight_shown"}


def test_every_page_string_is_translated_not_copied():
    """A Spanish file that copies the English (e.g. the invitation email, the default clinic
    name or the loading spinner, the last English strings of issue 12) fails here."""
    tx = i18n.Text("es")
    assert {k for k in i18n.UI if tx.ui(k) == i18n.UI[k]} == SAME_IN_SPANISH
    for key in ("clinic_default", "loading", "mail_invitation_subject", "mail_invitation_body"):
        assert key in tx.data.ui, key


def test_an_unknown_language_falls_back_to_english():
    assert i18n.Text("xx").ui("next") == "Next"


# British spellings a US patient would stumble on (issue 12), as stems of words.
BRITISH = re.compile(r"\b(\w*(tumour|colour|favour|behaviour|honour|labour|recognis|organis|"
                     r"realis|apologis|haem|anaes|oedema|paediatr|oesophag|diarrhoea|foet|centre|"
                     r"metre|litre|fibre|programme|travell|counsell|licence|defence|judgement|"
                     r"whilst|grey|cheque|practis|ageing)\w*)\b", re.IGNORECASE)
# Pages and messages the patient reads whose wording is not in the tables above.
PATIENT_MODULES = ("app_pages/intake.py", "app_pages/crisis.py", "app_pages/prep.py",
                   "app_pages/invitation_entry.py", "app_pages/questions.py", "forms/prep.py",
                   "forms/units.py", "store/patient_mail.py")


def _english_patient_text() -> list[tuple[str, str]]:
    """(where, text) for every English string a patient can read."""
    found = [(f"ui.{k}", v) for k, v in i18n.UI.items()]
    found += [(f"sections.{s.id}", f"{s.title} {s.intro}") for s in SECTIONS]
    for q in QUESTIONS:
        found.append((f"questions.{q.code}", " ".join([q.label, q.help, q.unit,
                                                        *(o.label for o in q.options)])))
    prep = load_visit_prep()
    found += [("visit_prep", t) for t in (prep.title, *prep.items, *prep.next_steps)]
    found += [(f"drug_classes.{c}", label) for c, label in i18n.drug_class_ids().items()]
    found += [(f"problems.{k.name}", k.text["en"]) for k in KINDS]
    for module in PATIENT_MODULES:  # string constants only: comments and docstrings are code
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef) and n.body
                      and isinstance(n.body[0], ast.Expr)}
        found += [(f"{module}:{n.lineno}", n.value) for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str)
                  and id(n) not in docstrings]
    return found


def test_the_patient_side_uses_us_spellings():
    text = _english_patient_text()
    assert len(text) > 300
    british = [(where, m.group(1)) for where, t in text for m in BRITISH.finditer(t)]
    assert british == []


def test_the_spelling_check_finds_a_british_word():
    assert [m.group(1) for m in BRITISH.finditer("A brain Tumour; I recognised the colour")] == [
        "Tumour", "recognised", "colour"]
