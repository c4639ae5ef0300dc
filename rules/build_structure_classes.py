"""Build ``rules/data/structure_classes.json``: dictionary drugs classified by chemistry.

The drug dictionary ships a SMILES structure for about 6,800 drugs. A drug whose structure
holds a benzodiazepine core is a benzodiazepine for the rules, even when the curated
table (``rules/data/drugs.yaml``) does not list it (oxazolam, fludiazepam, camazepam ...).
The core: a seven-membered ring of carbons and exactly two nitrogens at the 1,4 or 1,5
positions, fused to exactly one arene that is a benzene or a thiophene (thienodiazepines
such as etizolam); further fused azoles or oxazolidines (triazolo-, imidazo-,
oxazolo-) are allowed. Two fused arenes (clozapine, olanzapine, pirenzepine: tricyclics)
or an oxygen or sulphur in the ring (loxapine, quetiapine) are not benzodiazepines.

Run after a dictionary upgrade, review the printed list in the commit, and commit the
JSON: ``.venv/bin/python -m rules.build_structure_classes`` (``--check`` only compares).
RDKit (``rdkit`` in requirements-dev.txt) is needed to build, never to run the app.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rules.lexicon import STRUCTURE_CLASSES_FILE, load_dictionary

CLASS_ID = "benzodiazepine"
# Dictionary drugs with the core that are not benzodiazepine medicines for the rules,
# each with the reason (reviewed by hand; the curated table wins over this file anyway).
EXCLUDED: dict[str, str] = {
    "flumazenil": "benzodiazepine antagonist: reverses benzodiazepines, not one",
    "devazepide": "CCK-A antagonist (research), no GABA-A activity",
    "anthramycin": "pyrrolobenzodiazepine antibiotic/antitumour, no GABA-A activity",
    "tarazepide": "CCK-A antagonist (research), no GABA-A activity",
    "aptazapine": "tetracyclic antidepressant (alpha-2 antagonist), no GABA-A activity",
    "balovaptan": "vasopressin V1a antagonist, no GABA-A activity",
    "lixivaptan": "vasopressin V2 antagonist, no GABA-A activity",
    "molibresib": "BET bromodomain inhibitor (cancer), no GABA-A activity",
    "vabicaserin": "5-HT2C agonist, no GABA-A activity",
    "rovalpituzumab tesirine": "antibody-drug conjugate with a pyrrolobenzodiazepine payload",
    "vadastuximab talirine": "antibody-drug conjugate with a pyrrolobenzodiazepine payload",
    "haptens": "a dictionary entry for immunology haptens, not a medicine",
    "iomazenil": "SPECT imaging ligand (benzodiazepine-receptor antagonist), not a medicine taken",
}


def _arene(mol: Any, ring: tuple[int, ...]) -> str | None:
    """'benzene', 'thiophene', 'other' (another aromatic 5/6 ring that is not an azole
    fused through nitrogen) or None (not an arene that counts)."""
    atoms = [mol.GetAtomWithIdx(i) for i in ring]
    if not all(a.GetIsAromatic() for a in atoms):
        return None
    symbols = sorted(a.GetSymbol() for a in atoms)
    if len(ring) == 6:
        return "benzene" if symbols == ["C"] * 6 else "other"
    if len(ring) == 5 and symbols == ["C", "C", "C", "C", "S"]:
        return "thiophene"
    if len(ring) == 5 and "N" not in symbols:
        return "other"  # furan and the like: a tricyclic, not a fused azole
    return None  # triazole, imidazole, pyrazole: the triazolo-/imidazo- benzodiazepines


def has_benzodiazepine_core(mol: Any) -> bool:
    rings = mol.GetRingInfo().AtomRings()
    for ring in rings:
        if len(ring) != 7:
            continue
        symbols = [mol.GetAtomWithIdx(i).GetSymbol() for i in ring]
        if symbols.count("N") != 2 or any(s not in ("C", "N") for s in symbols):
            continue
        members = set(ring)
        fused = [(other, members & set(other)) for other in rings
                 if other is not ring and len(members & set(other)) == 2]
        arenes = [(other, shared) for other, shared in fused if _arene(mol, other) is not None]
        if len(arenes) != 1 or _arene(mol, arenes[0][0]) not in ("benzene", "thiophene"):
            continue
        shared = arenes[0][1]
        # Walk the ring from one fusion atom through the five others: nitrogen positions.
        start = next(k for k in range(7) if ring[k] in shared and ring[(k + 1) % 7] not in shared)
        path = [ring[(start + j) % 7] for j in range(1, 6)]
        positions = {j + 1 for j, atom in enumerate(path) if mol.GetAtomWithIdx(atom).GetSymbol() == "N"}
        if positions in ({1, 4}, {2, 5}, {1, 5}):
            return True
    return False


def classify(smiles: str) -> bool:
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    return mol is not None and has_benzodiazepine_core(mol)


def build(dictionary: dict[str, Any] | None = None) -> dict[str, Any]:
    from rdkit import rdBase

    rdBase.DisableLog("rdApp.*")  # the dictionary holds a few structures RDKit rejects
    raw = dictionary if dictionary is not None else load_dictionary()
    drugs: dict[str, dict[str, str]] = {}
    for canonical, data in sorted(raw["drug_canonical_to_data"].items()):
        smiles = data.get("smiles")
        if smiles and canonical not in EXCLUDED and classify(smiles):
            drugs[canonical] = {"class": CLASS_ID, "smiles": smiles}
    return {
        "about": "generated by python -m rules.build_structure_classes; do not edit by hand",
        "rdkit": rdBase.rdkitVersion,
        "excluded": EXCLUDED,
        "drugs": drugs,
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rules.build_structure_classes",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare with the file, write nothing")
    parser.add_argument("--out", type=Path, default=STRUCTURE_CLASSES_FILE)
    args = parser.parse_args(argv)
    from rules.lexicon import load_lexicon

    data = build()
    curated = load_lexicon(with_dictionary=False)
    known = {p.generic for p in curated.curated.values() if CLASS_ID in p.classes}
    added = [name for name in data["drugs"] if name not in known]
    print(f"{len(data['drugs'])} dictionary drugs with a benzodiazepine core; "
          f"{len(added)} not in the curated table:")
    for name in added:
        print(f"  {name}")
    text = render(data)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run python -m rules.build_structure_classes", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
