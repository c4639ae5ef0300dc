"""python -m rules evaluate FILE|-: JSON out, clear errors on stderr with exit 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from rules.__main__ import main
from tests.conftest import ROOT, make_doc


def run(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "rules", *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def test_evaluate_file_prints_flags_and_medications(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(make_doc(meds=["Xanax 0.5mg prn", "Lamisil"], glaucoma="yes")))
    code, out, err = run(["evaluate", str(path)])
    assert code == 0, err
    result = json.loads(out)
    flags = {f["rule_id"]: f for f in result["flags"]}
    assert set(flags) == {"benzodiazepine", "glaucoma"}
    benzo = flags["benzodiazepine"]
    assert set(benzo) == {"rule_id", "severity", "urgent", "reason", "evidence", "source"}
    assert benzo["evidence"][0]["medication"] == "Xanax 0.5mg prn"
    assert benzo["evidence"][0]["generic"] == "alprazolam"
    meds = result["medications"]
    assert [m["text"] for m in meds] == ["Xanax 0.5mg prn", "Lamisil"]
    assert {"text", "status", "matched", "generic", "classes", "method"} <= set(meds[0])
    assert meds[1]["generic"] == "terbinafine"


def test_evaluate_stdin():
    code, out, _ = run(["evaluate", "-"], json.dumps(make_doc(suicidal_thoughts="active_with_plan")))
    assert code == 0
    flag = json.loads(out)["flags"][0]
    assert flag["rule_id"] == "suicidal_plan" and flag["urgent"] is True


def _in_process(stdin_text: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin_text), out, err
    try:
        code = main(["evaluate", "-"])
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def test_invalid_document_lists_errors_on_stderr_and_exits_2():
    doc = make_doc(systolic_bp=400, diastolic_bp=80)
    code, out, err = _in_process(json.dumps(doc))
    assert code == 2 and out == ""
    errors = json.loads(err)["errors"]
    assert {"code": "systolic_bp",
            "message": "400 is above the allowed 260 (allowed 60-260)"} in errors


def test_not_json_is_a_clear_error_not_a_traceback():
    code, out, err = _in_process("{not json")
    assert code == 2 and out == ""
    assert "is not valid JSON (line 1" in err and "Traceback" not in err


def test_missing_file_is_a_clear_error():
    code, out, err = run(["evaluate", "/nonexistent/doc.json"])
    assert code == 2 and out == ""
    assert "cannot read /nonexistent/doc.json" in err and "Traceback" not in err
