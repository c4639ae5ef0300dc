"""The clinician queue: urgent first, then most severe, then oldest submission first (or,
on request, the soonest appointment first); "due today/tomorrow" by the clinic's calendar.

Filtering, counting and paging all happen in SQL. The filters read only columns of the
``ix_screenings_queue`` index (or ``screening_flags`` through its rule index), so neither
a page nor the total reads the stored documents.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from forms.clock import clinic_timezone
from forms.validation import normalise_name
from store.db import Store, get_store
from store.evaluations import changed_since_review
from store.models import QueueFilters, QueueFlag, QueueRow, check_page
from store.schema import SEVERITY_ORDER, FlagRow, ScreeningRow, UserRow

QUEUE_ORDER = (ScreeningRow.urgent.desc(), ScreeningRow.severity_rank.asc(),
               ScreeningRow.submitted_at.asc(), ScreeningRow.id.asc())
# Soonest appointment first, walk-ins (no appointment) after them; ties in queue order.
APPOINTMENT_ORDER = (ScreeningRow.appointment_at.is_(None), ScreeningRow.appointment_at.asc(),
                     *QUEUE_ORDER)
ORDERS = {"priority": QUEUE_ORDER, "appointment": APPOINTMENT_ORDER}
ROW_COLUMNS = (
    ScreeningRow.id, ScreeningRow.public_id, ScreeningRow.first_name, ScreeningRow.last_name,
    ScreeningRow.date_of_birth, ScreeningRow.age, ScreeningRow.submitted_at, ScreeningRow.urgent,
    ScreeningRow.highest_severity, ScreeningRow.review_status, ScreeningRow.count_defer,
    ScreeningRow.count_review, ScreeningRow.count_adjust, ScreeningRow.count_info,
    ScreeningRow.assigned_to_id,
    ScreeningRow.latest_review_id, ScreeningRow.appointment_at, ScreeningRow.checked_in_at,
    ScreeningRow.checkin_severity,
)


def _day_start(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def clinic_day_bounds(day: date, zone: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of one day of the clinic's calendar (23 or 25 hours long on the
    days the clocks change)."""
    zone = zone or clinic_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def queue_conditions(filters: QueueFilters) -> list[Any]:
    """SQL conditions on ``screenings`` for these filters (shared with exports)."""
    conditions: list[Any] = []
    if filters.review_status:
        conditions.append(ScreeningRow.review_status.in_(filters.review_status))
    if filters.severity is not None:
        conditions.append(getattr(ScreeningRow, f"count_{filters.severity}") > 0)
    if filters.urgent is not None:
        conditions.append(ScreeningRow.urgent == filters.urgent)
    if filters.rule_id is not None:
        conditions.append(ScreeningRow.id.in_(
            select(FlagRow.screening_id).where(FlagRow.rule_id == filters.rule_id)))
    if filters.submitted_from is not None:
        conditions.append(ScreeningRow.submitted_at >= _day_start(filters.submitted_from))
    if filters.submitted_to is not None:
        end = _day_start(filters.submitted_to) + timedelta(days=1)
        conditions.append(ScreeningRow.submitted_at < end)
    if filters.assigned_to is not None:
        conditions.append(ScreeningRow.assigned_to_id == select(UserRow.id).where(
            UserRow.username == filters.assigned_to.strip().casefold()).scalar_subquery())
    if filters.name:
        pattern = f"%{_like_escape(normalise_name(filters.name))}%"
        conditions.append(ScreeningRow.name_search.like(pattern, escape="\\"))
    if filters.changed_since_review:
        conditions.append(changed_since_review())
    if filters.appointment_on is not None:
        start, end = clinic_day_bounds(filters.appointment_on)
        conditions.append(ScreeningRow.appointment_at >= start)
        conditions.append(ScreeningRow.appointment_at < end)
    return conditions


COUNT_LIMIT = 10_000


def list_queue(filters: QueueFilters | None = None, page: int = 1, page_size: int = 50, *,
               count_limit: int = COUNT_LIMIT,
               store: Store | None = None) -> tuple[list[QueueRow], int]:
    """One page of the queue and how many screenings match the filters.

    The count is exact up to ``count_limit``; past it the total is ``count_limit + 1``
    (show "more than ..."): an exact count of every row costs more than the page itself
    once there are tens of thousands of screenings.
    """
    filters = filters or QueueFilters()
    offset, limit = check_page(page, page_size)
    conditions = queue_conditions(filters)
    with (store or get_store()).session(readonly=True) as session:
        matching = select(ScreeningRow.id).where(*conditions).limit(count_limit + 1).subquery()
        total = session.scalar(select(func.count()).select_from(matching))
        rows = session.execute(select(*ROW_COLUMNS).where(*conditions)
                               .order_by(*ORDERS[filters.order]).offset(offset).limit(limit)).all()
        flags: dict[int, list[QueueFlag]] = {}
        assignee_ids = {r.assigned_to_id for r in rows if r.assigned_to_id is not None}
        usernames: dict[int, str] = {u.id: u.username for u in session.execute(
            select(UserRow.id, UserRow.username).where(UserRow.id.in_(assignee_ids)))
        } if assignee_ids else {}
        if rows:
            for f in session.execute(
                select(FlagRow.screening_id, FlagRow.rule_id, FlagRow.severity, FlagRow.urgent)
                .where(FlagRow.screening_id.in_([r.id for r in rows]))
                .order_by(FlagRow.screening_id, FlagRow.position)
            ):
                flags.setdefault(f.screening_id, []).append(
                    QueueFlag(rule_id=f.rule_id, severity=f.severity, urgent=f.urgent))
    return [
        QueueRow(
            id=r.id, public_id=r.public_id, first_name=r.first_name, last_name=r.last_name,
            date_of_birth=r.date_of_birth, age=r.age, submitted_at=r.submitted_at,
            urgent=r.urgent, highest_severity=r.highest_severity, review_status=r.review_status,
            counts={s: getattr(r, f"count_{s}") for s in SEVERITY_ORDER},
            flags=tuple(flags.get(r.id, ())),
            assigned_to=usernames.get(r.assigned_to_id) if r.assigned_to_id else None,
            reviewed_before=r.latest_review_id is not None,
            appointment_at=r.appointment_at, checked_in_at=r.checked_in_at,
            checkin_severity=r.checkin_severity,
        )
        for r in rows
    ], int(total or 0)
