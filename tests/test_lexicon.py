"""The curated drug table is validated at load, with the file and the entry named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rules.lexicon import DRUGS_FILE, LexiconError, load_lexicon

BASE = {
    "version": "t",
    "classes": {"benzodiazepine": {"label": "benzodiazepine"}, "antifungal": {"label": "antifungal"}},
    "drugs": [
        {"generic": "alprazolam", "classes": ["benzodiazepine"], "brands": ["Xanax"]},
        {"generic": "terbinafine", "classes": ["antifungal"], "brands": ["Lamisil"]},
    ],
    "combinations": [],
}


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "drugs.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _with(**changes) -> dict:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    for k, v in changes.items():
        data[k] = v
    return data


BROKEN = [
    ("unknown class", _with(drugs=[{"generic": "alprazolam", "classes": ["benzo"]}]),
     "drugs[0] (alprazolam): unknown class 'benzo'"),
    ("duplicate name", _with(drugs=[
        {"generic": "alprazolam", "classes": ["benzodiazepine"], "brands": ["Xanax"]},
        {"generic": "terbinafine", "classes": ["antifungal"], "brands": ["xanax"]}]),
     "name 'xanax' already names 'alprazolam'"),
    ("missing ingredient", _with(combinations=[{"name": "Combo", "ingredients": ["alprazolam", "zzz"]}]),
     "combinations[0] (Combo): ingredient 'zzz' is not a generic"),
    ("short name", _with(drugs=[{"generic": "alprazolam", "classes": ["benzodiazepine"],
                                 "brands": ["XR"]}]), "name 'XR' is shorter"),
    ("unknown field", _with(drugs=[{"generic": "alprazolam", "classes": ["benzodiazepine"],
                                    "brand": ["Xanax"]}]), "drugs.0.brand"),
    ("no classes", _with(drugs=[{"generic": "alprazolam", "classes": []}]), "drugs.0.classes"),
]


@pytest.mark.parametrize(("data", "expected"), [pytest.param(d, e, id=n) for n, d, e in BROKEN])
def test_a_broken_drug_table_fails_at_load(tmp_path, data, expected):
    path = _write(tmp_path, data)
    with pytest.raises(LexiconError) as caught:
        load_lexicon(path, with_dictionary=False)
    assert str(caught.value).startswith(str(path))
    assert expected in str(caught.value)


def test_not_yaml_fails_with_path(tmp_path):
    path = tmp_path / "drugs.yaml"
    path.write_text("drugs: [unclosed")
    with pytest.raises(LexiconError, match="cannot read"):
        load_lexicon(path, with_dictionary=False)


def test_shipped_table_loads_and_is_large_enough():
    lexicon = load_lexicon(DRUGS_FILE, with_dictionary=False)
    generics = {p.generic for p in lexicon.curated.values() if len(p.ingredients) == 1}
    assert len(generics) >= 300  # the top outpatient prescriptions and every ruled drug


def test_dictionary_is_read_directly_not_through_the_finder_module(engine):
    """The finder module reads and writes a cache pickle in the home folder; we never import it."""
    import sys

    assert len(engine.lexicon.dictionary) > 90_000
    assert "drug_named_entity_recognition.drugs_finder" not in sys.modules
