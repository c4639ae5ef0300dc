"""What the command line and the detail page call for FHIR: access check, export, audit.

Same rules as the CSV export (``exports.api``): only active clinician and admin accounts
(or a scheduled job, role ``system``), exactly one ``export`` audit row per export with
who, the format, the filters and the counts, written before anything is handed out; files
mode 0600, written to a private temporary directory and moved into place complete.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import select

from core.vocab import SYSTEM_ROLE
from exports.api import ExportResult, _private_open, check_export_access
from exports.core import ExportOptions
from exports.fhir.bulk import ndjson_files, write_ndjson
from exports.fhir.resources import RESOURCE_TYPES, StoredScreening, screening_bundle
from store import audit
from store.db import Store, get_store
from store.models import ScreeningNotFound
from store.schema import ScreeningRow

NDJSON_FORMAT = "fhir-ndjson"
BUNDLE_FORMAT = "fhir-bundle"
ALL_NDJSON = tuple(f"{kind}.ndjson" for kind in RESOURCE_TYPES)


def _write(options: ExportOptions, actor: str, role: str, directory: str | Path,
           store: Store | None, os_user: str | None = None) -> ExportResult:
    store = store or get_store()
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    names = ndjson_files(options.deidentified)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=target) as tmp:
        staging = Path(tmp)
        with ExitStack() as stack:
            sinks = {name: stack.enter_context(open(
                staging / name, "w", encoding="utf-8", newline="\n", opener=_private_open))
                for name in names}
            counts = write_ndjson(sinks, options, store)
        audit.record_audit(actor, audit.EXPORT, None, {
            "role": role, "format": NDJSON_FORMAT, "filters": options.filters(),
            "deidentified": options.deidentified, "rows": dict(counts),
            **({"os_user": os_user} if os_user else {})}, store=store)
        for name in ALL_NDJSON:  # a de-identified export never sits beside an old Patient file
            if name not in names:
                (target / name).unlink(missing_ok=True)
        for name in names:
            os.replace(staging / name, target / name)
    return ExportResult(files=names, rows=counts, directory=str(target.resolve()))


def export_fhir_as_system(options: ExportOptions | None, actor: str, directory: str | Path, *,
                          os_user: str | None = None, store: Store | None = None) -> ExportResult:
    """A scheduled job's FHIR export (``python -m exports --format fhir``), role ``system``,
    with the operating-system user who ran it (``--actor`` is any name the caller gives)."""
    if not isinstance(actor, str) or not 1 <= len(actor.strip()) <= 64:
        raise ValueError("actor must be 1-64 characters")
    return _write(options or ExportOptions(), actor.strip(), SYSTEM_ROLE, directory, store,
                  os_user)


def export_fhir_to_dir(options: ExportOptions | None, actor: str, role: str,
                       directory: str | Path, *, store: Store | None = None) -> ExportResult:
    """The NDJSON files into ``directory`` for a signed-in clinician or admin."""
    username = check_export_access(actor, role, store=store)
    return _write(options or ExportOptions(), username, role, directory, store)


def screening_bundle_json(screening_id: int, actor: str, role: str, *,
                          deidentified: bool = False, store: Store | None = None) -> bytes:
    """One screening as a FHIR Bundle (JSON bytes) for a signed-in clinician or admin;
    audited as an export of that screening. ScreeningNotFound if there is none."""
    store = store or get_store()
    username = check_export_access(actor, role, store=store)
    with store.session(readonly=True) as session:
        row = session.execute(
            select(ScreeningRow.id, ScreeningRow.submitted_at, ScreeningRow.document,
                   ScreeningRow.evaluation, ScreeningRow.language)
            .where(ScreeningRow.id == screening_id)).first()
    if row is None:
        raise ScreeningNotFound(f"no screening {screening_id}")
    bundle = screening_bundle(StoredScreening(id=row.id, submitted_at=row.submitted_at,
                                              document=row.document, evaluation=row.evaluation,
                                              language=row.language),
                              deidentified)
    data = json.dumps(bundle, ensure_ascii=False, indent=1).encode("utf-8")
    audit.record_audit(username, audit.EXPORT, audit.target_of("screening", row.id), {
        "role": role, "format": BUNDLE_FORMAT, "deidentified": deidentified,
        "rows": {"entries": len(bundle["entry"])}}, store=store)
    return data
