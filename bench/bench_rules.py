"""Benchmark: screenings evaluated per second on one core, cold and warm resolution cache.

Generates a large, varied set of valid answer documents (realistic medication lists with
doses, frequencies, purposes and typos), then prints:
- validation throughput (parse_document),
- evaluation throughput with a cold cache (every medication string new to the resolver),
- evaluation throughput with a warm cache (the same documents again),
- median and 99th-percentile latency of one evaluation, cold and warm.

Run: .venv/bin/python bench/bench_rules.py [--n 20000] [--seed 7] [--profile FILE]
(the profile slows the cold phase; its figures are for finding hot spots only)
Targets (issue 2): >= 2,000 screenings/s cold on one core, median < 1 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.definition import QUESTIONS
from forms.validation import parse_document
from rules.engine import get_engine

DOSES = ["", "10mg", "0.5 mg", "20 mg", "100mg", "75mcg", "1 tab", "2 puffs", "5/325", "8/2", "50"]
FREQ = ["", "daily", "twice a day", "prn", "at bedtime", "q6h", "every morning", "as needed",
        "bid", "once a week"]
PURPOSE = ["", "", "", "for sleep", "for pain", "for anxiety", "for my heart", "when needed"]


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]  # drop a letter
    if kind == 1:
        return word[:i] + word[i] + word[i:]  # double a letter
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two letters


def med_line(rng: random.Random, names: list[str]) -> str:
    name = rng.choice(names)
    if rng.random() < 0.15:
        name = typo(rng, name)
    if rng.random() < 0.3:
        name = name.upper() if rng.random() < 0.5 else name.title()
    parts = [name, rng.choice(DOSES), rng.choice(FREQ), rng.choice(PURPOSE)]
    return " ".join(p for p in parts if p)


def make_documents(n: int, rng: random.Random, names: list[str]) -> list[dict]:
    docs = []
    for i in range(n):
        birth = f"{rng.randint(1930, 2008)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        answers: dict = {"first_name": f"Pat{i}", "last_name": "Bench", "date_of_birth": birth,
                         "sex_at_birth": rng.choice(["female", "male", "intersex"])}
        for q in QUESTIONS:
            if q.code in answers or q.section in ("medications", "vitals") or q.when:
                continue
            if q.type == "choice":
                # mostly the first "negative" value, sometimes anything: a realistic mix
                negative = "no" if "no" in q.values else "none" if "none" in q.values else q.values[0]
                answers[q.code] = negative if rng.random() < 0.85 else rng.choice(q.values)
            elif q.type == "multi" and q.code == "heart_conditions":
                answers[q.code] = ["none"] if rng.random() < 0.9 else rng.sample(q.values[:-1], 2)
            elif q.type == "int":
                answers[q.code] = rng.choice([0, 1, 2, 4, 7, 10, 20])
        if answers["sex_at_birth"] != "male":
            answers["pregnant"] = "no" if rng.random() < 0.95 else "unsure"
            answers["breastfeeding"] = "no"
        if answers["high_blood_pressure"] == "yes":
            answers["blood_pressure_controlled"] = rng.choice(["yes", "no", "unsure"])
        if answers["thyroid_disease"] in ("underactive", "overactive"):
            answers["thyroid_treated"] = rng.choice(["yes", "no"])
        count = rng.choice([0, 1, 2, 3, 3, 4, 5, 6, 8])
        meds = [{"name": med_line(rng, names), "dose": "", "frequency": "",
                 "status": "current" if rng.random() < 0.85 else "past"} for _ in range(count)]
        if not any(m["status"] == "current" for m in meds):
            meds = []
        answers["takes_no_medications"] = not meds
        answers["medications"] = meds
        if rng.random() < 0.5:
            sys_bp = rng.randint(95, 175)
            answers.update(systolic_bp=sys_bp, diastolic_bp=rng.randint(55, min(110, sys_bp - 10)))
        if rng.random() < 0.5:
            answers.update(height_cm=rng.randint(150, 195), weight_kg=rng.randint(45, 140))
        answers.update(escort_arranged="yes", will_drive_after="no", fasting_understood=True,
                       consent_accurate=True, signature_name=f"Pat{i} Bench")
        docs.append({"form_version": "1", "answers": answers, "submitted_at": "2026-11-21T14:00:00Z"})
    return docs


def run(screenings, engine) -> tuple[float, list[float]]:
    """CPU seconds of this process and per-evaluation CPU milliseconds: on a shared,
    loaded machine wall time measures the neighbours, CPU time measures the code."""
    latencies = []
    start = time.process_time()
    for s in screenings:
        t0 = time.process_time_ns()
        engine.evaluate(s)
        latencies.append((time.process_time_ns() - t0) / 1e6)
    return time.process_time() - start, latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", metavar="FILE", type=Path,
                        help="write a cProfile of the cold phase to FILE (pstats) and print its top")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    t0 = time.process_time()
    engine = get_engine()
    load = time.process_time() - t0
    rng = random.Random(args.seed)
    curated = sorted({p.name for p in engine.lexicon.curated.values()})
    dictionary = sorted(engine.lexicon.dictionary)
    names = curated + rng.sample(dictionary, 300)
    docs = make_documents(args.n, rng, names)

    t0 = time.process_time()
    screenings = [parse_document(d) for d in docs]
    validate = time.process_time() - t0

    meds = [m.name for s in screenings for m in s.medications]
    engine.resolver.clear_cache()
    if args.profile:
        import cProfile
        import pstats
        profiler = cProfile.Profile()
        profiler.enable()
    cold_s, cold_lat = run(screenings, engine)
    if args.profile:
        profiler.disable()
        profiler.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(30)
    warm_s, warm_lat = run(screenings, engine)
    statuses: dict[str, int] = {}
    for text in meds:
        status = engine.resolve(text).status
        statuses[status] = statuses.get(status, 0) + 1

    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"{os.cpu_count()} cpus, python {platform.python_version()}; pinned to one core")
    print("times are CPU time of this process (time.process_time), not wall time")
    print(f"engine load: {load:.2f} s (lexicon {len(engine.lexicon.curated)} curated names, "
          f"{len(engine.lexicon.dictionary)} dictionary names)")
    print(f"documents: {len(docs)}, medication lines: {len(meds)} "
          f"({len(set(meds))} distinct), resolved: {statuses}")
    print(f"validation: {len(docs) / validate:,.0f} documents/s")
    for label, seconds, lat in (("cold cache", cold_s, cold_lat), ("warm cache", warm_s, warm_lat)):
        print(f"evaluation, {label}: {len(docs) / seconds:,.0f} screenings/s; "
              f"median {statistics.median(lat):.3f} ms, p99 {pct(lat, 0.99):.3f} ms")


if __name__ == "__main__":
    main()
