"""``python -m store`` keeps patient data off the terminal and audits account commands
as the operating-system user (real subprocesses, as an operator runs them)."""

from __future__ import annotations

import getpass
import json
import re
from datetime import timedelta

import pytest

from store import authenticate, create_user, get_user, list_audit, reset_stores
from store.cli import cli_actor
from store.models import AuditFilters
from store.schema import utcnow
from tests.conftest import make_doc
from tests.test_store_cli import run

NAMES = ("Zephyrine", "Oakenshield")


def test_import_errors_name_file_line_and_code_but_never_answers(store_url, tmp_path):
    good = make_doc()
    bad = make_doc(first_name=NAMES[0], last_name=NAMES[1], signature_name="Someone Else",
                   systolic_bp=301, diastolic_bp=80, date_of_birth="2999-01-01")
    path = tmp_path / "batch.json"
    text = json.dumps([good, bad], indent=2)
    path.write_text(text)
    code, out, err = run(["import", str(path)], store_url)
    assert code == 1 and out == ""
    for secret in (*NAMES, "Someone Else", "301", "2999"):
        assert secret not in err, (secret, err)
    lines = text.splitlines()
    problems = dict(re.findall(rf"ERROR {re.escape(str(path))}:(\d+): (\w+): ", err))
    assert set(problems.values()) >= {"signature_name", "systolic_bp", "date_of_birth"}
    for line, code in problems.items():
        assert f'"{code}"' in lines[int(line) - 1]  # the line that holds the answer
        # ... in the second document, after the first one ends
        assert int(line) > text[:text.index('"form_version"', 10)].count("\n") + 1
    assert "must match the first and last name given" in err


def test_operating_system_user_is_the_actor():
    assert cli_actor() == f"cli:{getpass.getuser()}"


def test_account_commands_are_audited(store_db, store_url):
    create_user("erin", "a long enough password", "clinician")
    start = utcnow()
    for i in range(5):  # each after the previous wait (an early one is refused uncounted)
        authenticate("erin", "not the right one", now=start + timedelta(minutes=i))
    reset_stores()

    code, out, err = run(["list-users"], store_url)
    assert code == 0, err
    assert re.search(r"^erin\s+clinician\s+throttled\s+5\s+never$", out, re.M), out

    code, out, err = run(["unlock", "erin"], store_url)
    assert (code, out) == (0, "OK user erin unlocked (failed sign-ins reset)\n"), err
    code, out, err = run(["set-password", "ERIN"], store_url, stdin="aaaaaaaaaaaa\n")
    assert code == 1 and "repeated" in err and "aaaa" not in err
    code, out, err = run(["set-password", "erin"], store_url, stdin="mauve otter lantern\n")
    assert (code, out) == (0, "OK user erin has a new password\n"), err
    code, out, err = run(["deactivate", "erin"], store_url)
    assert (code, out) == (0, "OK user erin deactivated\n"), err
    code, out, err = run(["unlock", "nobody"], store_url)
    assert code == 1 and "no user nobody" in err

    reset_stores()
    user = get_user("erin")
    assert user is not None and not user.active and user.failed_attempts == 0
    assert authenticate("erin", "mauve otter lantern").reason == "inactive"
    actor = cli_actor()
    listed = list_audit(AuditFilters(action="user_list"))[0]
    assert [r.actor for r in listed] == [actor]
    updates = list_audit(AuditFilters(action="user_update"))[0]
    assert [(r.actor, r.details["changed"]) for r in reversed(updates)] == [
        (actor, ["unlocked"]), (actor, ["password"]), (actor, ["inactive"])]


@pytest.mark.parametrize("args", [["unlock"], ["deactivate"], ["set-password"]])
def test_account_commands_need_a_username(store_url, args):
    code, _out, err = run(args, store_url)
    assert code == 2 and "usage:" in err
