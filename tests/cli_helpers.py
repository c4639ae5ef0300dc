"""Running ``python -m rules`` in a subprocess from the repository root."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def run_cli(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "rules", *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr
