"""The parts of the clinician queue, one function each (``app_pages/queue.py`` calls them).

Two tabs: "To review" (not reviewed yet, or reviewed as needing follow-up) and
"Reviewed" (a decision that closes the screening). Filters stay folded until opened. Each
row names its flags; times are in the clinic's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import streamlit as st

import store as db
from app_pages import plain
from app_pages.questions import md_escape
from app_pages.review_model import clinic_time
from app_pages.services import engine, store
from core.vocab import DONE_REVIEW_STATUSES, NO_FLAG, OPEN_REVIEW_STATUSES, SEVERITIES, SEVERITY_LABELS
from core.vocab import REVIEW_STATUS_LABELS as REVIEW_STATUSES

PAGE_SIZE = 25
TABS = {"To review": OPEN_REVIEW_STATUSES, "Reviewed": DONE_REVIEW_STATUSES}
SEVERITY_COLOURS = {"defer": "red", "review": "orange", "adjust": "violet", "info": "blue"}
DUE = {"any": "Any day", "today": "Due today", "tomorrow": "Due tomorrow"}
ORDERS = {"priority": "Urgency", "appointment": "Appointment"}
SEVERITY_BADGES = {**{s: f":{SEVERITY_COLOURS[s]}-background[{SEVERITY_LABELS[s].upper()}]"
                      for s in SEVERITIES}, NO_FLAG: ":gray-background[NO FLAGS]"}


def choose_tab() -> tuple[tuple[str, ...], Any]:
    """The tabs; returns the review statuses of the open one (only it is queried) and its
    container."""
    tabs = st.tabs(list(TABS), key="queue_tab", on_change="rerun")
    for statuses, tab in zip(TABS.values(), tabs, strict=True):
        if tab.open:
            return statuses, tab
    return TABS["To review"], tabs[0]


def filters(tab_statuses: tuple[str, ...], username: str) -> db.QueueFilters:
    """The filters, folded away; the label says how many are active."""
    active = sum(bool(st.session_state.get(k))
                 for k in ("f_status", "f_name", "f_urgent", "f_dates", "f_changed")) \
        + sum(st.session_state.get(k, "any") != "any" for k in ("f_severity", "f_rule"))
    mine_col, due_col, order_col = st.columns([1, 2, 2], vertical_alignment="bottom")
    mine = mine_col.toggle("Assigned to me", key="f_mine")
    due = due_col.segmented_control("Appointment", tuple(DUE), format_func=DUE.get, key="f_due",
                                    default="any") or "any"
    order = order_col.segmented_control("Sort by", tuple(ORDERS), format_func=ORDERS.get,
                                        key="f_order", default="priority") or "priority"
    with st.expander(f"Filters ({active} active)" if active else "Filters", expanded=False):
        left, right = st.columns(2)
        statuses = left.multiselect("Review status", tab_statuses, format_func=REVIEW_STATUSES.get,
                                    key="f_status", placeholder="Any in this tab")
        severity = right.selectbox("Has a flag of severity", ("any", *SEVERITIES), key="f_severity",
                                   format_func=lambda s: "Any" if s == "any" else s)
        rule_ids = ["any", *sorted(r.id for r in engine().catalogue.rules)]
        rule = left.selectbox("Has flag", rule_ids, key="f_rule",
                              format_func=lambda r: "Any" if r == "any" else flag_name(r))
        name = right.text_input("Patient name contains", key="f_name", max_chars=100)
        dates = st.date_input("Submitted between", value=(), key="f_dates", format="YYYY-MM-DD",
                              max_value=date.today())
        urgent_only = st.checkbox("Urgent only", key="f_urgent")
        changed_only = st.checkbox("Changed since review (rules updated after the review)",
                                   key="f_changed")
    date_from = dates[0] if isinstance(dates, tuple) and len(dates) >= 1 else None
    date_to = dates[1] if isinstance(dates, tuple) and len(dates) == 2 else date_from
    chosen = tuple(s for s in statuses if s in tab_statuses) or tab_statuses
    return db.QueueFilters(
        review_status=chosen, severity=None if severity == "any" else severity,
        rule_id=None if rule == "any" else rule, urgent=True if urgent_only else None,
        submitted_from=date_from, submitted_to=date_to, name=name or None,
        assigned_to=username if mine else None, changed_since_review=changed_only,
        appointment_on=due_day(due), order=order,
    )


def due_day(due: str) -> date | None:
    """The clinic's calendar day of "due today" / "due tomorrow" (None: any day)."""
    if due == "any":
        return None
    from forms.clock import now_in_clinic

    return now_in_clinic().date() + timedelta(days=1 if due == "tomorrow" else 0)


def load_page(user: Mapping[str, Any], filters: db.QueueFilters) -> tuple[list[db.QueueRow], int, int, int]:
    """(rows, total, page, pages) for these filters; a queue view is audited once per page."""
    signature = filters.model_dump_json()
    if st.session_state.get("queue_filters") != signature:  # new filters: back to page 1
        st.session_state["queue_filters"] = signature
        st.session_state["queue_page"] = 1
    page = st.session_state.get("queue_page", 1)
    rows, total = db.list_queue(filters, page=page, page_size=PAGE_SIZE, store=store())
    pages = max(1, -(-total // PAGE_SIZE))
    audited = f"{signature}|{page}"
    if st.session_state.get("queue_audited") != audited:  # who looked at which list of patients
        st.session_state["queue_audited"] = audited
        db.record_audit(user["username"], "queue_view", None, {
            "page": page, "results": total, "shown": len(rows),
            "filters": filters.model_dump(mode="json", exclude={"name"})
            | {"name_search": bool(filters.name)},
        }, store=store())
    return rows, total, page, pages


def summary(total: int, page: int, pages: int) -> None:
    shown_total = f"more than {db.COUNT_LIMIT:,}" if total > db.COUNT_LIMIT else f"{total:,}"
    st.caption(f"{shown_total} screening{'s' if total != 1 else ''}; page {page} of "
               f"{'many' if total > db.COUNT_LIMIT else pages}. "
               + ("Soonest appointment first, walk-ins last. "
                  if st.session_state.get("f_order") == "appointment" else
                  "Urgent first, then by highest severity, then oldest first. ")
               + f"Times in {clinic_time_zone_name()}.")


def clinic_time_zone_name() -> str:
    from forms.clock import clinic_timezone

    return str(clinic_timezone())


def flag_name(rule_id: str) -> str:
    return rule_id.replace("_", " ")


def flag_chips(row: db.QueueRow) -> str:
    """The row's flags by name, coloured by severity, most severe first (our own codes)."""
    ordered = sorted(row.flags, key=lambda f: (not f.urgent, SEVERITIES.index(f.severity)))
    return " ".join(f":{SEVERITY_COLOURS[f.severity]}-background[{flag_name(f.rule_id)}]"
                    for f in ordered) or ":gray[no flags]"


def appointment_text(when: datetime | None) -> str:
    """'**Appointment** Thu 3 Dec 2026 14:00 CST' in the clinic's time zone, or a walk-in."""
    if when is None:
        return ":gray[Walk-in (no appointment)]"
    from forms.clock import clinic_timezone

    local = when.astimezone(clinic_timezone())
    return f"**Appointment** {local:%a} {local.day} {local:%b %Y %H:%M %Z}"


def checkin_text(when: datetime | None, severity: str | None) -> str:
    """' · Checked in 09:12 (check-in flags: defer)', coloured by the check-in's severity."""
    if when is None:
        return ""
    colour = SEVERITY_COLOURS.get(severity or "", "green")
    flagged = f" (check-in flags: {SEVERITY_LABELS[severity].lower()})" \
        if severity in SEVERITY_LABELS else ""
    from forms.clock import clinic_timezone

    return f" · :{colour}-background[Checked in {when.astimezone(clinic_timezone()):%H:%M}{flagged}]"


def _open_screening(screening_id: int) -> None:
    st.session_state["open_screening"] = screening_id
    st.session_state.pop(f"viewed_{screening_id}", None)  # each opening is an audited view


def row(item: db.QueueRow) -> None:
    with st.container(border=True, key=f"row_{item.id}"):
        top, action = st.columns([6, 1], vertical_alignment="center")
        urgent = ":red-background[**URGENT**] " if item.urgent else ""
        reopened = item.review_status == "unreviewed" and item.reviewed_before
        status = ("Needs review again (check-in raised a defer flag)"
                  if reopened and item.checkin_severity == "defer"
                  else "Needs review again (flags changed)"  # a re-evaluation sent it back
                  if reopened else REVIEW_STATUSES[item.review_status])
        top.markdown(f"{urgent}{SEVERITY_BADGES[item.highest_severity]} {status}")  # our words
        plain.strong(f"{item.last_name}, {item.first_name}, {item.age} y", where=top)  # patient's
        top.markdown(flag_chips(item))
        assigned = f" · assigned to {md_escape(item.assigned_to)}" if item.assigned_to else ""
        top.markdown(appointment_text(item.appointment_at)  # our words and the clinic's clock
                     + checkin_text(item.checked_in_at, item.checkin_severity))
        top.caption(f"Submitted {clinic_time(item.submitted_at)}{assigned}")
        if action.button("Open", key=f"open_{item.id}", on_click=_open_screening, args=(item.id,)):
            st.switch_page("app_pages/screening.py", query_params={"id": item.public_id})


def pager(page: int, pages: int) -> None:
    prev_col, next_col = st.columns(2)
    if prev_col.button("Previous page", key="prev_page", disabled=page <= 1):
        st.session_state["queue_page"] = page - 1
        st.rerun()
    if next_col.button("Next page", key="next_page", disabled=page >= pages):
        st.session_state["queue_page"] = page + 1
        st.rerun()
