"""``python -m exports --out DIR``: write an export's four CSVs into DIR (scheduled jobs).

Runs on the database of ``DATABASE_URL``; the export is audited as ``--actor`` (default
``system``) with role ``system`` and, since ``--actor`` is any name the caller gives, the
operating-system user who ran it (``details.os_user``). Prints the row count of each file.

Exit codes: 0 written, 1 the export failed (e.g. the database), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from core.vocab import DECISIONS
from exports.api import ExportResult, export_as_system
from exports.core import STATUS_FILTERS, ExportOptions
from store.cli import os_user

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROG = "python -m exports"
STATUSES = STATUS_FILTERS


class UsageError(Exception):
    pass


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def _codes(allowed: Sequence[str], what: str) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        values = [v.strip() for v in text.split(",") if v.strip()]
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            raise argparse.ArgumentTypeError(
                f"{', '.join(bad) or repr(text)}: not a {what}; choose from {', '.join(allowed)}")
        return values
    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Export completed screenings as CSV files sharing screening_id "
                    "(screenings, flags, medications, data dictionary).")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="directory to write the four CSV files into (created if missing)")
    parser.add_argument("--since", type=_day, metavar="DATE",
                        help="submitted on or after this UTC day (YYYY-MM-DD)")
    parser.add_argument("--until", type=_day, metavar="DATE",
                        help="submitted on or before this UTC day (YYYY-MM-DD)")
    parser.add_argument("--status", type=_codes(STATUSES, "review status"), action="append",
                        default=[], metavar="S",
                        help=f"review status, repeatable or comma-separated: {', '.join(STATUSES)}")
    parser.add_argument("--decision", type=_codes(DECISIONS, "decision"), action="append",
                        default=[], metavar="D",
                        help=f"latest review decision, repeatable or comma-separated: "
                             f"{', '.join(DECISIONS)}")
    parser.add_argument("--deidentified", action="store_true",
                        help="drop identifying and free-text columns (age is kept)")
    parser.add_argument("--plain-utf8", action="store_true",
                        help="plain UTF-8 (default: UTF-8 with BOM, for Excel)")
    parser.add_argument("--actor", default="system", metavar="NAME",
                        help="who the audit log names (default: system)")
    parser.add_argument("--format", choices=("csv", "fhir"), default="csv",
                        help="csv: the four CSV files (default); fhir: FHIR R4 Bulk Data NDJSON, "
                             "one file per resource type")
    return parser


def _options(args: argparse.Namespace) -> ExportOptions:
    try:
        return ExportOptions(
            since=args.since, until=args.until,
            review_status=tuple(v for group in args.status for v in group),
            decision=tuple(v for group in args.decision for v in group),
            deidentified=args.deidentified, plain_utf8=args.plain_utf8)
    except ValidationError as err:
        raise UsageError("; ".join(e["msg"].removeprefix("Value error, ")
                                   for e in err.errors())) from None


def _check(args: argparse.Namespace) -> tuple[ExportOptions, Path, str]:
    options = _options(args)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out}: exists and is not a directory")
    actor = args.actor.strip()
    if not 1 <= len(actor) <= 64 or not actor.isprintable():
        raise UsageError("--actor must be 1-64 printable characters")
    return options, out, actor


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["questionnaire"]:  # python -m exports questionnaire --fhir
        from exports.fhir.cli import questionnaire_main

        return questionnaire_main(argv[1:], out, err)
    if argv[:1] == ["pdf"]:  # python -m exports pdf --screening ID --out FILE
        return pdf_main(argv[1:], out, err)
    logging.basicConfig(level=logging.WARNING)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage and the error
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        options, directory, actor = _check(args)
    except UsageError as exc:
        parser.print_usage(err)
        err.write(f"{PROG}: error: {exc}\n")
        return EXIT_USAGE
    if args.format == "fhir":
        from exports.fhir.api import export_fhir_as_system

        if args.plain_utf8:
            parser.print_usage(err)
            err.write(f"{PROG}: error: --plain-utf8 is for CSV; NDJSON is always plain UTF-8\n")
            return EXIT_USAGE
        return run_export(export_fhir_as_system, options, directory, actor, "resources", out, err)
    return run_export(export_as_system, options, directory, actor, "rows", out, err)


def run_export(export: Callable[..., ExportResult], options: ExportOptions, directory: Path,
               actor: str, unit: str, out: TextIO, err: TextIO) -> int:
    """Run one system export (CSV or FHIR NDJSON) and report it: a count per file on
    success; on failure the reason without any data (nothing is written half-way)."""
    try:
        result = export(options, actor, directory, os_user=os_user())
    except OSError as exc:
        err.write(f"{PROG}: error: cannot write to {directory}: {exc.strerror or exc}\n")
        return EXIT_FAILED
    except Exception as exc:
        # The class only: a database error's text may quote the statement's parameters.
        err.write(f"{PROG}: error: the export failed ({type(exc).__name__}); nothing written\n")
        return EXIT_FAILED
    width = max(len(name) for name in result.files)
    for name in result.files:
        out.write(f"{name:<{width}}  {result.rows[name]:>9,} {unit}\n")
    out.write(f"wrote {len(result.files)} files to {result.directory} (audited as {actor}, "
              f"run by {os_user()})\n")
    return EXIT_OK


def pdf_main(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    """``python -m exports pdf --screening ID --out FILE [--actor NAME]``: one screening's
    printable chart summary, audited as ``--actor`` with the operating-system user."""
    prog = f"{PROG} pdf"
    parser = argparse.ArgumentParser(
        prog=prog, description="Write one screening's printable chart summary (PDF).")
    parser.add_argument("--screening", required=True, metavar="ID",
                        help="the screening's id, or its public id (the uuid in its link)")
    parser.add_argument("--out", required=True, metavar="FILE", help="the PDF file to write (mode 0600)")
    parser.add_argument("--actor", default="system", metavar="NAME",
                        help="who the audit log names (default: system)")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    actor = args.actor.strip()
    if not 1 <= len(actor) <= 64 or not actor.isprintable():
        parser.print_usage(err)
        err.write(f"{prog}: error: --actor must be 1-64 printable characters\n")
        return EXIT_USAGE
    target = Path(args.out)
    if target.is_dir():
        parser.print_usage(err)
        err.write(f"{prog}: error: --out {args.out}: is a directory; name the PDF file\n")
        return EXIT_USAGE
    from exports.api import FILE_MODE
    from exports.chart_pdf import chart_summary_as_system
    from store.models import ScreeningNotFound

    try:
        data = chart_summary_as_system(args.screening, actor, os_user=os_user())
    except ScreeningNotFound:
        err.write(f"{prog}: error: no screening has the id {args.screening[:64]!r}\n")
        return EXIT_FAILED
    except Exception as exc:  # the class only: a database error may quote patient data
        err.write(f"{prog}: error: the chart summary failed ({type(exc).__name__}); nothing written\n")
        return EXIT_FAILED
    try:
        partial = target.with_name(f".{target.name}.part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as sink:
            sink.write(data)
        os.replace(partial, target)
    except OSError as exc:
        err.write(f"{prog}: error: cannot write {args.out}: {exc.strerror or exc}\n")
        return EXIT_FAILED
    out.write(f"wrote the chart summary ({len(data):,} bytes) to {target} "
              f"(audited as {actor}, run by {os_user()})\n")
    return EXIT_OK
