"""Command line: ``python -m rules evaluate [--format json|fhir] FILE`` (``-`` for stdin), and
``python -m rules reevaluate [--since DATE] [--status unreviewed|reviewed|all] [--dry-run]``.

``evaluate`` prints ``{"flags": [...], "medications": [...]}`` as JSON. An invalid document
prints its list of ``{code, message}`` problems to stderr and exits 2; nothing else is
printed; ``--format fhir`` reads a FHIR QuestionnaireResponse to our Questionnaire,
validated and evaluated exactly as the equivalent document. ``reevaluate`` re-runs the
current rules over stored screenings (``store.reevaluate``).

``python -m rules evaluate --jsonl FILE`` evaluates one answer document per line, printing
one result per line in the same order (``{"errors": [...]}`` on the line of an invalid
document; exit 2 at the end if any was invalid). ``python -m rules resolve TEXT...`` shows
how each medication line is read: every word, the status and the candidates. With
``--jsonl --format fhir`` each line holds one QuestionnaireResponse.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any, TextIO

from forms.models import InvalidDocument, Problem, Screening
from forms.validation import load_json, parse_document

EXIT_INVALID = 2
FORMATS = ("json", "fhir")


def _fail(problems: list[Problem], err: TextIO) -> int:
    json.dump({"errors": [p.model_dump() for p in problems]}, err, indent=2)
    err.write("\n")
    return EXIT_INVALID


def _read(path: str, stdin: TextIO) -> str:
    if path == "-":
        return stdin.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="json",
                        help="json: our answer document (default); fhir: a FHIR R4 "
                             "QuestionnaireResponse to our Questionnaire")


def as_document(raw: object, fmt: str) -> object:
    """The answer document held by parsed input of ``fmt`` (InvalidDocument if none)."""
    if fmt == "fhir":
        from forms.fhir import response_to_document

        return response_to_document(raw)
    return raw


def evaluate_command(path: str, out: TextIO, err: TextIO, stdin: TextIO, fmt: str = "json") -> int:
    try:
        text = _read(path, stdin)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        return _fail([Problem(code="file", message=f"cannot read {path}: {reason}")], err)
    try:
        screening = parse_document(as_document(load_json(text), fmt))
    except InvalidDocument as exc:
        return _fail(exc.problems, err)
    json.dump(_result(screening), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return 0


def _result(screening: Screening) -> dict[str, Any]:
    from rules.engine import get_engine  # loaded only for a valid document

    result = get_engine().evaluate(screening).public()
    result["age"] = screening.age
    result["bmi"] = screening.bmi
    return result


def _lines(path: str, stdin: TextIO) -> Iterator[bytes]:
    """The raw lines of the file (or stdin), decoded per line so one bad line stays one."""
    if path == "-":
        buffer = getattr(stdin, "buffer", None)
        if buffer is not None:
            yield from buffer
        else:
            for line in stdin:
                yield line.encode("utf-8", "surrogatepass")
        return
    with open(path, "rb") as handle:
        yield from handle


def jsonl_command(path: str, out: TextIO, err: TextIO, stdin: TextIO, fmt: str = "json") -> int:
    """One answer document per line in, one result per line out, in the same order."""
    invalid = 0
    try:
        for number, raw in enumerate(_lines(path, stdin), start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                problems = [Problem(code="line", message=f"line {number} is not UTF-8 text")]
            else:
                if not text.strip():
                    problems = [Problem(code="line", message=f"line {number} is empty; "
                                        "expected one JSON answer document")]
                else:
                    try:
                        screening = parse_document(as_document(load_json(text), fmt))
                    except InvalidDocument as exc:
                        problems = exc.problems
                    else:
                        out.write(json.dumps(_result(screening), ensure_ascii=False) + "\n")
                        continue
            invalid += 1
            out.write(json.dumps({"errors": [p.model_dump() for p in problems]}, ensure_ascii=False) + "\n")
    except OSError as exc:
        return _fail([Problem(code="file", message=f"cannot read {path}: {exc.strerror or exc}")], err)
    return EXIT_INVALID if invalid else 0


def resolve_command(texts: list[str], out: TextIO, *, as_json: bool = False) -> int:
    """Each medication line: every word and what it was read as, the status, the candidates."""
    from rules.engine import get_engine

    resolver = get_engine().resolver
    for text in texts:
        res = resolver.resolve(text)
        if as_json:
            data = res.as_dict()
            data["words"] = [{"word": w, "read_as": r} for w, r in res.words]
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
            continue
        out.write(f"{json.dumps(text, ensure_ascii=False)}: {res.status}\n")
        width = max((len(w) for w, _ in res.words), default=0)
        for word, reading in res.words:
            out.write(f"  {word:<{width}}  {reading}\n")
        for match in res.matches:
            out.write(f"  = {match.product.generic} [{', '.join(match.product.classes) or 'no class'}]"
                      f" via {match.method}\n")
        for cand in res.candidates:
            out.write(f"  ? {cand.name} ({cand.generic}) score {cand.score}\n")
        if res.unmatched:
            out.write(f"  unread: {' '.join(res.unmatched)}\n")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("use a date like 2026-11-01") from None


def add_reevaluate_parser(sub: Any) -> None:
    re = sub.add_parser("reevaluate", help="re-run the current rules over stored screenings")
    re.add_argument("--since", type=_day, help="only screenings submitted on or after this UTC day")
    re.add_argument("--status", choices=("unreviewed", "reviewed", "all"), default="all")
    re.add_argument("--dry-run", action="store_true", help="print what would change; save nothing")
    re.add_argument("--workers", type=int, choices=range(1, 33), default=1, metavar="N",
                    help="parallel worker processes (1-32; PostgreSQL)")
    re.add_argument("--actor", default="reevaluate", help="name in the audit log (default reevaluate)")


def reevaluate_command(args: argparse.Namespace, out: TextIO) -> int:
    from store.reevaluate import run_from_cli  # the store is loaded only for this command

    return run_from_cli(since=args.since, status=args.status, dry_run=args.dry_run,
                        workers=args.workers, actor=args.actor[:64] or "reevaluate", out=out)


def _add_resolve_parser(sub: Any) -> None:
    res = sub.add_parser("resolve", help="show how medication lines are read, word by word")
    res.add_argument("text", nargs="+", help="medication lines as a patient typed them")
    res.add_argument("--json", action="store_true", help="one JSON object per line")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rules", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="evaluate one answer document (JSON)")
    ev.add_argument("file", help="path to the JSON answer document, or - for stdin")
    add_format_option(ev)
    ev.add_argument("--jsonl", action="store_true",
                    help="one answer document per line in, one result per line out")
    add_reevaluate_parser(sub)
    _add_resolve_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "evaluate" and args.jsonl:
        return jsonl_command(args.file, sys.stdout, sys.stderr, sys.stdin, args.format)
    if args.command == "evaluate":
        return evaluate_command(args.file, sys.stdout, sys.stderr, sys.stdin, args.format)
    if args.command == "reevaluate":
        return reevaluate_command(args, sys.stdout)
    if args.command == "resolve":
        return resolve_command(args.text, sys.stdout, as_json=args.json)
    return 1  # pragma: no cover - argparse enforces the command


if __name__ == "__main__":
    sys.exit(main())
