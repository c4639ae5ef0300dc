"""Benchmark: CPU time of the export's row building, per screening, in one process.

The rows of screenings.csv, flags.csv and medications.csv for N stored screenings
(``exports.render.Renderer.rows``, what each export worker runs), and the screenings.csv
row builder alone (``Renderer.screening_row``), on realistic evaluated documents from
``bench_rules`` replicated to N rows (JSON text, as SQLite returns it). CPU time of this
process (``time.process_time``), best of --repeat runs, so that a busy machine changes the
figures less than wall time would. No database, no CSV writing: bench_export.py measures
the whole export against pandas.

Run: .venv/bin/python bench/bench_export_rows.py [--n 20000] [--templates 300]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def raw_rows(n: int, templates: int, seed: int) -> list[tuple[Any, ...]]:
    from bench_rules import make_documents

    from exports.render import RAW_FIELDS
    from forms.validation import parse_document
    from rules.engine import get_engine

    rng = random.Random(seed)
    engine = get_engine()
    names = sorted({p.name for p in engine.lexicon.curated.values()})
    made = []
    for doc in make_documents(templates, rng, names):
        screening = parse_document(doc)
        made.append((json.dumps(screening.to_document()), json.dumps(engine.evaluate(screening).public())))
    rows = []
    for sid in range(1, n + 1):
        document, evaluation = made[rng.randrange(len(made))]
        fields = {"id": sid, "form_version": "1", "ruleset_version": "bench",
                  "submitted_at": "2026-11-21 14:03:00.000000", "age": 40, "bmi": 24.5,
                  "count_defer": 0, "count_review": 1, "count_adjust": 0, "count_info": 1,
                  "urgent": False, "highest_severity": "review", "review_status": "unreviewed",
                  "decision": None, "reviewer": None, "reviewed_at": None, "latest_review_id": None,
                  "language": "en",
                  "document": document, "evaluation": evaluation, "review_note": None}
        rows.append(tuple(fields[name] for name in RAW_FIELDS))
    return rows


def best_cpu(run: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        run()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--templates", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from exports.core import render_spec
    from exports.render import RAW_FIELDS, Renderer

    rows = raw_rows(args.n, args.templates, args.seed)
    document_at = RAW_FIELDS.index("document")
    answers = [json.loads(r[document_at])["answers"] for r in rows]
    print(f"machine: {platform.machine()} {os.cpu_count()} cpus, python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{args.n:,} screenings from {args.templates} evaluated documents; CPU time of this "
          f"process, best of {args.repeat}")
    for deidentified in (False, True):
        renderer = Renderer(render_spec(deidentified))
        build = renderer.screening_row
        cpu_rows = best_cpu(lambda renderer=renderer: renderer.rows(rows, {}), args.repeat)
        cpu_build = best_cpu(lambda build=build: [build(r, a) for r, a in zip(rows, answers, strict=True)],
                             args.repeat)
        label = "de-identified" if deidentified else "identified   "
        print(f"{label}  all three files' rows: {cpu_rows / args.n * 1e6:6.1f} us/screening   "
              f"screenings.csv row builder alone: {cpu_build / args.n * 1e6:5.1f} us/row")


if __name__ == "__main__":
    main()
