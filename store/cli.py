"""Command line of the store (``python -m store ...``), on the database of ``DATABASE_URL``.

- ``import FILE...``: answer documents as submitted screenings. A file holds one document,
  a vignette-style object with a ``document`` key, or a JSON list of either. Every
  document of a file is validated first; a file with any invalid document stores nothing.
  Re-importing the same document returns the screening stored the first time.
- ``import --format fhir FILE...``: FHIR QuestionnaireResponses to our Questionnaire instead:
  a file holds one, a Bundle of them, or NDJSON (``*.ndjson``, one per line, as the bulk
  export writes). Each is validated as exactly its equivalent answer document.
- ``add-user USERNAME --role clinician|admin``: the password is asked twice, or read from
  the first line of standard input when that is not a terminal.
- ``list-users``: every account with role, state, failed sign-ins and last sign-in.
- ``unlock USERNAME``: end a sign-in throttle (failed attempts back to zero).
- ``set-password USERNAME``: a new password, asked twice or read from standard input.
- ``deactivate USERNAME`` (``--reactivate`` to undo): an inactive account cannot sign in.
- ``purge-drafts [--days N]``: delete unsubmitted drafts not saved for N (30) days.
- ``invite --first-name F --last-name L --dob YYYY-MM-DD --appointment "YYYY-MM-DD HH:MM"
  [--email ADDR] [--language en|es]``: an invitation for an appointment (clinic time,
  ``CLINIC_TIMEZONE``); prints the patient's link (``APP_BASE_URL``), shown only this once.
  The email and the link's page are in the patient's language (English by default).
- ``send-reminders``: email each invited patient whose appointment is tomorrow, once
  (clinic day, ``CLINIC_TIMEZONE``), with the preparation times; run it daily.
- ``deliver-alerts [--once]``: send urgent alerts from the outbox (``store.alerts``) until
  stopped (SIGTERM/SIGINT), or once: everything due now, exit 1 if any failed.
- ``verify [--anchor ID:HASH]``: check the audit hash chain and every submitted screening
  against the document hash sealed in its submit row (``store.chain``); exit 0 when all
  verify, 1 naming the first broken audit row or screening. Prints the chain head: keep it
  elsewhere and pass it back as ``--anchor`` to detect a cut-back or rewritten chain.
- ``grant-app-role ROLE [--print]``: on PostgreSQL, run as the owner role, give the
  application's login role only what it needs (``store.privileges``); ``--print`` shows
  the SQL instead of running it.
- ``init``: create the schema (it is also created on first use).

Account commands are audited as ``cli:<operating-system user>``. Import errors name the
file, the line and the question code and say what is allowed; they never print an answer
(a name, a date of birth, a blood pressure): whoever reads the terminal or its log sees
no patient data.

Exit codes: 0 success, 1 a file or an input was refused, 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from forms.clock import clinic_timezone
from forms.definition import QUESTIONS_BY_CODE, Question
from forms.i18n import DEFAULT as DEFAULT_LANGUAGE
from forms.i18n import LANGUAGES
from forms.models import InvalidDocument, Problem, Screening
from forms.validation import load_json
from store import audit, chain, privileges
from store.alerts import app_base_url
from store.db import get_store
from store.drafts import STALE_AFTER_DAYS, purge_stale_drafts
from store.models import StoreError
from store.schema import ROLES, utcnow
from store.screenings import document_key
from store.users import create_user, list_users, set_password, set_user_active, unlock_user

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SYSTEM = "system"


def os_user() -> str:
    """Who runs this command on the server (recorded with what a command line does)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers), no LOGNAME/USER
        name = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return "".join(c for c in name if c.isprintable())[:48] or "unknown"


def cli_actor() -> str:
    """The audit actor of an account command: ``cli:<operating-system user>``."""
    return f"cli:{os_user()}"


def _item_starts(text: str) -> list[int]:
    """Where each document of a file starts: the items of a top-level JSON list, else 0."""
    body = text.lstrip("\ufeff")
    offset = len(text) - len(body)
    stripped = body.lstrip()
    if not stripped.startswith("["):
        return [0]
    decoder = json.JSONDecoder()
    starts: list[int] = []
    position = offset + (len(body) - len(stripped)) + 1
    while position < len(text):
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            break
        starts.append(position)
        try:
            _, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            break
    return starts or [0]


def _line_of(text: str, code: str, start: int, end: int) -> int:
    """The line of ``"code"`` (a medication problem: ``"medications"``) inside a document,
    else the line where the document starts."""
    key = code.split("[", 1)[0].split(".", 1)[0]
    found = text.find(f'"{key}"', start, end) if key else -1
    return text.count("\n", 0, found if found >= 0 else start) + 1


def _allowed(question: Question) -> str:
    """What a question accepts, from the form definition (never from the answer given)."""
    if question.type == "choice":
        return "must be one of: " + ", ".join(o.value for o in question.options)
    if question.type == "multi":
        return "must be a list of: " + ", ".join(o.value for o in question.options)
    if question.type == "bool":
        return "must be true or false"
    if question.type == "int":
        return f"must be a whole number from {question.min} to {question.max}"
    if question.type == "date":
        return "must be a real date written YYYY-MM-DD, not in the future"
    if question.type == "medications":
        return "must be a list of medicines with name, dose, frequency and status"
    limit = f" of at most {question.max} characters" if question.max else ""
    return f"must be text{limit}, without control characters"


def safe_message(problem: Problem) -> str:
    """A problem's message with no answer value in it: what the field allows instead."""
    code, message = problem.code, problem.message
    if code.startswith("medications["):
        return ("each medicine needs name, dose and frequency as plain text and status "
                "current or past")
    question = QUESTIONS_BY_CODE.get(code)
    if question is None:  # document-level: form_version, submitted_at, JSON syntax, ...
        return message
    for fixed in ("is required; please answer this question", "must be ticked to submit",
                  "is not a question of this form"):
        if message.startswith(fixed):
            return fixed
    if message.startswith("was not asked"):
        return "was not asked with these answers (its condition does not hold); leave it out"
    if message.startswith("must match"):
        return "must match the first and last name given"
    if code in ("systolic_bp", "diastolic_bp") and "number" in message:
        return "give both blood pressure numbers, the top one higher than the bottom one"
    if message.startswith(("you ticked", "add at least one medicine")):
        return message  # fixed texts
    return _allowed(question)


def _documents(path: str, raw: Any, text: str = "") -> list[tuple[str, Any, int, int]]:
    """(label, document, start, end) of each document in one file's JSON; start and end
    are character offsets in ``text`` (for line numbers)."""
    def unwrap(item: Any) -> Any:
        if isinstance(item, dict) and "document" in item and "form_version" not in item:
            return item["document"]
        return item

    if isinstance(raw, list):
        starts = _item_starts(text)
        if len(starts) != len(raw):
            starts = [0] * len(raw)
        bounds = [(s, starts[i + 1] if i + 1 < len(starts) else len(text))
                  for i, s in enumerate(starts)]
        return [(f"{path}[{i}]", unwrap(item), *bounds[i]) for i, item in enumerate(raw)]
    return [(path, unwrap(raw), 0, len(text))]


class NdjsonLines:
    """The parsed non-blank lines of an NDJSON file: (line number, start, end, value)."""

    def __init__(self, items: list[tuple[int, int, int, Any]]):
        self.items = items


def _ndjson(text: str) -> NdjsonLines:
    items = []
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if line.strip():
            try:
                items.append((number, offset, offset + len(line), load_json(line)))
            except InvalidDocument as exc:
                raise InvalidDocument([Problem(code=f"line {number}", message=p.message)
                                       for p in exc.problems]) from None
        offset += len(line)
    return NdjsonLines(items)


def _fhir_documents(path: str, raw: Any, text: str) -> list[tuple[str, Any, int, int]]:
    """(label, QuestionnaireResponse, start, end): one resource, a Bundle's entries, or
    NDJSON lines."""
    if isinstance(raw, NdjsonLines):
        return [(f"{path}:{line}", item, start, end) for line, start, end, item in raw.items]
    if isinstance(raw, dict) and raw.get("resourceType") == "Bundle":
        entry = raw.get("entry")
        entries: list[Any] = entry if isinstance(entry, list) else []
        return [(f"{path}: entry[{i}]", e.get("resource") if isinstance(e, dict) else e,
                 0, len(text)) for i, e in enumerate(entries)]
    return [(path, raw, 0, len(text))]


def _as_document(raw: Any, fmt: str) -> Any:
    """The answer document a FHIR QuestionnaireResponse holds (``fmt`` fhir), else ``raw``.
    Its problems (another questionnaire, a wrong version, a malformed item) quote no answer."""
    if fmt == "fhir":
        from forms.fhir import response_to_document

        return response_to_document(raw)
    return raw


def _load(path: str, fmt: str = "json") -> tuple[bytes, str, Any]:
    """The file's bytes, text and parsed JSON; InvalidDocument describing why not."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise InvalidDocument([Problem(code="file",
                                       message=f"cannot read: {err.strerror or err}")]) from None
    try:
        text = data.decode("utf-8-sig")  # a BOM from Windows editors is fine
    except UnicodeDecodeError:
        raise InvalidDocument([Problem(code="file", message="is not UTF-8 text")]) from None
    if fmt == "fhir" and path.endswith(".ndjson"):
        return data, text, _ndjson(text)
    return data, text, load_json(text)


def _print_problems(label: str, problems: Sequence[Problem], err: TextIO,
                    line_of: Any = None) -> None:
    """``ERROR file:line: code: what is allowed``; the line when it is known."""
    for problem in problems:
        where = f"{label}:{line_of(problem.code)}" if line_of is not None else label
        err.write(f"ERROR {where}: {problem.code}: {safe_message(problem)}\n")


def import_file(path: str, out: TextIO, err: TextIO, fmt: str = "json") -> bool:
    """Import one file; prints one line per document; returns whether it all went in."""
    # The command line sits above the service layer that validates and evaluates once;
    # imported here so account commands do not load it.
    from services import intake

    details: dict[str, Any] = {"ok": False}
    if fmt != "json":
        details["format"] = fmt
    try:
        data, text, raw = _load(path, fmt)
    except InvalidDocument as exc:
        _print_problems(path, exc.problems, err)
        audit.record_audit(SYSTEM, audit.IMPORT, None,
                           {**details, "problem_codes": [p.code for p in exc.problems]})
        return False
    details["file_sha256"] = hashlib.sha256(data).hexdigest()
    documents = _fhir_documents(path, raw, text) if fmt == "fhir" else _documents(path, raw, text)
    details["documents"] = len(documents)
    if not documents:
        _print_problems(path, [Problem(code="document", message="the list holds no document")],
                        err)
        audit.record_audit(SYSTEM, audit.IMPORT, None, details)
        return False

    failed: list[str] = []
    invalid = 0
    validated: list[tuple[str, str, Screening]] = []  # label, idempotency key, screening
    for label, document, start, end in documents:
        try:
            answer_document = _as_document(document, fmt)
        except InvalidDocument as exc:  # FHIR envelope problems quote no answer: as they are
            for problem in exc.problems:
                err.write(f"ERROR {label}: {problem.code}: {problem.message}\n")
            failed.extend(p.code for p in exc.problems)
            invalid += 1
            continue
        try:  # validated once here; submit stores this screening without a second check
            validated.append((label, document_key(answer_document), intake.validate(answer_document)))
        except InvalidDocument as exc:
            def line_of(code: str, start: int = start, end: int = end) -> int:
                return _line_of(text, code, start, end)
            _print_problems(path, exc.problems, err, line_of)
            failed.extend(p.code for p in exc.problems)
            invalid += 1
    if failed:
        if len(documents) > 1:
            _print_problems(path, [Problem(code="file", message=(
                f"nothing imported: {invalid} of {len(documents)} documents are invalid"))], err)
        audit.record_audit(SYSTEM, audit.IMPORT, None, {**details, "problem_codes": failed})
        return False

    ids: list[int] = []
    for label, key, screening in validated:
        result = intake.submit(screening, idempotency_key=key, actor=SYSTEM)
        ids.append(result.screening_id)
        flags = ", ".join(result.flags) or "none"
        again = "already imported; " if not result.created else ""
        out.write(f"OK {label} -> screening {result.screening_id} ({again}flags: {flags})\n")
    target = audit.target_of("screening", ids[0]) if len(ids) == 1 else None
    audit.record_audit(SYSTEM, audit.IMPORT, target,
                       {**details, "ok": True, "screening_ids": ids})
    return True


def _read_password(stdin: TextIO, err: TextIO) -> str | None:
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Password again: ")
        if first != second:
            err.write("ERROR: the passwords do not match\n")
            return None
        return first
    return stdin.readline().rstrip("\r\n")


def _invite(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from datetime import date

    from store import invitations

    try:
        try:
            dob = date.fromisoformat(args.dob.strip())
        except ValueError:
            raise ValueError("--dob must be a date YYYY-MM-DD") from None
        appointment = invitations.parse_appointment(args.appointment)
        language = invitations.check_language(args.language.strip().lower(), "--language")
        view, token = invitations.create_invitation(
            args.first_name, args.last_name, dob, appointment, args.email, actor=args.actor,
            language=language)
    except ValueError as exc:
        err.write(f"ERROR: {exc}\n")
        return EXIT_FAILED
    local = view.appointment_at.astimezone(clinic_timezone())
    out.write(f"OK invitation {view.id} for {local:%Y-%m-%d %H:%M} ({local.tzname()}); "
              f"valid until {view.expires_at.astimezone(clinic_timezone()):%Y-%m-%d %H:%M}\n")
    link = invitations.invitation_link(app_base_url(), token)
    out.write(link + "\n")
    if view.email:
        from store.patient_mail import send_invitation_email

        result = send_invitation_email(view.id, link, actor=args.actor)
        messages = {"sent": "OK the link was emailed to the patient",
                    "not_configured": "NOTE email is not configured (SMTP_URL): give the patient "
                                      "the link above"}
        out.write(messages.get(result, "WARNING the email could not be sent: give the patient "
                                       "the link above") + "\n")
    return EXIT_OK


def _send_reminders(out: TextIO, err: TextIO) -> int:
    from store.patient_mail import email_configured, send_reminders

    if not email_configured():
        err.write("ERROR: email is not configured: set SMTP_URL (and SMTP_FROM)\n")
        return EXIT_USAGE
    counts = send_reminders()
    out.write(f"OK reminders sent {counts['sent']}, failed {counts['failed']}\n")
    return EXIT_FAILED if counts["failed"] else EXIT_OK


def _deliver_alerts(once: bool, out: TextIO, err: TextIO) -> int:
    import signal
    import threading

    from store import alerts

    try:
        settings = alerts.AlertSettings.from_env()
    except alerts.AlertSettingsError as exc:
        err.write(f"ERROR: {exc}\n")
        return EXIT_USAGE
    for problem in settings.problems:
        err.write(f"WARNING: {problem}\n")
    if not settings.channels:
        err.write("ERROR: no alert channel configured: set ALERT_EMAIL (with SMTP_URL) "
                  "and/or ALERT_WEBHOOK_URL\n")
        return EXIT_USAGE
    store = get_store()
    if once:
        report = alerts.deliver_due(settings, store=store)
        out.write(f"OK sent {report.sent}, failed {report.failed} (retried later), "
                  f"pending {report.pending}\n")
        return EXIT_FAILED if report.failed else EXIT_OK
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()
        alerts.wake()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    out.write(f"OK delivering alerts by {', '.join(settings.channels)} until stopped\n")
    out.flush()
    alerts.run_deliverer(stop, store=store, settings=settings)
    out.write("OK stopped\n")
    return EXIT_OK


def _list_users(out: TextIO) -> int:
    users = list_users(actor=cli_actor())
    out.write(f"{'username':<24} {'role':<10} {'state':<12} {'failed':>6}  last sign-in (UTC)\n")
    for user in users:
        throttled = user.locked_until is not None and user.locked_until > utcnow()
        state = "inactive" if not user.active else "throttled" if throttled else "active"
        last = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never"
        out.write(f"{user.username:<24} {user.role:<10} {state:<12} {user.failed_attempts:>6}  "
                  f"{last}\n")
    return EXIT_OK


def _change_user(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    actor = cli_actor()
    try:
        if args.command == "unlock":
            user = unlock_user(args.username, actor=actor)
            done = "unlocked (failed sign-ins reset)"
        elif args.command == "set-password":
            password = _read_password(stdin, err)
            if password is None:
                return EXIT_FAILED
            user = set_password(args.username, password, actor=actor)
            done = "has a new password"
        else:
            user = set_user_active(args.username, bool(args.reactivate), actor=actor)
            done = "reactivated" if args.reactivate else "deactivated"
    except (ValueError, StoreError) as exc:
        err.write(f"ERROR: {exc}\n")
        return EXIT_FAILED
    out.write(f"OK user {user.username} {done}\n")
    return EXIT_OK


def _anchor(value: str) -> tuple[int, str]:
    row, sep, digest = value.partition(":")
    if not (sep and row.isdigit() and len(digest) == 64
            and all(c in "0123456789abcdef" for c in digest)):
        raise argparse.ArgumentTypeError("anchor must be ID:HASH as printed by verify "
                                         "(a row id, a colon, 64 lower-case hex digits)")
    return int(row), digest


def _verify(anchor: tuple[int, str] | None, out: TextIO, err: TextIO) -> int:
    with get_store().session(readonly=True) as session:
        report = chain.verify(session, anchor)
    out.write(f"audit chain: {report.audit_rows} rows; head {report.head_id}:{report.head_hash}\n")
    if not report.ok:
        err.write(f"BROKEN: {report.problem}\n")
        return EXIT_FAILED
    unsealed = (f" ({report.unsealed} submitted before migration 0017_issue11: present, "
                "but no document hash to compare)") if report.unsealed else ""
    out.write(f"screenings: {report.screenings} verified{unsealed}\n")
    out.write("OK audit chain and screenings verify\n")
    return EXIT_OK


def _grant(role: str, print_only: bool, out: TextIO, err: TextIO) -> int:
    try:
        statements = privileges.app_role_grants(role)
        if print_only:
            out.write("".join(f"{sql};\n" for sql in statements))
            return EXIT_OK
        with get_store().engine.begin() as conn:
            privileges.grant_app_role(conn, role)
    except ValueError as exc:
        err.write(f"ERROR: {exc}\n")
        return EXIT_FAILED
    out.write(f"OK role {role} has the application's privileges only\n")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m store",
                                     description="Screening database tools (DATABASE_URL).")
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="import answer documents as screenings")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--format", choices=("json", "fhir"), default="json",
                     help="json: answer documents (default); fhir: FHIR R4 QuestionnaireResponses")
    user = commands.add_parser("add-user", help="create a clinic account")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=ROLES)
    commands.add_parser("list-users", help="list clinic accounts")
    for name, what in (("unlock", "end a sign-in throttle of an account"),
                       ("set-password", "set a new password (prompted, or from stdin)"),
                       ("deactivate", "stop an account from signing in")):
        command = commands.add_parser(name, help=what)
        command.add_argument("username")
        if name == "deactivate":
            command.add_argument("--reactivate", action="store_true",
                                 help="let a deactivated account sign in again")
    purge = commands.add_parser("purge-drafts", help="delete stale unsubmitted drafts")
    purge.add_argument("--days", type=int, default=STALE_AFTER_DAYS)
    invite = commands.add_parser("invite", help="invite a patient to screen before an appointment")
    invite.add_argument("--first-name", required=True)
    invite.add_argument("--last-name", required=True)
    invite.add_argument("--dob", required=True, help="date of birth, YYYY-MM-DD")
    invite.add_argument("--appointment", required=True,
                        help='"YYYY-MM-DD HH:MM" in the clinic\'s time zone (CLINIC_TIMEZONE)')
    invite.add_argument("--email", default=None)
    invite.add_argument("--language", default=DEFAULT_LANGUAGE,
                        help="the patient's language for the email and the link's page: "
                             + " or ".join(LANGUAGES) + f" (default {DEFAULT_LANGUAGE})")
    invite.add_argument("--actor", default=SYSTEM, help="who is inviting (audit log)")
    commands.add_parser("send-reminders",
                        help="email invited patients whose appointment is tomorrow (daily)")
    deliver = commands.add_parser("deliver-alerts", help="send urgent alerts from the outbox")
    deliver.add_argument("--once", action="store_true",
                         help="send what is due now, then exit (for a scheduler)")
    verify = commands.add_parser("verify", help="check the audit hash chain and every screening")
    verify.add_argument("--anchor", type=_anchor, default=None,
                        help="ID:HASH of a chain head recorded earlier (printed by verify)")
    grant = commands.add_parser("grant-app-role",
                                help="PostgreSQL: least privilege for the app's login role")
    grant.add_argument("role")
    grant.add_argument("--print", action="store_true", dest="print_only",
                       help="print the SQL instead of running it")
    commands.add_parser("init", help="create the database schema")
    return parser


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None,
         out: TextIO | None = None, err: TextIO | None = None) -> int:
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=err,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage
        return EXIT_USAGE if exc.code else EXIT_OK

    if args.command == "import":
        get_store()
        results = [import_file(path, out, err, args.format) for path in args.files]
        return EXIT_OK if all(results) else EXIT_FAILED

    if args.command == "add-user":
        password = _read_password(stdin, err)
        if password is None:
            return EXIT_FAILED
        try:
            user = create_user(args.username, password, args.role, actor=cli_actor())
        except (ValueError, StoreError) as exc:
            err.write(f"ERROR: {exc}\n")
            return EXIT_FAILED
        out.write(f"OK user {user.username} ({user.role}) created\n")
        return EXIT_OK

    if args.command == "list-users":
        return _list_users(out)

    if args.command in ("unlock", "set-password", "deactivate"):
        return _change_user(args, stdin, out, err)

    if args.command == "purge-drafts":
        if args.days < 1:
            err.write("ERROR: --days must be at least 1\n")
            return EXIT_USAGE
        out.write(f"OK purged {purge_stale_drafts(args.days)} stale drafts\n")
        return EXIT_OK

    if args.command == "invite":
        return _invite(args, out, err)

    if args.command == "send-reminders":
        return _send_reminders(out, err)

    if args.command == "deliver-alerts":
        return _deliver_alerts(args.once, out, err)

    if args.command == "verify":
        return _verify(args.anchor, out, err)

    if args.command == "grant-app-role":
        return _grant(args.role, args.print_only, out, err)

    get_store()  # init
    out.write("OK database ready\n")
    return EXIT_OK
