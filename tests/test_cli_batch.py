"""python -m rules evaluate --jsonl FILE|- (batch) and python -m rules resolve TEXT... (audit)."""

from __future__ import annotations

import io
import json
import sys

from rules.__main__ import main
from tests.cli_helpers import run_cli
from tests.conftest import make_doc


def _in_process(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = main(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def test_jsonl_answers_one_line_per_document_in_order(tmp_path):
    docs = [make_doc(meds=["Xanax 1mg"]), make_doc(glaucoma="yes"), make_doc(meds=["Lamictal 100"])]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    code, out, err = run_cli(["evaluate", "--jsonl", str(path)])
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3
    rules = [{f["rule_id"] for f in json.loads(line)["flags"]} for line in lines]
    assert rules == [{"benzodiazepine"}, {"glaucoma"}, {"lamotrigine"}]
    assert json.loads(lines[0])["age"] == 41


def test_jsonl_reports_an_invalid_line_on_its_line_and_exits_2_at_the_end():
    good = json.dumps(make_doc(meds=["Ativan2mg"]))
    bad = json.dumps(make_doc(systolic_bp=400, diastolic_bp=80))
    stdin = "\n".join([good, bad, "{not json", "", good]) + "\n"
    code, out, err = _in_process(["evaluate", "--jsonl", "-"], stdin)
    assert code == 2 and err == ""
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 5
    assert {f["rule_id"] for f in lines[0]["flags"]} == {"benzodiazepine"}
    assert lines[1]["errors"][0]["code"] == "systolic_bp"
    assert lines[2]["errors"] and lines[3]["errors"][0]["code"] == "line"
    assert lines[4] == lines[0]


def test_jsonl_not_utf8_line_is_an_error_on_that_line(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b"\xff\xfe\n" + json.dumps(make_doc()).encode() + b"\n")
    code, out, _ = _in_process(["evaluate", "--jsonl", str(path)])
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and "UTF-8" in lines[0]["errors"][0]["message"] and lines[1]["flags"] == []


def test_jsonl_missing_file_is_a_clear_error():
    code, out, err = _in_process(["evaluate", "--jsonl", "/nonexistent/docs.jsonl"])
    assert code == 2 and out == ""
    assert json.loads(err)["errors"][0]["code"] == "file"


def test_resolve_shows_every_word_status_and_candidates():
    code, out, _ = _in_process(["resolve", "Celexa 20 for anxiety w/ ativn as needed", "Xantac"])
    assert code == 0
    first, second = out.split('"Xantac"')
    assert first.startswith('"Celexa 20 for anxiety w/ ativn as needed": recognized')
    for word, reading in [("celexa", "drug: citalopram"), ("20", "dose"), ("anxiety", "purpose"),
                          ("ativn", "drug: lorazepam (fuzzy"), ("needed", "frequency")]:
        assert any(line.split()[:1] == [word] and reading in line for line in first.splitlines()), word
    assert second.startswith(": ambiguous")
    assert "? Zantac (ranitidine)" in second and "? Xanax (alprazolam)" in second


def test_resolve_json_lists_unread_words():
    code, out, _ = _in_process(["resolve", "--json", "Xanax 1mg blorf"])
    data = json.loads(out)
    assert code == 0 and data["status"] == "partial" and data["unmatched"] == ["blorf"]
    assert {"word": "blorf", "read_as": "unread"} in data["words"]
