"""Recording a day-of check-in: the check-in (validated by ``forms.checkin``) is judged by
the rules engine's check-in rules for its screening's appointment, and stored with its
evaluation and audit row in one transaction (``store.checkins.save_checkin``)."""

from __future__ import annotations

from datetime import datetime

from core.evaluation import Evaluation
from forms.checkin import CheckIn
from rules.engine import Engine, get_engine
from store.checkins import CheckInResult, save_checkin
from store.db import Store


def record(screening_id: int, checkin: CheckIn, actor: str, *, store: Store | None = None,
           engine: Engine | None = None) -> CheckInResult:
    """Evaluate and store one check-in; returns only that it was recorded (no flags: the
    front desk sees no clinical detail). Raises ``store.ScreeningNotFound`` or
    ``store.CheckInRefused``, storing nothing."""
    rules = engine or get_engine()  # built once per process, before the transaction

    def judge(appointment_at: datetime | None) -> Evaluation:
        return rules.evaluate_checkin(checkin, appointment_at)

    return save_checkin(screening_id, checkin, judge, actor, store=store)
