"""The name index skips only names that cannot reach the cut-off: rapidfuzz over the
filtered window returns exactly what it returns over the whole window (ties included)."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Levenshtein

from rules.nameindex import NameIndex, signature, signatures

NAMES = ["xanax", "xanex", "zanax", "lorazepam", "lorazapam", "loratadine", "klonopin", "clonidine",
         "clonazepam", "adderall", "lamotrigine", "lamictal", "sertraline", "metoprolol succinate",
         "levothyroxine", "aspirin and codeine", "tylenol 3", "b12", "d3", "über drug", "café",
         "naïve", "vitamin d 50,000 iu", "co-careldopa", "aa", "", "ativan", "ativán", "olanzapine",
         "quetiapine", "xyz", "zzzzzz", "abcabc", "cbacba"]


def _window(names: list[str], query: str, spread: int) -> list[str]:
    """The plain window: each length's names in their original order, shortest first."""
    return [n for length in range(len(query) - spread, len(query) + spread + 1)
            for n in names if len(n) == length]


@pytest.mark.parametrize("text", [*NAMES, "a1b2 c", "ŀŀŀ", "a\xa0b", "ⅻ", "mg%#"])
def test_signatures_at_once_equal_one_by_one(text: str) -> None:
    once, twice = signatures([text, "padding to a longer width"])
    assert (int(once[0]), int(twice[0])) == signature(text)


def test_signature_bits() -> None:
    assert signature("aab") == (0b11, 0b1)
    assert signature("") == (0, 0)
    assert signature("9 9")[1] != 0  # two digits: the digit bit is set twice


def test_window_keeps_order_of_lengths_then_original_order() -> None:
    index = NameIndex(NAMES)
    for query, spread in (("xanax", 1), ("lorazapam", 2), ("a", 3), ("x" * 40, 3), ("", 0)):
        assert index.window(query, spread) == _window(NAMES, query, spread)


def _random_names(rng: random.Random, count: int) -> list[str]:
    alphabet = "aeiouxzlmnrst 1é"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(2))
def test_near_never_drops_a_name_that_reaches_the_cutoff(seed: int) -> None:
    rng = random.Random(seed)
    names = _random_names(rng, 1500) + NAMES
    index = NameIndex(names)
    for query in [*_random_names(rng, 60), "lorazapam", "xanex", "klonapin"]:
        for spread in (1, 2, 3):
            window = _window(names, query, spread)
            for cutoff in (70.0, 80.0, 88.0, 91.3):
                near = index.near(query, spread, min_ratio=cutoff)
                assert set(near) <= set(window)
                assert ({n for n in window if fuzz.ratio(query, n) >= cutoff} <= set(near))
                assert ([r[:2] for r in process.extract(query, near, scorer=fuzz.ratio,
                                                        score_cutoff=cutoff, limit=8)]
                        == [r[:2] for r in process.extract(query, window, scorer=fuzz.ratio,
                                                           score_cutoff=cutoff, limit=8)])
            for edits in (1, 2):
                near = index.near(query, spread, max_indel=2 * edits)
                assert {n for n in window if Levenshtein.distance(query, n) <= edits} <= set(near)
                assert {n for n in window if Indel.distance(query, n) <= edits} <= set(near)


def test_near_filters_something() -> None:
    """The point of the index: most of a window cannot reach a high cut-off."""
    rng = random.Random(3)
    names = _random_names(rng, 3000)
    index = NameIndex(names)
    near = index.near("lorazapam", 2, min_ratio=80.0)
    assert len(near) < len(index.window("lorazapam", 2)) / 4
