"""HIPAA Safe Harbor (45 CFR 164.514(b)(2)) helpers, one copy for every de-identified export
(CSV in ``exports.render``, FHIR in ``exports.fhir.resources``).

Standard library (and the standard-library-only ``core.evidence``), so the CSV export's
worker processes can import it.

- ages over 89 become the one category ``90+``;
- every date keeps its year only;
- the database screening id becomes a random id per export: an HMAC of the id under a key
  drawn afresh for each export (``new_id_key``), so every file of one export agrees and no
  two exports do, and the id cannot be recovered without the key (which is never stored).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

# The age rule is the evidence formatter's too (flag evidence says ``age=90+``): one copy.
from core.evidence import AGE_90_PLUS as AGE_90_PLUS
from core.evidence import OLDEST_AGE_SHOWN as OLDEST_AGE_SHOWN
from core.evidence import safe_age as safe_age


def year_only(moment: str | None) -> str | None:
    """``2026`` from an ISO timestamp or date: Safe Harbor keeps only the year of a date."""
    return moment[:4] if moment else moment


def new_id_key() -> bytes:
    """A fresh random key for one de-identified export."""
    return secrets.token_bytes(32)


def pseudonym(id_key: bytes, screening_id: Any) -> str:
    """The random id of a screening in the export keyed ``id_key`` (16 hex digits)."""
    if not id_key:
        raise ValueError("a de-identified export needs its random id key")
    digest = hmac.new(id_key, str(screening_id).encode(), hashlib.sha256).hexdigest()
    return digest[:16]
