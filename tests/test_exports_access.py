"""CSV exports: who may export, the audit row of every export, the zip, the command line,
and the worker-process path (same bytes as the in-process one)."""

from __future__ import annotations

import getpass
import io
import multiprocessing
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exports import (
    ExportOptions,
    ExportRefused,
    core,
    export_files,
    export_to_dir,
    export_zip,
    write_export_zip,
)
from exports.core import write_tables
from services import intake
from store import create_user, list_audit, set_user_active
from store.models import AuditFilters
from store.schema import AuditRow
from tests.conftest import make_doc

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
FILES = ["screenings.csv", "flags.csv", "medications.csv", "data_dictionary.csv"]


@pytest.fixture
def seeded(store_db):
    create_user("doc", PASSWORD, "clinician")
    create_user("boss", PASSWORD, "admin")
    create_user("gone", PASSWORD, "clinician")
    create_user("records", PASSWORD, "exporter")
    create_user("desk", PASSWORD, "front_desk")
    set_user_active("gone", False, actor="system")
    for i, extra in enumerate([{}, {"glaucoma": "yes"}, {"meds": ["Xanax 1mg", "Zoloft"]}]):
        intake.submit({**make_doc(**extra), "submitted_at": f"2026-11-0{i + 1}T10:00:00Z"})
    return store_db


def audit_rows(action: str) -> list:
    rows, _ = list_audit(AuditFilters(action=action), page_size=200)
    return rows


def audit_total(store) -> int:
    with store.session(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(AuditRow))


@pytest.mark.parametrize(("actor", "role", "why"), [
    ("doc", "patient", "role"),
    ("doc", "", "role"),
    ("doc", None, "role"),
    ("doc", "system", "role"),
    ("doc", "Clinician", "role"),
    ("doc", "admin", "account"),  # a clinician claiming to be an admin
    ("desk", "front_desk", "role"),  # the front desk never exports
    ("desk", "exporter", "account"),  # nor by claiming the exporter role
    ("gone", "clinician", "account"),  # deactivated
    ("nobody", "clinician", "account"),
    ("", "clinician", "account"),
])
def test_only_active_clinicians_and_admins_can_export(seeded, tmp_path, actor, role, why):
    before = audit_total(seeded)
    for attempt in (lambda: export_zip(None, actor, role),
                    lambda: export_files(ExportOptions(), actor, role),
                    lambda: export_to_dir(None, actor, role, tmp_path / "out")):
        with pytest.raises(ExportRefused):
            attempt()
    assert not (tmp_path / "out").exists()
    assert audit_rows("export") == []
    refused = audit_rows("export_refused")
    assert len(refused) == 3 and audit_total(seeded) == before + 3
    assert {r.details["reason"] for r in refused} == {why}


@pytest.mark.parametrize(("actor", "role"), [("doc", "clinician"), ("BOSS", "admin"),
                                             ("records", "exporter")])
def test_clinicians_admins_and_exporters_can_export(seeded, actor, role):
    archive = zipfile.ZipFile(io.BytesIO(export_zip(None, actor, role)))
    assert archive.namelist() == FILES
    assert archive.read("screenings.csv").decode("utf-8-sig").count("\r\n") == 4


def test_every_export_writes_one_audit_row_with_filters_and_counts(seeded, tmp_path):
    options = ExportOptions(since=date(2026, 11, 2), review_status=["unreviewed"],
                            deidentified=True)
    export_files(options, "doc", "clinician")
    export_to_dir(ExportOptions(plain_utf8=True), "boss", "admin", tmp_path / "dir")
    buffer = io.BytesIO()
    write_export_zip(buffer, ExportOptions(decision=["cleared"]), "doc", "clinician")
    rows = audit_rows("export")
    assert len(rows) == 3
    newest_first = [(r.actor, r.target, r.details["format"], r.details["role"]) for r in rows]
    assert newest_first == [("doc", None, "zip", "clinician"), ("boss", None, "directory", "admin"),
                            ("doc", None, "files", "clinician")]
    first = rows[-1].details
    assert first["filters"] == {"since": "2026-11-02", "until": None,
                                "review_status": ["unreviewed"], "decision": []}
    assert first["deidentified"] is True and first["encoding"] == "utf-8-sig"
    assert first["rows"] == {"screenings.csv": 2, "flags.csv": 2, "medications.csv": 2,
                             "data_dictionary.csv": 70}
    assert rows[1].details["rows"]["screenings.csv"] == 3
    assert rows[1].details["encoding"] == "utf-8"
    assert rows[0].details["rows"]["screenings.csv"] == 0
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == sorted(FILES)  # no temp left


def test_files_are_private_and_replaced(seeded, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "flags.csv").write_text("old")
    export_to_dir(None, "doc", "clinician", out)
    for name in FILES:
        assert (out / name).stat().st_mode & 0o777 == 0o600
    assert (out / "flags.csv").read_text("utf-8-sig").startswith("screening_id,rule_id")


def test_no_file_is_handed_out_when_the_audit_row_cannot_be_written(seeded, tmp_path, monkeypatch):
    from store import audit

    def broken(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record_audit", broken)
    with pytest.raises(RuntimeError):
        export_to_dir(None, "doc", "clinician", tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(("options", "selected", "start"), [
    (ExportOptions(), 3, "fork"),
    (ExportOptions(), 3, "spawn"),
    (ExportOptions(since=date(2026, 11, 2), until=date(2026, 11, 2), deidentified=True), 1, "fork"),
    (ExportOptions(review_status=["unreviewed"], until=date(2026, 11, 2)), 2, "fork"),
])
def test_worker_processes_write_the_same_bytes(seeded, monkeypatch, options, selected, start):
    monkeypatch.setattr(core, "_process_context", lambda: multiprocessing.get_context(start))
    outputs = []
    for workers in (0, 2):
        sinks = {name: io.StringIO() for name in FILES}
        # one id key for both runs: a de-identified export draws a random one per export
        counts = write_tables(sinks, options, seeded, chunk_size=2, workers=workers,
                              id_key=b"k" * 32)
        outputs.append(({n: s.getvalue() for n, s in sinks.items()}, counts))
    assert outputs[0] == outputs[1]
    assert outputs[0][1]["screenings.csv"] == selected


# --- the command line --------------------------------------------------------------------

def test_workers_that_cannot_start_fall_back_to_this_process(seeded, monkeypatch, caplog):
    def broken(plan, spec):
        raise RuntimeError("no worker today")

    monkeypatch.setattr(core.worker, "init", broken)
    sinks = {name: io.StringIO() for name in FILES}
    counts = write_tables(sinks, ExportOptions(), seeded, chunk_size=2, workers=2)
    assert counts["screenings.csv"] == 3
    assert "rendering in-process" in caplog.text


def run_cli(store_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": store_url}
    return subprocess.run([sys.executable, "-m", "exports", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_cli_writes_the_files_prints_counts_and_is_audited(seeded, store_url, tmp_path):
    out = tmp_path / "nightly"
    done = run_cli(store_url, "--out", str(out), "--since", "2026-11-02", "--deidentified",
                   "--plain-utf8", "--status", "unreviewed,cleared")
    assert done.returncode == 0, done.stderr
    assert "screenings.csv" in done.stdout and " 2 rows" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    text = (out / "screenings.csv").read_bytes()
    assert text.startswith(b"screening_id,") and b"first_name" not in text
    (row,) = audit_rows("export")
    assert (row.actor, row.details["role"], row.details["format"]) == ("system", "system", "directory")
    # --actor is any name; who really ran it is recorded too
    assert row.details["os_user"] == getpass.getuser()
    assert row.details["filters"]["review_status"] == ["unreviewed", "cleared"]
    assert row.details["deidentified"] is True


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2026-13-01"], "not a date"),
    (["--until", "yesterday"], "not a date"),
    (["--since", "2026-12-01", "--until", "2026-11-01"], "after"),
    (["--status", "approved"], "not a review status"),
    (["--decision", "unreviewed"], "not a decision"),
    (["--actor", ""], "--actor"),
    (["--bogus"], "unrecognized arguments"),
])
def test_cli_refuses_bad_arguments_with_exit_2(seeded, store_url, tmp_path, args, message):
    done = run_cli(store_url, "--out", str(tmp_path / "out"), *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert not (tmp_path / "out").exists()
    assert audit_rows("export") == []


def test_cli_needs_out_and_refuses_a_file_as_out(seeded, store_url, tmp_path):
    assert run_cli(store_url).returncode == 2
    target = tmp_path / "file.csv"
    target.write_text("x")
    done = run_cli(store_url, "--out", str(target))
    assert done.returncode == 2 and "not a directory" in done.stderr
