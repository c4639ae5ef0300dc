"""Benchmark: answer validation side by side, in one process, on the same documents.

Generates bench_rules' documents (valid, varied: medication lists, optional vitals,
branching) and measures, as CPU time of this process (time.process_time; on a loaded,
shared machine wall time measures the neighbours):

- bare generated model: ``BARE_DOCUMENT.validate_python(document)``, the envelope and the
  question table's answer types alone in pydantic-core (no checks across answers);
- ``parse_document``: the generated ``DOCUMENT`` with its checks across answers (branching,
  cross-field, date of birth against the day), age and BMI, the ``Screening`` (the target:
  within 1.5x of bare);
- the hand-written check it replaced (``check_answers`` over the envelope, then a validated
  ``Screening``), the path every document took before issue 10;
- end to end, validation plus evaluation with a warm resolution cache, new and old path.

Each measure is the best of --repeat passes over all documents, the passes taking turns.
Run:
  .venv/bin/python bench/bench_validation.py [--n 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rules import make_documents

from forms.answer_model import BARE_DOCUMENT
from forms.models import AnswerDocument, Screening
from forms.validation import age_on, bmi_of, check_answers, parse_document
from rules.engine import get_engine


def handwritten(raw: dict[str, Any]) -> Screening:
    """The validation path before the generated model (issue 10): envelope, hand-written
    per-answer checks over the dict, and a Screening validated again."""
    doc = AnswerDocument.model_validate(raw)
    reference = doc.submitted_at.date() if doc.submitted_at else date.today()
    problems, cleaned, meds = check_answers(doc.answers, today=reference)
    if problems:
        raise SystemExit(f"a benchmark document is invalid: {problems}")
    return Screening(form_version=doc.form_version, answers=cleaned, medications=tuple(meds),
                     submitted_at=doc.submitted_at, reference_date=reference,
                     age=age_on(date.fromisoformat(cleaned["date_of_birth"]), reference),
                     bmi=bmi_of(cleaned.get("height_cm"), cleaned.get("weight_kg")))


def measure(functions: dict[str, Callable[[dict[str, Any]], object]], docs: list[dict[str, Any]],
            repeat: int) -> dict[str, float]:
    """Best CPU seconds of ``repeat`` passes over every document, per function. The passes
    take turns (one of each, then again), so a burst of load on the machine hits them all."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeat):
        for label, fn in functions.items():
            start = time.process_time()
            for doc in docs:
                fn(doc)
            best[label] = min(best[label], time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    engine = get_engine()
    rng = random.Random(args.seed)
    names = sorted({p.name for p in engine.lexicon.curated.values()}) + rng.sample(
        sorted(engine.lexicon.dictionary), 300)
    docs = make_documents(args.n, rng, names)
    today = date(2026, 11, 21)
    for doc in docs:  # the same verdict and answers both ways, before timing anything
        if parse_document(doc) != handwritten(doc):
            raise SystemExit("parse_document and the hand-written check disagree")
    for doc in docs:  # warm the resolution cache: the evaluation half is not measured here
        engine.evaluate(parse_document(doc))

    def bare(doc: dict[str, Any]) -> object:
        return BARE_DOCUMENT.validate_python(doc, context={"today": today})

    def new_end_to_end(doc: dict[str, Any]) -> object:
        return engine.evaluate(parse_document(doc))

    def old_end_to_end(doc: dict[str, Any]) -> object:
        return engine.evaluate(handwritten(doc))

    figures = measure({
        "bare generated model": bare,
        "parse_document (generated model)": parse_document,
        "hand-written check (before)": handwritten,
    }, docs, args.repeat)
    figures |= measure({
        "end to end, parse + evaluate (warm)": new_end_to_end,
        "end to end before, check + evaluate (warm)": old_end_to_end,
    }, docs, max(1, args.repeat // 2))
    base = figures["bare generated model"]
    print(f"machine: {platform.machine()} {os.cpu_count()} cpus, python "
          f"{platform.python_version()}; pinned to one core")
    print(f"times are CPU time of this process (time.process_time), best of {args.repeat}")
    print(f"documents: {len(docs)}")
    for label, seconds in figures.items():
        per = seconds / len(docs) * 1e6
        print(f"{label:45s} {len(docs) / seconds:>9,.0f} documents/s  {per:7.1f} us  "
              f"{seconds / base:5.2f}x bare")
    ratio = figures["parse_document (generated model)"] / base
    print(f"parse_document / bare generated model: {ratio:.2f}x (target <= 1.5x)")
    old = figures["hand-written check (before)"] / base
    print(f"hand-written check / bare generated model: {old:.2f}x")


if __name__ == "__main__":
    main()
