"""Submitting a screening: validate once, evaluate once, store once.

Every way in (the intake page, ``python -m store import`` with JSON or FHIR, tests,
benchmarks) calls ``submit``. It answers a replay (same idempotency key or draft) from the
store without validating or evaluating again; otherwise it parses the document once
(``forms.validation.parse_document``), evaluates it once with the process-wide rules
engine, and hands ``store.screenings.save_screening`` the typed screening and evaluation,
which stores them (with the urgent alert outbox row) in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from forms.models import Screening
from forms.validation import parse_document
from rules.engine import Engine, get_engine
from store.db import Store
from store.drafts import PATIENT
from store.models import SubmitResult
from store.schema import utcnow
from store.screenings import find_submitted, save_screening

log = logging.getLogger(__name__)


def received_now(document: Any) -> Any:
    """The document stamped with the current time when it has no ``submitted_at``, so the
    stored document says when it was received and re-evaluates to the same age."""
    if isinstance(document, Mapping) and document.get("submitted_at") is None:
        return {**document, "submitted_at": utcnow().isoformat().replace("+00:00", "Z")}
    return document


def validate(document: Any) -> Screening:
    """The validated screening of one answer document, as ``submit`` would store it.

    Raises ``forms.models.InvalidDocument`` listing every problem. Callers that check a
    whole batch before storing any (the import command) pass the result to ``submit``, so
    each document is still validated once.
    """
    return parse_document(received_now(document))


def submit(document: Mapping[str, Any] | Screening, *, draft_token: str | None = None,
           idempotency_key: str | None = None, actor: str = PATIENT, store: Store | None = None,
           language: str = "en", engine: Engine | None = None) -> SubmitResult:
    """Validate, evaluate and store one answer document (or an already validated screening).

    Raises ``forms.models.InvalidDocument`` (with ``.problems``) and stores nothing when the
    document is not valid; ``ValueError`` for an idempotency key that is empty or over 128
    characters. A replay returns the screening stored first (``created`` False) without
    evaluating again.
    """
    found = find_submitted(draft_token=draft_token, idempotency_key=idempotency_key, store=store)
    if found is not None:
        log.info("submit replayed: screening %s", found.screening_id)
        return found
    screening = document if isinstance(document, Screening) else validate(document)
    evaluation = (engine or get_engine()).evaluate(screening)  # engine built once per process
    return save_screening(screening, evaluation, draft_token=draft_token,
                          idempotency_key=idempotency_key, actor=actor, store=store,
                          language=language)
