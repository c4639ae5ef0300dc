"""The clinician queue: urgent first, then severity, then oldest; filters and paging in SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services import intake
from store import QueueFilters, create_user, list_queue, record_review
from store.queue import COUNT_LIMIT, QUEUE_ORDER, ROW_COLUMNS, queue_conditions
from store.schema import SEVERITY_RANK, FlagRow, ScreeningRow
from tests.conftest import make_doc

# key: (first name, last name, submitted at, answers that give the wanted flags)
SEEDS = {
    "none": ("Ann", "Lee", "2026-11-08T09:00:00Z", {}),
    "review_old": ("Bo", "Leeson", "2026-11-02T09:00:00Z", {"glaucoma": "yes"}),
    "urgent": ("Cy", "Smith", "2026-11-05T23:59:00Z", {"suicidal_thoughts": "active_with_plan"}),
    "defer_new": ("Di", "Jones", "2026-11-03T00:00:00Z", {"substance_problem_current": "yes"}),
    "adjust": ("Joanne", "Park", "2026-11-04T12:00:00Z", {"cannabis_use": "daily"}),
    "info": ("Fay", "Ashlee", "2026-11-07T09:00:00Z",
             {"high_blood_pressure": "yes", "blood_pressure_controlled": "yes"}),
    "defer_old": ("Gil", "Brown", "2026-10-30T09:00:00Z", {"aneurysm_or_avm": "yes"}),
    "review_new": ("Hal", "Green", "2026-11-06T00:00:00Z",
                   {"glaucoma": "yes", "cannabis_use": "daily"}),
}
QUEUE = ["urgent", "defer_old", "defer_new", "review_old", "review_new", "adjust", "info", "none"]


@pytest.fixture
def seeded(store_db):
    ids = {}
    for key, (first, last, at, answers) in SEEDS.items():
        doc = make_doc(first_name=first, last_name=last, signature_name=f"{first} {last}",
                       **answers)
        doc["submitted_at"] = at
        ids[key] = intake.submit(doc).screening_id
    return ids


def keys(rows, ids) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[r.id] for r in rows]


def test_queue_order_is_urgent_then_severity_then_oldest(seeded):
    rows, total = list_queue()
    assert keys(rows, seeded) == QUEUE and total == len(QUEUE)
    assert [(r.urgent, r.highest_severity) for r in rows[:3]] == [
        (True, "defer"), (False, "defer"), (False, "defer")]
    assert [r.highest_severity for r in rows[3:]] == ["review", "review", "adjust", "info", "none"]
    first = rows[0]
    assert (first.first_name, first.last_name, first.review_status) == ("Cy", "Smith",
                                                                       "unreviewed")
    assert first.flags[0].rule_id == "suicidal_plan" and first.flags[0].urgent
    assert first.counts == {"defer": 1, "review": 0, "adjust": 0, "info": 0}
    assert rows[4].counts == {"defer": 0, "review": 1, "adjust": 1, "info": 0}
    assert [f.rule_id for f in rows[4].flags] == ["glaucoma", "heavy_alcohol_or_cannabis"]


FILTERS = [
    ("severity-defer", {"severity": "defer"}, ["urgent", "defer_old", "defer_new"]),
    ("severity-review", {"severity": "review"}, ["review_old", "review_new"]),
    ("severity-adjust-any-flag", {"severity": "adjust"}, ["review_new", "adjust"]),
    ("severity-info", {"severity": "info"}, ["info"]),
    ("rule", {"rule_id": "glaucoma"}, ["review_old", "review_new"]),
    ("rule-unknown", {"rule_id": "no_such_rule"}, []),
    ("urgent", {"urgent": True}, ["urgent"]),
    ("not-urgent", {"urgent": False}, QUEUE[1:]),
    ("dates-inclusive", {"submitted_from": date(2026, 11, 3), "submitted_to": date(2026, 11, 5)},
     ["urgent", "defer_new", "adjust"]),
    ("from-only", {"submitted_from": date(2026, 11, 7)}, ["info", "none"]),
    ("to-only", {"submitted_to": date(2026, 11, 2)}, ["defer_old", "review_old"]),
    ("name-last", {"name": "LEE"}, ["review_old", "info", "none"]),
    ("name-first", {"name": "ann"}, ["adjust", "none"]),
    ("name-full", {"name": " ann  lee "}, ["none"]),
    ("name-wildcards-are-literal", {"name": "%"}, []),
    ("name-underscore-is-literal", {"name": "a_n"}, []),
    ("name-blank-is-no-filter", {"name": "  "}, QUEUE),
    ("combined", {"severity": "review", "name": "green"}, ["review_new"]),
    ("status", {"review_status": "unreviewed"}, QUEUE),
    ("status-none-yet", {"review_status": ["cleared", "needs_follow_up"]}, []),
]


@pytest.mark.parametrize(("filters", "expected"),
                         [pytest.param(f, e, id=n) for n, f, e in FILTERS])
def test_queue_filters(seeded, filters, expected):
    rows, total = list_queue(QueueFilters(**filters))
    assert keys(rows, seeded) == expected and total == len(expected)


def test_review_status_filter_follows_the_latest_review(seeded):
    create_user("doc", "correct horse battery", "clinician")
    record_review(seeded["review_old"], "doc", "cleared", "", {}, None, confirm_open_flags=True)
    first = record_review(seeded["adjust"], "doc", "needs_follow_up", "", {}, None)
    record_review(seeded["adjust"], "doc", "cleared_with_conditions", "", {}, first.id,
                  confirm_open_flags=True)
    cases = {
        ("cleared",): ["review_old"],
        ("cleared_with_conditions",): ["adjust"],
        ("needs_follow_up",): [],
        ("cleared", "cleared_with_conditions"): ["review_old", "adjust"],
        ("unreviewed",): [k for k in QUEUE if k not in ("review_old", "adjust")],
    }
    for status, expected in cases.items():
        rows, total = list_queue(QueueFilters(review_status=status))
        assert keys(rows, seeded) == expected, status
        assert total == len(expected)


def test_paging(seeded):
    seen = []
    for page in (1, 2, 3):
        rows, total = list_queue(page=page, page_size=3)
        assert total == len(QUEUE)
        seen += keys(rows, seeded)
    assert seen == QUEUE
    assert list_queue(page=4, page_size=3) == ([], len(QUEUE))
    for page, size in ((0, 10), (1, 0), (1, 1000)):
        with pytest.raises(ValueError):
            list_queue(page=page, page_size=size)


@pytest.mark.parametrize("bad", [{"severity": "urgent"}, {"review_status": "done"},
                                 {"colour": "red"}, {"name": "x" * 101}])
def test_bad_filters_are_refused(bad):
    with pytest.raises(ValueError):
        QueueFilters(**bad)


# --- scale ------------------------------------------------------------------------------

N_BULK = 100_000
_RULES = (("suicidal_plan", "defer", True), ("substance_use_active", "defer", False),
          ("glaucoma", "review", False), ("age_over_65", "review", False),
          ("benzodiazepine", "adjust", False), ("hypertension_controlled", "info", False))


def _bulk_seed(store) -> None:
    """100,000 screenings straight into the tables (the evaluation is not under test here)."""
    screening_cols = ["id", "public_id", "form_version", "ruleset_version", "submitted_at",
                      "created_at", "first_name", "last_name", "name_search", "date_of_birth",
                      "age", "urgent", "highest_severity", "severity_rank", "count_defer",
                      "count_review", "count_adjust", "count_info", "review_status", "document",
                      "evaluation"]
    document = '{"form_version": "1", "answers": {"padding": "' + "x" * 400 + '"}}'
    base = datetime(2025, 1, 1, tzinfo=UTC)
    screenings, flags = [], []
    for i in range(1, N_BULK + 1):
        fired = [_RULES[(i * 7 + k) % len(_RULES)] for k in range(i % 3)]
        fired = sorted(set(fired), key=lambda f: (not f[2], SEVERITY_RANK[f[1]]))
        highest = fired[0][1] if fired else "none"
        count = {s: sum(f[1] == s for f in fired) for s in ("defer", "review", "adjust", "info")}
        at = (base + timedelta(minutes=5 * i)).strftime("%Y-%m-%d %H:%M:%S.000000")
        screenings.append((i, f"p{i}", "1", "r", at, at, f"First{i % 97}", f"Last{i}",
                           f"first{i % 97} last{i}", "1980-01-01", 45,
                           any(f[2] for f in fired), highest, SEVERITY_RANK[highest],
                           count["defer"], count["review"], count["adjust"], count["info"],
                           "cleared" if i % 4 == 0 else "unreviewed", document, "{}"))
        flags += [(i, p, f[0], f[1], f[2]) for p, f in enumerate(fired)]
    with store.session() as session:
        session.connection().exec_driver_sql(
            f"INSERT INTO screenings ({', '.join(screening_cols)}) "
            f"VALUES ({', '.join('?' * len(screening_cols))})", screenings)
        session.connection().exec_driver_sql(
            "INSERT INTO screening_flags (screening_id, position, rule_id, severity, urgent) "
            "VALUES (?, ?, ?, ?, ?)", flags)


SCALE_FILTERS = [
    {},
    {"review_status": "unreviewed"},
    {"severity": "defer"},
    {"severity": "info", "review_status": "unreviewed"},
    {"rule_id": "glaucoma"},
    {"rule_id": "no_such_rule"},
    {"urgent": True},
    {"submitted_from": date(2025, 3, 1), "submitted_to": date(2025, 3, 31)},
    {"name": "last9999"},
    {"review_status": "unreviewed", "severity": "review", "name": "first1 "},
]


def test_queue_uses_indexes_at_100000_screenings(sqlite_db):
    """Query plans, not timings (bench/bench_queue.py prints those): no queue query reads
    every screening row."""
    _bulk_seed(sqlite_db)
    with sqlite_db.session(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(ScreeningRow)) == N_BULK
    for filters in SCALE_FILTERS:
        f = QueueFilters(**filters)
        for page in (1, 100):
            rows, total = list_queue(f, page=page, page_size=50)
            assert len(rows) == max(0, min(50, total - (page - 1) * 50))
        # No query reads every screening row: each touches screenings through an index.
        conditions = queue_conditions(f)
        queries = (select(func.count(ScreeningRow.id)).where(*conditions),
                   select(*ROW_COLUMNS).where(*conditions).order_by(*QUEUE_ORDER).limit(50))
        with sqlite_db.engine.connect() as conn:
            for query in queries:
                sql = str(query.compile(dialect=conn.dialect,
                                        compile_kwargs={"literal_binds": True}))
                plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
                on_screenings = [p for p in plan if " screenings " in f"{p} "]
                assert on_screenings and all("INDEX" in p or "PRIMARY KEY" in p
                                             for p in on_screenings), (filters, plan)
    rows, total = list_queue(QueueFilters(rule_id="glaucoma"), page=1, page_size=5,
                             count_limit=N_BULK)
    capped = list_queue(QueueFilters(rule_id="glaucoma"), page=1, page_size=5)[1]
    assert capped == COUNT_LIMIT + 1  # past the limit, "more than 10,000"
    with sqlite_db.session(readonly=True) as session:
        expected = session.scalar(select(func.count(func.distinct(FlagRow.screening_id)))
                                  .where(FlagRow.rule_id == "glaucoma"))
    assert total == expected > 0 and all(
        any(fl.rule_id == "glaucoma" for fl in r.flags) for r in rows)


# --- the clinic's day: appointments (issue 13) -------------------------------------------

# key: appointment in the clinic's time zone (America/Los_Angeles), None for a walk-in
APPOINTMENTS = {
    "none": "2026-12-03 23:30",      # late on the 3rd in Los Angeles: the 4th in UTC
    "review_old": "2026-12-03 00:00",  # the first minute of the 3rd
    "urgent": "2026-12-04 00:00",    # the first minute of the 4th
    "defer_new": "2026-12-02 23:59",  # the last minute of the 2nd
    "adjust": None,
    "info": "2026-12-03 09:15",
    "defer_old": None,
    "review_new": "2026-12-04 08:00",
}


@pytest.fixture
def booked(seeded, store_db, monkeypatch):
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("CLINIC_TIMEZONE", "America/Los_Angeles")
    zone = ZoneInfo("America/Los_Angeles")
    with store_db.session() as session:
        for key, text in APPOINTMENTS.items():
            if text is not None:
                local = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
                session.get(ScreeningRow, seeded[key]).appointment_at = local
    return seeded


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 12, 3), ["review_old", "info", "none"]),  # queue order within the day
    (date(2026, 12, 4), ["urgent", "review_new"]),
    (date(2026, 12, 2), ["defer_new"]),
    (date(2026, 12, 5), []),
])
def test_due_on_a_day_of_the_clinic_calendar(booked, day, expected):
    rows, total = list_queue(QueueFilters(appointment_on=day))
    assert keys(rows, booked) == expected and total == len(expected)


def test_due_day_follows_the_clinic_time_zone(booked, monkeypatch):
    # The same instants read in UTC: 23:30 in Los Angeles on the 3rd is the 4th in UTC.
    monkeypatch.setenv("CLINIC_TIMEZONE", "UTC")
    rows, _ = list_queue(QueueFilters(appointment_on=date(2026, 12, 4)))
    assert "none" in keys(rows, booked) and "review_old" not in keys(rows, booked)


def test_day_bounds_cover_a_daylight_saving_day():
    from zoneinfo import ZoneInfo

    from store.queue import clinic_day_bounds

    start, end = clinic_day_bounds(date(2026, 11, 1), ZoneInfo("America/Los_Angeles"))
    assert end - start == timedelta(hours=25) and start.tzinfo is UTC
    assert start == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)


def test_sort_by_appointment_soonest_first_walk_ins_last(booked):
    rows, _ = list_queue(QueueFilters(order="appointment"))
    assert keys(rows, booked) == ["defer_new", "review_old", "info", "none", "urgent",
                                  "review_new", "defer_old", "adjust"]  # walk-ins: queue order
    assert rows[0].appointment_at is not None and rows[-1].appointment_at is None
    assert rows[0].appointment_at.utcoffset() == timedelta(0)  # stored and returned in UTC


def test_due_filter_combines_with_the_other_filters(booked):
    rows, _ = list_queue(QueueFilters(appointment_on=date(2026, 12, 3), severity="review",
                                      order="appointment"))
    assert keys(rows, booked) == ["review_old"]


def test_order_must_be_known():
    with pytest.raises(ValueError, match="order"):
        QueueFilters(order="name")
