"""What the UI and the command line call: access check, the export itself, the audit row.

Only an active clinician, admin or exporter account may export; the caller passes the logged-in
username and role, and both are checked against the account (a refused attempt is
audited as ``export_refused``). Every export writes exactly one ``export`` audit row with
who, the filters, the options and the row counts, and only once the files are complete;
if that audit row cannot be written, no file is handed out.

The CSVs are written to a private temporary directory first (memory stays bounded),
then moved into place, zipped, or read back, depending on the entry point.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from core.vocab import EXPORT_ROLES as EXPORT_ROLES
from core.vocab import SYSTEM_ROLE
from exports.core import FILES, ExportOptions, write_tables
from store import audit
from store.db import Store, get_store
from store.schema import UserRow
from store.users import normalise_username

log = logging.getLogger(__name__)

EXPORT_REFUSED = audit.EXPORT_REFUSED
FILE_MODE = 0o600  # the files hold patient data


class ExportRefused(PermissionError):
    """The actor may not export (not an active clinician or admin account)."""


class ExportResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    files: tuple[str, ...]
    rows: dict[str, int]  # data rows per file, header excluded
    directory: str | None = None  # where the files were written (export_to_dir)


def _private_open(path: str, flags: int) -> int:
    return os.open(path, flags, FILE_MODE)


def _audit_actor(actor: Any) -> str:
    if isinstance(actor, str) and 1 <= len(actor.strip()) <= 64:
        return actor.strip()
    return "unknown"


def check_export_access(actor: str, role: str, *, store: Store | None = None) -> str:
    """The stored username of ``actor`` if it may export as ``role``; else ExportRefused
    (and an ``export_refused`` audit row)."""
    store = store or get_store()
    reason = None
    username = normalise_username(actor) if isinstance(actor, str) else ""
    if role not in EXPORT_ROLES:
        reason = "role"
    elif not username:
        reason = "account"
    else:
        with store.session(readonly=True) as session:
            account = session.execute(select(UserRow.role, UserRow.active)
                                      .where(UserRow.username == username)).first()
        if account is None or not account.active or account.role != role:
            reason = "account"
    if reason is None:
        return username
    audit.record_audit(_audit_actor(username or actor), EXPORT_REFUSED, None, {
        "role": role[:32] if isinstance(role, str) else None, "reason": reason,
    }, store=store)
    if reason == "role":
        raise ExportRefused(f"only {', '.join(EXPORT_ROLES)} accounts can export screenings")
    raise ExportRefused("exporting needs an active clinician, admin or exporter account of that role")


@contextmanager
def _written(options: ExportOptions, actor: str, role: str, how: str, store: Store,
             near: Path | None = None, audit_extra: dict[str, Any] | None = None
             ) -> Iterator[tuple[Path, dict[str, int]]]:
    """Write the four files into a private temporary directory (inside ``near`` if
    given) and audit the export; yields (directory, row counts). The audit row is written
    before anything is handed out. The directory is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=".export-", dir=near) as tmp:
        directory = Path(tmp)
        with ExitStack() as stack:
            sinks = {name: stack.enter_context(open(
                directory / name, "w", encoding=options.encoding, newline="",
                opener=_private_open)) for name in FILES}
            counts = write_tables(sinks, options, store)
        audit.record_audit(actor, audit.EXPORT, None, {
            "role": role,
            "format": how,
            "filters": options.filters(),
            "deidentified": options.deidentified,
            "encoding": options.encoding,
            "rows": dict(counts),  # keyed by file name ("medications" alone is refused)
            **(audit_extra or {}),
        }, store=store)
        log.info("export by %s: %s", actor, counts)
        yield directory, counts


def _zip_into(directory: Path, target: BinaryIO) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            archive.write(directory / name, arcname=name)


def _run_export(options: ExportOptions, actor: str, role: str, *, how: str,
                out_dir: str | Path | None = None, zip_to: BinaryIO | None = None,
                store: Store | None = None, audit_extra: dict[str, Any] | None = None
                ) -> tuple[ExportResult, dict[str, bytes] | None]:
    """The one export path, once access is settled."""
    store = store or get_store()
    files: dict[str, bytes] | None = None
    target = Path(out_dir) if out_dir is not None else None
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
    with _written(options, actor, role, how, store, near=target,
                  audit_extra=audit_extra) as (directory, counts):
        if target is not None:
            for name in FILES:  # same file system: each file appears complete, at once
                os.replace(directory / name, target / name)
        if zip_to is not None:
            _zip_into(directory, zip_to)
        if out_dir is None and zip_to is None:
            files = {name: (directory / name).read_bytes() for name in FILES}
    result = ExportResult(files=FILES, rows=counts,
                          directory=str(target.resolve()) if target is not None else None)
    return result, files


def export_as_system(options: ExportOptions | None, actor: str, directory: str | Path, *,
                     os_user: str | None = None, store: Store | None = None) -> ExportResult:
    """A scheduled job's export (``python -m exports``): the four CSVs into ``directory``,
    audited as ``actor`` with role ``system`` and the operating-system user who ran it
    (``os_user``: ``actor`` is whatever name the job was given). Whoever can run it can
    read the database already; the UI must use the functions below, which check the
    logged-in account."""
    if not isinstance(actor, str) or not 1 <= len(actor.strip()) <= 64:
        raise ValueError("actor must be 1-64 characters")
    extra = {"os_user": os_user} if os_user else None
    result, _ = _run_export(options or ExportOptions(), actor.strip(), SYSTEM_ROLE,
                            how="directory", out_dir=directory, store=store,
                            audit_extra=extra)
    return result


def write_export_zip(target: BinaryIO, options: ExportOptions | None, actor: str, role: str, *,
                     store: Store | None = None) -> ExportResult:
    """Stream a zip of the four CSVs into a binary file object (bounded memory)."""
    username = check_export_access(actor, role, store=store)
    result, _ = _run_export(options or ExportOptions(), username, role, how="zip",
                            zip_to=target, store=store)
    return result


def export_zip(options: ExportOptions | None, actor: str, role: str, *,
               store: Store | None = None) -> bytes:
    """A zip of the four CSVs, as bytes (e.g. for a download button)."""
    buffer = io.BytesIO()
    write_export_zip(buffer, options, actor, role, store=store)
    return buffer.getvalue()


def export_files(options: ExportOptions | None, actor: str, role: str, *,
                 store: Store | None = None) -> dict[str, bytes]:
    """Each of the four CSVs as bytes, keyed by file name (one export, one audit row).
    Holds the files in memory: for a large export prefer ``write_export_zip`` to a file
    or ``export_to_dir``."""
    username = check_export_access(actor, role, store=store)
    _, files = _run_export(options or ExportOptions(), username, role, how="files", store=store)
    return files or {}


def export_to_dir(options: ExportOptions | None, actor: str, role: str,
                  directory: str | Path, *, store: Store | None = None) -> ExportResult:
    """Write the four CSVs into ``directory`` (created if missing, files replaced)."""
    username = check_export_access(actor, role, store=store)
    result, _ = _run_export(options or ExportOptions(), username, role, how="directory",
                            out_dir=directory, store=store)
    return result
