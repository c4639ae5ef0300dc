"""Benzodiazepines known by their chemistry (rules/build_structure_classes.py).

With RDKit installed (requirements-dev.txt) the classifier is checked against the curated
table and the look-alikes, and the generated file is rebuilt and compared, so it is never
stale. Without RDKit only the shipped file is checked.
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from rules.lexicon import STRUCTURE_CLASSES_FILE, load_dictionary, load_lexicon

HAS_RDKIT = importlib.util.find_spec("rdkit") is not None
needs_rdkit = pytest.mark.skipif(not HAS_RDKIT, reason="rdkit not installed (requirements-dev.txt)")

# Curated benzodiazepines that hold no benzodiazepine ring themselves: prodrugs whose
# metabolites do (the curated table still classes them; the chemistry cannot).
RING_OPENED_PRODRUGS = {"rilmazafone"}

# Look-alikes: tricyclics with a seven-membered ring, anxiolytics and hypnotics that are
# not benzodiazepines. SMILES given where the dictionary has none.
LOOKALIKES = {
    "zolpidem": None, "buspirone": None, "hydroxyzine": None, "clozapine": None,
    "olanzapine": None, "loxapine": None, "mirtazapine": None, "pirenzepine": None,
    "carbamazepine": None, "oxcarbazepine": None, "zopiclone": None, "zaleplon": None,
    "quetiapine": "OCCOCCN1CCN(CC1)C1=Nc2ccccc2Sc2ccccc12",
    "tofisopam": None,  # a 2,3-benzodiazepine: not a GABA-A benzodiazepine
}
# Structures of designer benzodiazepines the dictionary lacks (PubChem isomeric SMILES).
DESIGNER = {
    "flubromazolam": "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1F)=NC2",
    "clonazolam": "Cc1nnc2n1-c1ccc([N+](=O)[O-])cc1C(c1ccccc1Cl)=NC2",
    "etizolam": "CCc1cc2c(s1)-n1c(C)nnc1CN=C2c1ccccc1Cl",
    "diclazepam": "CN1C(=O)CN=C(c2ccccc2Cl)c2cc(Cl)ccc21",
    "bromazolam": "Cc1nnc2n1-c1ccc(Br)cc1C(c1ccccc1)=NC2",
}


@pytest.fixture(scope="module")
def smiles() -> dict[str, str]:
    canon = load_dictionary()["drug_canonical_to_data"]
    return {name: data["smiles"] for name, data in canon.items() if data.get("smiles")}


@needs_rdkit
def test_classifier_agrees_with_every_curated_benzodiazepine(smiles):
    from rules.build_structure_classes import classify

    curated = load_lexicon(with_dictionary=False)
    benzos = {p.generic for p in curated.curated.values()
              if "benzodiazepine" in p.classes and p.method != "slang" and len(p.ingredients) == 1}
    checked = [g for g in sorted(benzos) if g in smiles and g not in RING_OPENED_PRODRUGS]
    assert len(checked) >= 20
    missed = [g for g in checked if not classify(smiles[g])]
    assert missed == []


@needs_rdkit
@pytest.mark.parametrize("name", sorted(LOOKALIKES))
def test_lookalikes_are_not_benzodiazepines(smiles, name):
    from rules.build_structure_classes import classify

    structure = LOOKALIKES[name] or smiles[name]
    assert not classify(structure), name


@needs_rdkit
@pytest.mark.parametrize("name", sorted(DESIGNER))
def test_designer_structures_are_benzodiazepines(name):
    from rules.build_structure_classes import classify

    assert classify(DESIGNER[name]), name


@needs_rdkit
def test_generated_file_is_not_stale():
    from rules.build_structure_classes import build, render

    assert STRUCTURE_CLASSES_FILE.read_text(encoding="utf-8") == render(build()), \
        "run: .venv/bin/python -m rules.build_structure_classes and review the list"


def test_shipped_file_classes_dictionary_benzodiazepines_at_run_time(engine):
    data = json.loads(STRUCTURE_CLASSES_FILE.read_text(encoding="utf-8"))
    assert {"oxazolam", "fludiazepam", "camazepam", "tetrazepam", "cinolazepam"} <= set(data["drugs"])
    assert all(entry["class"] == "benzodiazepine" and entry["smiles"] for entry in data["drugs"].values())
    assert not {"flumazenil", "clozapine", "olanzapine", "devazepide"} & set(data["drugs"])
    # Every drug of the file is a benzodiazepine when typed, curated or not
    # ("clorazepate dipotassium" and "oxazepam acetate" only through the file).
    assert engine.lexicon.structure_classes
    for name in data["drugs"]:
        assert "benzodiazepine" in engine.resolve(name).classes, name


def test_the_curated_table_wins_over_the_structure_file(tmp_path):
    from rules.lexicon import DRUGS_FILE, Lexicon, _load_yaml

    lexicon = Lexicon(_load_yaml(DRUGS_FILE), "t", None, structure_classes={
        "clozapine": "benzodiazepine", "newzepam": "benzodiazepine", "oddity": "no_such_class"})
    assert "clozapine" not in lexicon.structure_classes  # curated as antipsychotic
    assert lexicon.structure_classes == {"newzepam": ("benzodiazepine",)}
