"""``python -m store``: import documents, add users, purge drafts (run as a real subprocess)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from store import authenticate, get_store, list_audit, reset_stores
from store.models import AuditFilters
from store.schema import ScreeningRow
from tests.conftest import ROOT, make_doc


def run(args: list[str], url: str, stdin: str = "") -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.run([sys.executable, "-m", "store", *args], input=stdin, cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def screenings(url: str) -> int:
    reset_stores()  # see what the subprocess wrote, through a fresh engine
    with get_store(url).session(readonly=True) as session:
        return int(session.scalar(select(func.count()).select_from(ScreeningRow)) or 0)


@pytest.fixture
def files(tmp_path):
    def write(name: str, content) -> str:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)

    return {
        "plain": write("plain.json", make_doc(glaucoma="yes")),
        "vignette": write("vignette.json", {"name": "v", "document": make_doc(
            first_name="Bo", last_name="Ng", signature_name="Bo Ng")}),
        "list": write("list.json", [make_doc(first_name="Cy", last_name="Ode",
                                             signature_name="Cy Ode", cannabis_use="daily"),
                                    {"document": make_doc(first_name="Di", last_name="Ode",
                                                          signature_name="Di Ode")}]),
        "invalid": write("invalid.json", make_doc(systolic_bp=400, diastolic_bp=80)),
        "half_invalid": write("half.json", [make_doc(first_name="Ed", last_name="Ode",
                                                     signature_name="Ed Ode"),
                                            {**make_doc(), "answers": {"first_name": "X"}}]),
        "not_json": write("broken.json", "{not json"),
        "missing": str(tmp_path / "nope.json"),
    }


def test_import_good_and_bad_files(store_url, files):
    good = [files["plain"], files["vignette"], files["list"]]
    code, out, err = run(["import", *good], store_url)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 4 and err == ""
    assert re.fullmatch(rf"OK {re.escape(files['plain'])} -> screening \d+ \(flags: glaucoma\)",
                        lines[0])
    assert re.fullmatch(rf"OK {re.escape(files['vignette'])} -> screening \d+ \(flags: none\)",
                        lines[1])
    assert lines[2].startswith(f"OK {files['list']}[0] -> screening ")
    assert lines[2].endswith("(flags: heavy_alcohol_or_cannabis)")
    assert lines[3].startswith(f"OK {files['list']}[1] -> screening ")
    assert screenings(store_url) == 4

    bad = [files["invalid"], files["half_invalid"], files["not_json"], files["missing"]]
    code, out, err = run(["import", files["plain"], *bad], store_url)
    assert code == 1
    assert out.splitlines() == [re.sub(r"\(flags", "(already imported; flags", lines[0])]
    errors = err.splitlines()
    assert f"ERROR {files['invalid']}:1: systolic_bp: must be a whole number from 60 to 260" \
        in errors
    assert any(e.startswith(f"ERROR {files['half_invalid']}:1: last_name: is required")
               for e in errors)
    assert f"ERROR {files['half_invalid']}: file: nothing imported: 1 of 2 documents are " \
           "invalid" in errors
    assert any(e.startswith(f"ERROR {files['not_json']}: document: is not valid JSON")
               for e in errors)
    assert any(e.startswith(f"ERROR {files['missing']}: file: cannot read") for e in errors)
    assert all(re.match(r"ERROR \S+: \S+: .+", e) for e in errors)
    assert "400" not in err
    assert screenings(store_url) == 4  # nothing from a bad file, no duplicate of the good one

    rows, total = list_audit(AuditFilters(action="import"), page_size=20)
    assert total == 3 + 5
    assert [r.details["ok"] for r in reversed(rows)] == [True] * 4 + [False] * 4
    assert "Ann" not in repr(rows) and "plain.json" not in repr(rows)
    assert list_audit(AuditFilters(action="submit"))[1] == 4


@pytest.mark.parametrize("args", [[], ["import"], ["frobnicate"], ["add-user", "x"],
                                  ["add-user", "x", "--role", "root"]])
def test_usage_errors_exit_2(store_url, args):
    code, out, err = run(args, store_url)
    assert code == 2 and out == "" and "usage:" in err


def test_add_user_reads_the_password_from_stdin(store_db, store_url):
    code, out, err = run(["add-user", "Carol", "--role", "admin"], store_url,
                         stdin="a long enough password\n")
    assert code == 0, err
    assert out == "OK user carol (admin) created\n"
    reset_stores()
    assert authenticate("carol", "a long enough password").ok

    code, out, err = run(["add-user", "carol", "--role", "clinician"], store_url,
                         stdin="a long enough password\n")
    assert code == 1 and "already exists" in err
    code, out, err = run(["add-user", "dave", "--role", "clinician"], store_url,
                         stdin="short\n")
    assert code == 1 and "at least 12" in err and out == ""


def test_purge_drafts(store_url):
    code, out, err = run(["purge-drafts", "--days", "30"], store_url)
    assert (code, out) == (0, "OK purged 0 stale drafts\n"), err
    assert run(["purge-drafts", "--days", "0"], store_url)[0] == 2
