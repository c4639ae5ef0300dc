"""Crashes: a process submitting screenings is killed with SIGKILL mid-stream and started
again; every acknowledged submission is intact, nothing is half-written, drafts survive.
The real app is also killed with a patient's draft in progress, and the patient resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

import store as db
from store.schema import DraftRow, FlagRow, ScreeningRow
from tests.conftest import ROOT


def _run_until(url: str, start: int, count: int, kill_after_acks: int | None) -> list[str]:
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "tests.crash_worker", url, str(start), str(count)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    acks = 0
    deadline = time.monotonic() + 240
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.strip())
        acks += line.startswith("ACK")
        if kill_after_acks is not None and acks >= kill_after_acks:
            os.kill(proc.pid, signal.SIGKILL)  # mid-stream: the next submit is under way
            break
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("crash worker too slow")
    proc.wait(timeout=60)
    if kill_after_acks is None:
        assert proc.returncode == 0
    else:
        assert proc.returncode == -signal.SIGKILL
    return lines


def test_sigkill_mid_stream_loses_no_acknowledged_submission(store_db, store_url):
    first = _run_until(store_url, 0, 400, kill_after_acks=60)
    db.reset_stores()  # "restart": new process-level connections to the same database
    second = _run_until(store_url, 1000, 20, kill_after_acks=None)
    lines = first + second
    acked = {line.split()[1]: int(line.split()[2]) for line in lines if line.startswith("ACK")}
    drafts = [line.split()[1:3] for line in lines if line.startswith("DRAFT")]
    assert len(acked) >= 60 + 16

    store = db.get_store(store_url)
    with store.session(readonly=True) as session:
        rows = session.execute(select(ScreeningRow.id, ScreeningRow.idempotency_key,
                                      ScreeningRow.evaluation)).all()
        flags = dict(session.execute(select(FlagRow.screening_id, func.count())
                                     .group_by(FlagRow.screening_id)).all())
        draft_count = session.scalar(select(func.count()).select_from(DraftRow))
    stored = {key: sid for sid, key, _ in rows}
    for key, sid in acked.items():  # every acknowledged submission is there, as acknowledged
        assert stored.get(key) == sid
    # At most the one submission in flight at the kill may exist without its ACK line.
    assert len(rows) - len(acked) in (0, 1)
    for sid, _, evaluation in rows:  # and nothing is half-written
        assert flags.get(sid, 0) == len(evaluation["flags"])
    # Drafts survive the kill: each one printed can be resumed (or shows it was submitted).
    assert draft_count >= len(drafts)
    for token, dob in drafts:
        view = db.resume_draft(token, dob, store=store)
        assert view is not None
        assert view.submitted or view.answers["date_of_birth"] == dob


@pytest.mark.browser
def test_app_killed_with_a_draft_in_progress_resumes_after_restart(tmp_path, browser):
    from playwright.sync_api import expect

    from tests.browser import (
        DOB_TYPED,
        choose,
        expect_step,
        fill,
        fill_date,
        fresh_database_url,
        open_page,
        press,
        start_server,
        stop_server,
        wait_idle,
    )

    url = fresh_database_url(tmp_path, "crash")
    server = start_server(tmp_path, url)
    page = open_page(browser)
    page.goto(server.url)
    wait_idle(page, timeout=90_000)
    press(page, "start")
    fill(page, "q_first_name", "Kiro")
    fill(page, "q_last_name", "Crash")
    fill_date(page, "q_date_of_birth", DOB_TYPED)
    choose(page, "sex_at_birth", "male")
    press(page, "next")
    expect_step(page, 2, "Mental health")
    resume_url = page.url
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)
    assert "Kiro" not in server.log()

    restarted = start_server(tmp_path, url)
    try:
        page.goto(restarted.url + "/?" + resume_url.split("?", 1)[1])
        wait_idle(page, timeout=90_000)
        fill_date(page, "resume_dob", DOB_TYPED)
        press(page, "resume")
        expect_step(page, 2, "Mental health")
        press(page, "back")
        expect(page.locator(".st-key-q_first_name input")).to_have_value("Kiro")
    finally:
        page.close()
        stop_server(restarted)

