"""Guard for speed work on the resolver: dump what every distinct medication line of the
benchmark corpus resolves to (status, matches, candidates, unread words, every word's
reading, the patient-facing description) and every document's evaluation, one JSON per
line, so two versions of the code can be compared with ``diff``.

Run: .venv/bin/python bench/dump_resolutions.py --n 10000 --seed 7 --out /tmp/before.jsonl
then again after a change, and ``diff`` the two files: any difference is a changed
clinical result (a flag, a resolution, a message), not a speed-up.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_rules import make_documents, typo
from forms.validation import parse_document
from rules.engine import get_engine


def hard_lines(rng: random.Random, names: list[str], n: int) -> list[str]:
    """Lines the benchmark corpus lacks: several drugs with separators and purposes, doses
    glued to names, typos anywhere, case and accents (the shapes of
    tests/test_medication_lines.py's property), plus that file's 374-line table."""
    from tests.test_medication_lines import AROUND, ROWS, SEPARATORS, _accent, _case

    lines = [row[1] for row in ROWS]
    for _ in range(n):
        parts = []
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            name = rng.choice(names)
            if rng.random() < 0.3:
                name = typo(rng, name)
            if rng.random() < 0.2 and name[-1].isalpha():
                name += rng.choice(["2mg", "0.5", "25mg", "10"])
            around = [rng.choice(AROUND) for _ in range(rng.randrange(3))]
            parts.append(" ".join([name, *around]))
        text = "".join(p + rng.choice(SEPARATORS) for p in parts[:-1]) + parts[-1]
        cased = _case(text, rng.randrange(4))
        lines.append(_accent(cased, rng.randrange(2**16) if rng.random() < 0.2 else 0))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hard", type=int, default=20_000, help="generated harder lines")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    engine = get_engine()
    rng = random.Random(args.seed)
    # the same corpus as bench_rules.py for the same --n and --seed
    curated = sorted({p.name for p in engine.lexicon.curated.values()})
    dictionary = sorted(engine.lexicon.dictionary)
    names = curated + rng.sample(dictionary, 300)
    docs = make_documents(args.n, rng, names)
    screenings = [parse_document(d) for d in docs]
    lines = sorted({m.name for s in screenings for m in s.medications}
                   | set(hard_lines(random.Random(args.seed), names, args.hard)))
    with args.out.open("w", encoding="utf-8") as out:
        for text in lines:
            resolution = engine.resolve(text)
            record = resolution.as_dict()
            record["words"] = [list(w) for w in resolution.words]
            record["describe"] = engine.resolver.describe(resolution)
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        for screening in screenings:
            out.write(engine.evaluate(screening).model_dump_json() + "\n")
    print(f"{len(lines)} distinct lines and {len(screenings)} evaluations written to {args.out}")


if __name__ == "__main__":
    main()
