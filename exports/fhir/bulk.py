"""FHIR Bulk Data NDJSON export: one file per resource type, one resource per line.

The selected screenings (the CSV export's filters: ``exports.core.conditions``) are read
in chunks of consecutive ids in one read transaction (one snapshot on PostgreSQL) and
each chunk's resources are written as they are built: memory holds one chunk whatever
the number of screenings. No access control and no audit here: see ``exports.fhir.api``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TextIO

from sqlalchemy import select

from exports.core import CHUNK_SIZE, ExportOptions, conditions, id_ranges
from exports.deid import new_id_key
from exports.fhir.resources import RESOURCE_TYPES, StoredScreening, screening_resources
from forms.fhir import build_questionnaire
from store.db import Store
from store.schema import ScreeningRow

_S = ScreeningRow


def ndjson_files(deidentified: bool) -> tuple[str, ...]:
    """``Questionnaire.ndjson`` ... in RESOURCE_TYPES order; no Patient when de-identified."""
    return tuple(f"{kind}.ndjson" for kind in RESOURCE_TYPES
                 if not (deidentified and kind == "Patient"))


def _line(resource: Mapping[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_ndjson(sinks: Mapping[str, TextIO], options: ExportOptions, store: Store, *,
                 chunk_size: int = CHUNK_SIZE) -> dict[str, int]:
    """Write every file of ``ndjson_files`` to its open text sink; returns resources per file."""
    names = ndjson_files(options.deidentified)
    counts = dict.fromkeys(names, 0)
    sinks["Questionnaire.ndjson"].write(_line(build_questionnaire()))
    counts["Questionnaire.ndjson"] = 1
    where = conditions(options)
    id_key = new_id_key() if options.deidentified else b""  # one random key per export
    with store.session(readonly=True) as session:
        if store.dialect == "postgresql":  # one snapshot for every chunk
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        conn = session.connection()
        for lo, hi in id_ranges(conn, where, chunk_size):
            rows = session.execute(
                select(_S.id, _S.submitted_at, _S.document, _S.evaluation, _S.language)
                .where(*where, _S.id > lo, _S.id <= hi).order_by(_S.id)).all()
            for row in rows:
                screening = StoredScreening(id=row.id, submitted_at=row.submitted_at,
                                            document=row.document, evaluation=row.evaluation,
                                            language=row.language)
                for resource in screening_resources(screening, options.deidentified, id_key=id_key):
                    name = f"{resource['resourceType']}.ndjson"
                    sinks[name].write(_line(resource))
                    counts[name] += 1
    return counts
