"""Re-evaluating stored screenings with a changed engine (a clinic overlay): the diff per
screening, the old evaluation kept, audit rows, reviewed screenings that gain a defer or
urgent flag back in the queue with the reason, the "changed since review" filter, and
parallel workers that never process a screening twice.

Engines are built without the 107k-name dictionary and the documents name only drugs the
overlay adds, so these tests do not depend on today's drug table.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

import store.reevaluate as reevaluate_module
from rules.engine import build_engine
from services import intake
from store import (
    QueueFilters,
    chain,
    create_user,
    get_screening,
    list_audit,
    list_queue,
    record_review,
)
from store.evaluations import evaluation_history
from store.models import AuditFilters
from store.reevaluate import ReevaluateOptions, reevaluate
from store.schema import EvaluationChangeRow, FlagRow, ReevaluationRunRow, ScreeningRow
from tests import test_store_chain
from tests.conftest import make_doc

PASSWORD = "correct horse battery"
app_role = test_store_chain.app_role  # a login role with the app's grants only (PostgreSQL)
NEW_DRUG = "Qwixorblat"  # a name no table knows until the overlay adds it
OVERLAY = f"""\
name: Test clinic
rules:
  bipolar_disorder:
    severity: defer
    why: This clinic treats bipolar disorder as a contraindication.
  glaucoma:
    urgent: true
    why: This clinic's eye doctor wants a same-day call.
drugs:
  - generic: qwixorblatine
    classes: [benzodiazepine]
    brands: [{NEW_DRUG}]
"""


@pytest.fixture(scope="module")
def base_engine():
    return build_engine(with_dictionary=False)


@pytest.fixture(scope="module")
def overlay_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("overlay") / "clinic.yaml"
    path.write_text(OVERLAY)
    return build_engine(overrides_file=path, with_dictionary=False)


@pytest.fixture
def db(store_db, base_engine, monkeypatch):
    """Screenings are submitted with the base engine."""
    monkeypatch.setattr(intake, "get_engine", lambda: base_engine)
    create_user("doc", PASSWORD, "clinician")
    return store_db


def _submit(**answers) -> int:
    return intake.submit(make_doc(**answers)).screening_id


def _review(screening_id: int, acks: dict[str, str | None] | None = None) -> None:
    detail = get_screening(screening_id)
    must = {f.rule_id: None for f in detail.evaluation.flags if f.requires_ack}
    record_review(screening_id, "doc", "cleared", "ok", {**must, **(acks or {})},
                  detail.latest_review_id, confirm_open_flags=True)


def _flags(store, screening_id: int) -> dict[str, tuple[str, bool]]:
    with store.session(readonly=True) as session:
        return {f.rule_id: (f.severity, f.urgent) for f in session.execute(
            select(FlagRow).where(FlagRow.screening_id == screening_id)).scalars()}


def _count(store, model) -> int:
    with store.session(readonly=True) as session:
        return int(session.scalar(select(func.count()).select_from(model)))


@pytest.fixture
def scene(db):
    """reviewed bipolar (gains defer), reviewed glaucoma (gains urgent), reviewed new drug
    (gains only an adjust flag), unreviewed bipolar, and one that does not change."""
    ids = {
        "bipolar_reviewed": _submit(bipolar_disorder="yes"),
        "glaucoma_reviewed": _submit(glaucoma="yes"),
        "drug_reviewed": _submit(meds=[f"{NEW_DRUG} 1 mg"]),
        "bipolar_unreviewed": _submit(bipolar_disorder="unsure"),
        "unchanged": _submit(liver_disease="yes"),
    }
    for key in ("bipolar_reviewed", "glaucoma_reviewed", "drug_reviewed", "unchanged"):
        _review(ids[key])
    return ids


def test_dry_run_reports_the_diff_and_saves_nothing(db, scene, overlay_engine):
    before = {k: _flags(db, i) for k, i in scene.items()}
    seen = []
    summary = reevaluate(overlay_engine, ReevaluateOptions(dry_run=True), on_change=seen.append)
    by_id = {c.screening_id: c for c in seen}
    assert set(by_id) == {scene["bipolar_reviewed"], scene["glaucoma_reviewed"],
                          scene["drug_reviewed"], scene["bipolar_unreviewed"]}
    bipolar = by_id[scene["bipolar_reviewed"]]
    assert bipolar.diff.describe() == "~bipolar_disorder (review -> defer)"
    assert bipolar.diff.gained_defer == ("bipolar_disorder",)
    assert "new defer flag bipolar_disorder" in bipolar.requeue_reason
    glaucoma = by_id[scene["glaucoma_reviewed"]]
    assert glaucoma.diff.gained_urgent == ("glaucoma",)
    drug = by_id[scene["drug_reviewed"]]
    assert [f.rule_id for f in drug.diff.added] == ["benzodiazepine"]
    assert [f.rule_id for f in drug.diff.removed] == ["medication_unrecognized"]
    assert drug.requeue_reason is None  # an adjust flag does not send it back
    assert by_id[scene["bipolar_unreviewed"]].requeue_reason is None  # already in the queue
    assert (summary.examined, summary.changed, summary.gained_defer, summary.gained_urgent,
            summary.requeued, summary.dry_run) == (5, 4, 2, 1, 2, True)
    # nothing saved
    assert {k: _flags(db, i) for k, i in scene.items()} == before
    assert _count(db, EvaluationChangeRow) == 0
    assert get_screening(scene["bipolar_reviewed"]).review_status == "cleared"
    assert list_audit(AuditFilters(action="reevaluate"))[1] == 0
    assert list_audit(AuditFilters(action="reevaluation_run"))[1] == 1


def test_run_records_new_evaluation_beside_the_old_and_requeues(db, scene, overlay_engine,
                                                                 base_engine, monkeypatch):
    alerts = []
    monkeypatch.setattr(reevaluate_module, "_enqueue_urgent_alert",
                        lambda session, sid, rules: alerts.append((sid, rules)))
    summary = reevaluate(overlay_engine, ReevaluateOptions(actor="nightly"))
    assert (summary.examined, summary.changed, summary.gained_defer, summary.gained_urgent,
            summary.requeued, summary.failed) == (5, 4, 2, 1, 2, 0)

    bipolar = get_screening(scene["bipolar_reviewed"])
    assert bipolar.review_status == "unreviewed"  # back to needs review
    assert bipolar.latest_review_id is not None and len(bipolar.reviews) == 1  # review kept
    assert bipolar.ruleset_version == overlay_engine.version
    assert bipolar.highest_severity == "defer"
    assert _flags(db, bipolar.id) == {"bipolar_disorder": ("defer", False)}
    history = evaluation_history(bipolar.id)
    assert history.first_version == base_engine.version
    assert history.current_version == overlay_engine.version
    (change,) = history.changes
    assert change.actor == "nightly" and change.requeued_from == "cleared"
    assert change.previous["ruleset_version"] == base_engine.version  # the old one, kept whole
    assert change.previous["flags"][0]["severity"] == "review"
    assert history.since_review is not None
    assert history.since_review.describe() == "~bipolar_disorder (review -> defer)"
    assert "bipolar_disorder" in history.requeue_reason

    glaucoma = get_screening(scene["glaucoma_reviewed"])
    assert glaucoma.urgent and glaucoma.review_status == "unreviewed"
    assert alerts == [(glaucoma.id, ("glaucoma",))]

    drug = get_screening(scene["drug_reviewed"])
    assert drug.review_status == "cleared"  # gained an adjust flag only: stays reviewed
    assert evaluation_history(drug.id).since_review.describe() == (
        "+benzodiazepine (adjust) -medication_unrecognized (review)")

    unchanged = get_screening(scene["unchanged"])
    assert unchanged.ruleset_version == base_engine.version  # untouched
    assert evaluation_history(unchanged.id).changes == ()
    assert evaluation_history(unchanged.id).since_review is None

    audits, total = list_audit(AuditFilters(action="reevaluate"))
    assert total == 4
    row = next(a for a in audits if a.target == f"screening:{bipolar.id}")
    assert row.actor == "nightly" and row.details["changed"] == ["bipolar_disorder"]
    assert row.details["requeued"] is True
    run_audit = list_audit(AuditFilters(action="reevaluation_run"))[0][0]
    assert run_audit.details["changed"] == 4

    # the queue: reviewed, then changed
    changed_rows, n = list_queue(QueueFilters(changed_since_review=True))
    assert n == 3 and {r.id for r in changed_rows} == {
        scene["bipolar_reviewed"], scene["glaucoma_reviewed"], scene["drug_reviewed"]}
    back = next(r for r in changed_rows if r.id == bipolar.id)
    assert back.review_status == "unreviewed" and back.reviewed_before

    # a second run changes nothing
    again = reevaluate(overlay_engine, ReevaluateOptions())
    assert (again.examined, again.changed) == (5, 0)
    assert _count(db, EvaluationChangeRow) == 4

    # reviewing it again clears "changed since review"; the new defer must be acknowledged
    _review(bipolar.id)
    assert get_screening(bipolar.id).review_status == "cleared"
    assert evaluation_history(bipolar.id).since_review is None
    assert evaluation_history(bipolar.id).requeue_reason is None
    assert list_queue(QueueFilters(changed_since_review=True))[1] == 2

    # back to the base rules: the flags return, with a second history entry
    back_run = reevaluate(base_engine, ReevaluateOptions())
    assert back_run.changed == 4 and back_run.requeued == 0  # losing flags never requeues
    assert _flags(db, bipolar.id) == {"bipolar_disorder": ("review", False)}
    assert len(evaluation_history(bipolar.id).changes) == 2
    with db.session(readonly=True) as session:  # the runs' audit rows chain in id order
        report = chain.verify(session)
    assert report.ok, report.problem


@pytest.mark.parametrize(("options", "expected"), [
    (ReevaluateOptions(status="unreviewed"), {"bipolar_unreviewed"}),
    (ReevaluateOptions(status="reviewed"), {"bipolar_reviewed", "glaucoma_reviewed", "drug_reviewed"}),
    (ReevaluateOptions(status="all", span=1), {"bipolar_reviewed", "glaucoma_reviewed",
                                               "drug_reviewed", "bipolar_unreviewed"}),
])
def test_status_filter_and_small_ranges(db, scene, overlay_engine, options, expected):
    seen = []
    reevaluate(overlay_engine, options, on_change=seen.append)
    assert {c.screening_id for c in seen} == {scene[k] for k in expected}


def test_since_filter_uses_the_submission_day(db, overlay_engine):
    old = intake.submit({**make_doc(bipolar_disorder="yes"),
                            "submitted_at": "2026-10-01T10:00:00Z"}).screening_id
    new = intake.submit({**make_doc(bipolar_disorder="yes"),
                            "submitted_at": "2026-11-02T00:00:00Z"}).screening_id
    from datetime import date
    seen = []
    summary = reevaluate(overlay_engine, ReevaluateOptions(since=date(2026, 11, 2)),
                         on_change=seen.append)
    assert [c.screening_id for c in seen] == [new] and summary.examined == 1
    assert get_screening(old).ruleset_version != overlay_engine.version


def test_a_screening_changed_meanwhile_is_not_overwritten(db, overlay_engine, base_engine):
    """The write re-checks the flags it read, under a row lock: a concurrent run wins."""
    sid = _submit(bipolar_disorder="yes")
    from store.reevaluate import _Counts, _evaluate_range, _write

    opts = ReevaluateOptions()
    with db.session(readonly=True) as session:
        pending = _evaluate_range(session, overlay_engine, sid, sid + 1, opts, _Counts(), None)
    assert len(pending) == 1
    reevaluate(overlay_engine, ReevaluateOptions())  # someone else applied it meanwhile
    with db.session() as session:
        assert _write(session, pending, None, "late", _Counts()) == ([], [sid])  # handed back
    assert len(evaluation_history(sid).changes) == 1


@pytest.fixture(scope="module")
def other_engine(tmp_path_factory):
    """Another clinic's rules, for a writer that changes a screening during a run."""
    path = tmp_path_factory.mktemp("other") / "other.yaml"
    path.write_text("rules:\n  bipolar_disorder:\n    severity: info\n"
                    "    why: Another clinic's rules.\n")
    return build_engine(overrides_file=path, with_dictionary=False)


def _writer_between_read_and_write(monkeypatch, engines):
    """After each of the next ``len(engines)`` reads, another writer re-evaluates everything
    with the next of ``engines`` (a concurrent run)."""
    original = reevaluate_module._evaluate_range
    queue = list(engines)
    busy = []

    def read_then_someone_writes(*args, **kwargs):
        pending = original(*args, **kwargs)
        if not busy and queue:
            busy.append(1)
            try:
                reevaluate(queue.pop(0), ReevaluateOptions(actor="other"))
            finally:
                busy.pop()
        return pending

    monkeypatch.setattr(reevaluate_module, "_evaluate_range", read_then_someone_writes)


def test_a_screening_changed_between_read_and_write_is_read_again_not_skipped(
        db, overlay_engine, other_engine, monkeypatch):
    """The write finds the flags changed since the read: the screening must still end up
    evaluated with this run's rules (a silently missed defer flag is the worst defect)."""
    sid = _submit(bipolar_disorder="yes")
    still = _submit(bipolar_disorder="no")
    _writer_between_read_and_write(monkeypatch, [other_engine])
    seen = []
    summary = reevaluate(overlay_engine, ReevaluateOptions(), on_change=seen.append)
    assert (summary.examined, summary.changed, summary.gained_defer, summary.failed) == (2, 1, 1, 0)
    assert [c.screening_id for c in seen] == [sid]
    assert seen[0].diff.describe() == "~bipolar_disorder (info -> defer)"  # from what it is now
    assert get_screening(sid).highest_severity == "defer"
    assert _flags(db, sid)["bipolar_disorder"] == ("defer", False)
    assert [c.to_version for c in evaluation_history(sid).changes][-1] == overlay_engine.version
    assert reevaluate(overlay_engine, ReevaluateOptions(dry_run=True)).changed == 0
    assert get_screening(still).ruleset_version != overlay_engine.version  # nothing to change


def test_a_screening_that_keeps_changing_is_reported_as_failed(
        db, overlay_engine, other_engine, base_engine, monkeypatch):
    sid = _submit(bipolar_disorder="yes")
    _writer_between_read_and_write(
        monkeypatch, [(other_engine, base_engine)[i % 2] for i in range(reevaluate_module.WRITE_ATTEMPTS)])
    failures = []
    summary = reevaluate(overlay_engine, ReevaluateOptions(),
                         on_failure=lambda s, why: failures.append((s, why)))
    assert failures == [(sid, "ChangedDuringRun")]
    assert (summary.examined, summary.changed, summary.failed) == (1, 0, 1)
    assert reevaluate(overlay_engine, ReevaluateOptions(dry_run=True)).changed == 1  # still to do


def test_unreadable_stored_document_is_counted_not_fatal(db, overlay_engine):
    good = _submit(bipolar_disorder="yes")
    bad = _submit(bipolar_disorder="yes")
    with db.session() as session:
        row = session.get(ScreeningRow, bad)
        row.document = {**row.document, "form_version": "0"}
    failures = []
    summary = reevaluate(overlay_engine, ReevaluateOptions(),
                         on_failure=lambda sid, why: failures.append((sid, why)))
    assert summary.failed == 1 and summary.changed == 1
    assert failures == [(bad, "InvalidDocument")]
    assert get_screening(good).highest_severity == "defer"


def test_parallel_workers_never_process_a_screening_twice(db, overlay_engine):
    ids = [_submit(bipolar_disorder="yes" if i % 2 else "no") for i in range(60)]
    summary = reevaluate(overlay_engine, ReevaluateOptions(span=4), workers=4)
    assert summary.examined == 60  # each screening examined exactly once across workers
    assert summary.changed == 30
    with db.session(readonly=True) as session:
        per_screening = session.execute(
            select(EvaluationChangeRow.screening_id, func.count())
            .group_by(EvaluationChangeRow.screening_id)).all()
        run = session.scalar(select(ReevaluationRunRow))
    assert len(per_screening) == 30 and all(n == 1 for _, n in per_screening)
    assert {sid for sid, _ in per_screening} == set(ids[1::2])
    assert run.finished_at is not None and run.next_id > run.last_id
    assert list_audit(AuditFilters(action="reevaluate"))[1] == 30


def test_command_line_prints_diff_and_summary(db, scene, overlay_engine, monkeypatch):
    import rules.engine
    from rules.__main__ import main

    monkeypatch.setattr(rules.engine, "_engine", overlay_engine)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["reevaluate", "--dry-run", "--status", "reviewed"]) == 0
    text = out.getvalue()
    assert f"screening {scene['bipolar_reviewed']} (" in text
    assert "~bipolar_disorder (review -> defer) [was cleared: back to needs review]" in text
    assert "gained a defer flag: 1" in text and "gained an urgent flag: 1" in text
    assert "would go back to needs review: 2" in text and "dry run: nothing saved" in text
    assert "Ann" not in text and "Lee" not in text  # ids only, never names
    assert get_screening(scene["bipolar_reviewed"]).review_status == "cleared"
    out.truncate(0)
    assert main(["reevaluate"]) == 0
    assert get_screening(scene["bipolar_reviewed"]).review_status == "unreviewed"


def test_command_line_refuses_a_bad_date(capsys):
    from rules.__main__ import main

    with pytest.raises(SystemExit) as caught:
        main(["reevaluate", "--since", "yesterday"])
    assert caught.value.code == 2
    assert "use a date like 2026-11-01" in capsys.readouterr().err


def test_a_screening_that_gains_an_urgent_flag_gets_one_alert_in_the_outbox(db, scene, overlay_engine):
    from store.alerts import alerts_for

    reevaluate(overlay_engine, ReevaluateOptions(actor="nightly"))
    reevaluate(overlay_engine, ReevaluateOptions(actor="nightly"))  # nothing changes: no second alert
    (alert,) = alerts_for(scene["glaucoma_reviewed"])
    assert alert["rule_ids"] == ["glaucoma"]
    assert alerts_for(scene["bipolar_reviewed"]) == []  # gained defer, not urgent


def test_benchmark_seed_gives_each_copy_its_own_templates_flags(db):
    """bench/bench_reevaluate.py's figures compare databases: its seed must store, for every
    copy, the flags of the template whose document it copies (PostgreSQL returned the
    templates in heap order, pairing documents with another template's flags)."""
    import importlib
    import random
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    seed = importlib.import_module("bench_queue").seed  # a script directory, not a package

    seed(db, 120, random.Random(1))
    with db.session(readonly=True) as session:
        stored = {r.id: [f["rule_id"] for f in r.evaluation["flags"]]
                  for r in session.execute(select(ScreeningRow.id, ScreeningRow.evaluation))}
        table: dict[int, list[str]] = {}
        for f in session.execute(select(FlagRow.screening_id, FlagRow.rule_id)
                                 .order_by(FlagRow.screening_id, FlagRow.position)):
            table.setdefault(f.screening_id, []).append(f.rule_id)
    assert len(stored) == 180
    assert {i: table.get(i, []) for i in stored} == stored


def test_ranges_are_written_in_order_by_a_writer_thread_on_postgresql(db, overlay_engine):
    """On PostgreSQL the server stores a range while the next one is evaluated; on SQLite
    each range is written where it was evaluated. Either way in id order, each once."""
    import threading

    ids = [_submit(bipolar_disorder="yes") for _ in range(7)]
    seen = []
    summary = reevaluate(overlay_engine, ReevaluateOptions(span=2),
                         on_change=lambda c: seen.append((c.screening_id, threading.current_thread().name)))
    assert summary.changed == 7 and [sid for sid, _ in seen] == ids
    expected = reevaluate_module.WRITER_THREAD if db.dialect == "postgresql" else "MainThread"
    assert {name for _, name in seen} == {expected}


def test_a_failed_write_stops_the_run_and_is_raised_never_swallowed(db, overlay_engine, monkeypatch):
    ids = [_submit(bipolar_disorder="yes") for _ in range(6)]
    original = reevaluate_module._write
    calls = []

    def fail_on_second_range(session, pending, *args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(session, pending, *args)

    monkeypatch.setattr(reevaluate_module, "_write", fail_on_second_range)
    with pytest.raises(RuntimeError, match="disk full"):
        reevaluate(overlay_engine, ReevaluateOptions(span=2))
    assert get_screening(ids[0]).highest_severity == "defer"  # the first range was committed
    assert get_screening(ids[2]).highest_severity == "review"  # the failed one rolled back
    assert _count(db, EvaluationChangeRow) == 2
    monkeypatch.setattr(reevaluate_module, "_write", original)
    assert reevaluate(overlay_engine, ReevaluateOptions()).changed == 4  # a new run finishes it


def test_the_app_role_can_run_a_reevaluation_on_postgresql(db, scene, overlay_engine, app_role):
    """The set-based writes (UPDATE ... FROM unnest, INSERT ... SELECT) stay within the app
    role's grants: only the re-evaluation columns of screenings are updated."""
    from store import get_store, reset_stores

    reset_stores()
    app = get_store(app_role.render_as_string(hide_password=False))
    summary = reevaluate(overlay_engine, ReevaluateOptions(), store=app)
    assert (summary.changed, summary.requeued, summary.failed) == (4, 2, 0)
    assert len(evaluation_history(scene["bipolar_reviewed"], store=app).changes) == 1
    with app.session(readonly=True) as session:
        assert chain.verify(session).ok
