"""Benchmark: parse + evaluate, this checkout against an earlier commit, on this machine.

Issue 10 asks end-to-end evaluation (validate the document, then evaluate it) at least 2x
faster than ``bench/bench_rules.py``'s figure of the day it was filed. A figure written down
on another day, on another machine, does not compare; this script runs that day's
``bench_rules.py`` (from a throwaway ``git worktree`` of the commit, default ``3755fe0``, the
last commit of 2026-11-21) and today's, in turn, with this checkout's virtual environment,
each pinned to one core, and prints the end-to-end rate of each (one document validated
and evaluated: 1 / (1/validation + 1/evaluation)), cold and warm, and the ratios.

The two scripts generate their documents the same way (same seed; today's generator gives
a few more brand names, so the lines are not byte-identical). The commit's script times
wall time (``time.perf_counter``), today's CPU time: run it on a quiet machine.

Run: .venv/bin/python bench/bench_then_now.py [--commit 3755fe0] [--n 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIT, TASKSET = shutil.which("git") or "git", shutil.which("taskset") or "taskset"
FIGURE = re.compile(r"^(validation|evaluation, cold cache|evaluation, warm cache): ([\d,]+) ")


def figures(checkout: Path, n: int) -> dict[str, float]:
    """Documents (screenings) per second from one run of ``checkout``'s bench_rules.py."""
    out = subprocess.run(  # noqa: S603 - our own script, arguments from this process
        [TASKSET, "-c", "1", sys.executable, str(checkout / "bench" / "bench_rules.py"),
         "--n", str(n)], cwd=checkout, check=True, capture_output=True, text=True).stdout
    found = {m[1]: float(m[2].replace(",", "")) for line in out.splitlines()
             if (m := FIGURE.match(line))}
    if len(found) != 3:
        raise SystemExit(f"{checkout}: bench_rules.py printed no figures:\n{out}")
    return found


def end_to_end(f: dict[str, float], cache: str) -> float:
    return 1 / (1 / f["validation"] + 1 / f[f"evaluation, {cache} cache"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commit", default="3755fe0")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        then = Path(tmp) / "then"
        subprocess.run([GIT, "worktree", "add", "--detach", str(then),  # noqa: S603
                        args.commit], cwd=ROOT, check=True, capture_output=True)
        try:
            runs: dict[str, list[dict[str, float]]] = {"then": [], "now": []}
            for _ in range(args.rounds):  # in turn, so a burst of load hits both
                runs["then"].append(figures(then, args.n))
                runs["now"].append(figures(ROOT, args.n))
        finally:
            subprocess.run([GIT, "worktree", "remove", "--force", str(then)],  # noqa: S603
                           cwd=ROOT, check=False, capture_output=True)
    print(f"{args.rounds} rounds of bench_rules.py --n {args.n}, pinned to one core; best "
          f"of each (documents or screenings per second)")
    best = {}
    for label, results in runs.items():
        best[label] = {key: max(r[key] for r in results) for key in results[0]}
        b = best[label]
        print(f"{label:5s} ({args.commit if label == 'then' else 'this checkout'}): validation "
              f"{b['validation']:,.0f}/s, evaluation cold {b['evaluation, cold cache']:,.0f}/s, "
              f"warm {b['evaluation, warm cache']:,.0f}/s")
        for cache in ("cold", "warm"):  # the spread: one run alone can mislead
            rates = sorted(end_to_end(r, cache) for r in results)
            print(f"      end to end {cache}, every round: "
                  + ", ".join(f"{rate:,.0f}/s" for rate in rates))
    for cache in ("cold", "warm"):
        then_rate, now_rate = end_to_end(best["then"], cache), end_to_end(best["now"], cache)
        print(f"end to end (validate + evaluate), {cache} cache: {then_rate:,.0f}/s then, "
              f"{now_rate:,.0f}/s now: {now_rate / then_rate:.2f}x (target >= 2x)")


if __name__ == "__main__":
    main()
