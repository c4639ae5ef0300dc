"""Evaluation history of a screening: which rules version judged it, every re-evaluation
that changed its flags (with the evaluation it replaced, kept whole), and the flags added
and removed since the latest review.

The diff of two sets of flags lives here too, so the re-evaluation run, the detail page
and the queue's "changed since review" filter agree on what "changed" means: a rule that
fires now and did not, a rule that no longer fires, or a rule whose severity or urgency
changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, exists, select

from store.db import Store, get_store
from store.models import ReviewStatus, ScreeningNotFound, Severity
from store.schema import EvaluationChangeRow, ScreeningRow


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlagState(_View):
    rule_id: str
    severity: Severity
    urgent: bool

    def describe(self) -> str:
        return f"{self.rule_id} ({self.severity}{', urgent' if self.urgent else ''})"


class FlagChange(_View):
    rule_id: str
    before: FlagState
    after: FlagState

    def describe(self) -> str:
        def state(f: FlagState) -> str:
            return f"{f.severity}{', urgent' if f.urgent else ''}"
        return f"{self.rule_id} ({state(self.before)} -> {state(self.after)})"


class FlagDiff(_View):
    added: tuple[FlagState, ...] = ()
    removed: tuple[FlagState, ...] = ()
    changed: tuple[FlagChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def gained_defer(self) -> tuple[str, ...]:
        """Rules that are a defer now and were not (new, or raised to defer)."""
        return tuple([f.rule_id for f in self.added if f.severity == "defer"]
                     + [c.rule_id for c in self.changed
                        if c.after.severity == "defer" and c.before.severity != "defer"])

    @property
    def gained_urgent(self) -> tuple[str, ...]:
        return tuple([f.rule_id for f in self.added if f.urgent]
                     + [c.rule_id for c in self.changed if c.after.urgent and not c.before.urgent])

    def describe(self) -> str:
        parts = ([f"+{f.describe()}" for f in self.added] + [f"-{f.describe()}" for f in self.removed]
                 + [f"~{c.describe()}" for c in self.changed])
        return " ".join(parts) if parts else "no change"

    def rule_ids(self) -> dict[str, list[str]]:
        """For audit rows: rule ids only."""
        return {"added": [f.rule_id for f in self.added], "removed": [f.rule_id for f in self.removed],
                "changed": [c.rule_id for c in self.changed]}


FlagMap = Mapping[str, tuple[str, bool]]  # rule id -> (severity, urgent)


def flag_map(flags: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, bool]]:
    """Rule id -> (severity, urgent) of an evaluation's public flags."""
    return {f["rule_id"]: (f["severity"], bool(f["urgent"])) for f in flags}


def diff_flags(before: FlagMap, after: FlagMap) -> FlagDiff:
    """What changed from ``before`` to ``after`` (both in evaluation order)."""
    def state(rule_id: str, value: tuple[str, bool]) -> FlagState:
        return FlagState(rule_id=rule_id, severity=value[0], urgent=value[1])  # type: ignore[arg-type]
    if before == after:
        return FlagDiff()
    return FlagDiff(
        added=tuple(state(r, v) for r, v in after.items() if r not in before),
        removed=tuple(state(r, v) for r, v in before.items() if r not in after),
        changed=tuple(FlagChange(rule_id=r, before=state(r, before[r]), after=state(r, v))
                      for r, v in after.items() if r in before and before[r] != v),
    )


def requeue_reason(diff: FlagDiff, version: str) -> str | None:
    """Why a reviewed screening goes back to "needs review", or None if it does not."""
    reasons = []
    if diff.gained_defer:
        reasons.append("new defer flag " + ", ".join(diff.gained_defer))
    if diff.gained_urgent:
        reasons.append("new urgent flag " + ", ".join(diff.gained_urgent))
    if not reasons:
        return None
    return f"Re-evaluated with rules {version}: {'; '.join(reasons)}. Review it again."


# --- reading ----------------------------------------------------------------------------

class EvaluationChangeView(_View):
    id: int
    created_at: datetime
    actor: str
    run_id: int | None
    from_version: str
    to_version: str
    diff: FlagDiff
    review_id: int | None  # the latest review when the flags changed
    requeued_from: ReviewStatus | None
    requeue_reason: str | None
    previous: dict[str, Any]  # the evaluation this one replaced


class EvaluationHistory(_View):
    """How a screening's evaluation came to be, oldest change first."""

    screening_id: int
    current_version: str
    first_version: str  # the version that judged it at submission
    changes: tuple[EvaluationChangeView, ...]
    reviewed_at: datetime | None
    since_review: FlagDiff | None  # None: never reviewed, or unchanged since the review
    requeue_reason: str | None  # set while a re-evaluation's request for review is open


def _states(items: list[Any]) -> tuple[FlagState, ...]:
    return tuple(FlagState.model_validate(i) for i in items)


def _view(row: EvaluationChangeRow) -> EvaluationChangeView:
    diff = FlagDiff(added=_states(row.added), removed=_states(row.removed),
                    changed=tuple(FlagChange.model_validate(c) for c in row.changed))
    return EvaluationChangeView(
        id=row.id, created_at=row.created_at, actor=row.actor, run_id=row.run_id,
        from_version=row.from_version, to_version=row.to_version, diff=diff,
        review_id=row.review_id, requeued_from=row.requeued_from,  # type: ignore[arg-type]
        requeue_reason=row.requeue_reason, previous=row.previous)


def evaluation_history(screening_id: int, *, store: Store | None = None) -> EvaluationHistory:
    """The evaluation history of one screening. Raises ScreeningNotFound.

    Reads no patient answers; the caller (the detail page) audits the view of the screening.
    """
    with (store or get_store()).session(readonly=True) as session:
        screening = session.execute(
            select(ScreeningRow.ruleset_version, ScreeningRow.evaluation, ScreeningRow.reviewed_at,
                   ScreeningRow.latest_review_id, ScreeningRow.review_status)
            .where(ScreeningRow.id == screening_id)).first()
        if screening is None:
            raise ScreeningNotFound(f"no screening {screening_id}")
        rows = session.scalars(select(EvaluationChangeRow)
                               .where(EvaluationChangeRow.screening_id == screening_id)
                               .order_by(EvaluationChangeRow.created_at, EvaluationChangeRow.id)).all()
        changes = tuple(_view(r) for r in rows)
    reviewed_at = screening.reviewed_at
    after_review = [c for c in changes if reviewed_at is not None and c.created_at > reviewed_at]
    since_review = None
    if after_review:
        before = flag_map(after_review[0].previous.get("flags", ()))
        diff = diff_flags(before, flag_map(screening.evaluation.get("flags", ())))
        since_review = None if diff.empty else diff
    open_reason = None
    if screening.review_status == "unreviewed" and after_review:
        open_reason = next((c.requeue_reason for c in reversed(after_review) if c.requeue_reason), None)
    return EvaluationHistory(
        screening_id=screening_id, current_version=screening.ruleset_version,
        first_version=changes[0].from_version if changes else screening.ruleset_version,
        changes=changes, reviewed_at=reviewed_at, since_review=since_review,
        requeue_reason=open_reason)


def changed_since_review() -> ColumnElement[bool]:
    """SQL condition on ``screenings``: reviewed, and its flags changed after that review."""
    return and_(ScreeningRow.reviewed_at.is_not(None), exists().where(
        EvaluationChangeRow.screening_id == ScreeningRow.id,
        EvaluationChangeRow.created_at > ScreeningRow.reviewed_at))
