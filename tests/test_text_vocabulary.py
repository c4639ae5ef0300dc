"""Splitting a medication line into words, and the vocabulary that reads the non-drug words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import text as text_module
from rules.text import BREAK, category, fold, key, line_tokens
from rules.vocabulary import VocabularyError, load_vocabulary

SPLITS = [
    ("Ativan2mg", ["ativan", "2mg"]),
    ("lamictal25mg, Klonopin0.5", ["lamictal", "25mg", BREAK, "klonopin", "0.5"]),
    ("Celexa 20 w/ ativn", ["celexa", "20", "with", "ativn"]),
    ("Xanax/Zoloft (for sleep)", ["xanax", BREAK, "zoloft", BREAK, "for", "sleep"]),
    ("Percocet 5/325 q4h prn", ["percocet", "5/325", "q4h", "prn"]),
    ("½ tab 8am #30 x2", ["1/2", "tab", "8am", "#30", "x2"]),
    ("Lorazépam 1 mg", ["lorazepam", "1", "mg"]),
    ("75µg", ["75mcg"]),
    ("Advil Cold & Sinus", ["advil", "cold", "&", "sinus"]),
    ("Lexapro 10mg\nXanax", ["lexapro", "10mg", BREAK, "xanax"]),
    ("Zoloft; Xanax", ["zoloft", BREAK, "xanax"]),
    ("Xanax™ 1mg", ["xanax", "1mg"]),
    ("B12 1000mcg", ["b12", "1000mcg"]),  # one letter before digits: a name, not a glued dose
    ("Levo T2mg", ["levo", "t", "2mg"]),  # the last word of a longer name, a dose glued
    ("Ксанакс2mg", ["ксанакс", "2mg"]),  # letters beyond ASCII: the glued dose still split
]


@pytest.mark.parametrize(("text", "words"), SPLITS)
def test_line_tokens(text, words):
    assert line_tokens(fold(text)) == words


def test_keys_of_names_and_lines_agree():
    assert key("Claritin-D") == "claritin d"
    assert key("Tylenol w/ Codeine") == "tylenol with codeine"


CATEGORIES = [("po", "route"), ("qhs", "frequency"), ("tds", "frequency"), ("nocte", "frequency"),
              ("mane", "frequency"), ("succ", "salt"), ("mcg", "unit"), ("xl", "form"),
              ("anxiety", "purpose"), ("nerves", "purpose"), ("for", "purpose_marker"),
              ("sinus", "context_purposes"), ("5/325", "dose"), ("#30", "dose"), ("x2", "dose"),
              ("8am", "dose"), ("qwzzx", None), ("xanax", None)]


@pytest.mark.parametrize(("word", "expected"), CATEGORIES)
def test_word_categories(word, expected):
    assert category(word) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("version: '1'\ncategories:\n  unit: mg\n  form: mg\n", "'mg' is already in unit"),
    ("version: '1'\ncategories:\n  unit: MG\n", "'MG' must be lowercase"),
    ("version: '1'\ncategories:\n  units: mg\n", "categories.units"),
    ("version: '1'\ncategories: [unclosed\n", "cannot read"),
])
def test_a_broken_vocabulary_fails_at_load_naming_the_file(tmp_path: Path, text, message):
    path = tmp_path / "vocabulary.yaml"
    path.write_text(text)
    with pytest.raises(VocabularyError) as caught:
        load_vocabulary(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)


def test_no_vocabulary_word_hides_a_watched_drug(engine):
    """A vocabulary word that is also a curated name is read as the drug (unless after
    "for"): only "thyroid", "iron" and the like, never a drug name a rule watches by itself."""
    from rules.vocabulary import VOCABULARY

    clashes = {w for w in VOCABULARY if w in engine.lexicon.curated}
    assert clashes <= {"insulin", "iron", "probiotics", "testosterone", "thyroid"}


# Letters, digits and every punctuation line_tokens treats specially, from ASCII and beyond.
_LINE_CHARS = st.sampled_from([*"abtxyzé ñ Ж0123456789٢²½.,;:/()[]{}|•·*#%&+-'™µ\n\t",
                               "mg", "2mg", "0.5", "w/", "w/o", "xanax", "levo t", "ксанакс"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE_CHARS, max_size=14).map("".join))
def test_line_tokens_shortcuts_never_change_the_words(line):
    """line_tokens skips the glued-dose scans on a line with no letter before a digit, and the
    splitting on a line with no punctuation: with both shortcuts off (every line taken the
    long way) the words are the same, so a change to the glued patterns or the separators
    that the shortcuts' guards do not follow fails here rather than changing a reading."""
    folded = fold(line)
    quick = line_tokens(folded)
    always = re.compile("")  # matches every line: no shortcut taken
    saved = (text_module._LETTER_DIGIT_RE, text_module._ASCII_LETTER_DIGIT_RE, text_module._PUNCT_RE)
    try:
        text_module._LETTER_DIGIT_RE = text_module._ASCII_LETTER_DIGIT_RE = always
        text_module._PUNCT_RE = always
        slow = line_tokens(folded)
    finally:
        text_module._LETTER_DIGIT_RE, text_module._ASCII_LETTER_DIGIT_RE, text_module._PUNCT_RE = saved
    assert quick == slow
