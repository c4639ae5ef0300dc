"""FHIR on the command line of ``python -m exports``.

- ``python -m exports questionnaire --fhir [--out FILE]``: print (or write) our
  Questionnaire as FHIR R4 JSON, generated from the question table;
- ``python -m exports --format fhir --out DIR [filters] [--deidentified]``: the Bulk Data
  NDJSON files (``exports.cli`` parses the options and runs it: one runner for CSV and
  FHIR).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from forms.fhir import build_questionnaire

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROG = "python -m exports questionnaire"


def questionnaire_main(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Print our FHIR R4 Questionnaire.")
    parser.add_argument("--fhir", action="store_true", required=True,
                        help="as a FHIR R4 Questionnaire resource (JSON); the only format so far")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    text = json.dumps(build_questionnaire(), indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        out.write(text)
        return EXIT_OK
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as exc:
        err.write(f"{PROG}: error: cannot write {args.out}: {exc.strerror or exc}\n")
        return EXIT_FAILED
    out.write(f"wrote the Questionnaire to {args.out}\n")
    return EXIT_OK
