"""CSV exports of completed screenings (REDCap-style), for records, audits and other systems.

One export is four CSV files sharing ``screening_id``: ``screenings.csv`` (one row per
screening, one column per question code, ``code___option`` 0/1 columns for multi-choice
questions), ``flags.csv``, ``medications.csv`` and ``data_dictionary.csv``. See
``exports.columns`` for the columns, ``exports.api`` for access and auditing, and
``python -m exports --help`` for scheduled jobs.

The names below are imported on first use, so that a worker process rendering chunks
(``exports.render``) does not import the store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exports.api import (
        EXPORT_ROLES,
        ExportRefused,
        ExportResult,
        check_export_access,
        export_as_system,
        export_files,
        export_to_dir,
        export_zip,
        write_export_zip,
    )
    from exports.columns import dictionary_rows, screening_columns
    from exports.core import FILES, ExportOptions
    from exports.safety import neutralise

_WHERE = {
    "EXPORT_ROLES": "exports.api",
    "ExportRefused": "exports.api",
    "ExportResult": "exports.api",
    "check_export_access": "exports.api",
    "export_as_system": "exports.api",
    "export_files": "exports.api",
    "export_to_dir": "exports.api",
    "export_zip": "exports.api",
    "write_export_zip": "exports.api",
    "dictionary_rows": "exports.columns",
    "screening_columns": "exports.columns",
    "FILES": "exports.core",
    "ExportOptions": "exports.core",
    "neutralise": "exports.safety",
}
__all__ = [
    "EXPORT_ROLES",
    "FILES",
    "ExportOptions",
    "ExportRefused",
    "ExportResult",
    "check_export_access",
    "dictionary_rows",
    "export_as_system",
    "export_files",
    "export_to_dir",
    "export_zip",
    "neutralise",
    "screening_columns",
    "write_export_zip",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'exports' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
