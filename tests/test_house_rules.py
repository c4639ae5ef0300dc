"""The team's guide, checked: the core is pure (nothing below the pages imports Streamlit,
so the intake state machine and every rule run without it) and the store's fixtures are
registered once, in tests/conftest.py."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT

CORE = ("core", "forms", "rules", "store", "exports", "services")


def _modules() -> list[str]:
    names = []
    for folder in CORE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_the_core_imports_no_streamlit():
    modules = _modules()
    assert "forms.intake_state" in modules and "services.intake" in modules
    code = "\n".join([f"import {m}" for m in modules]
                     + ["import sys", "print(sorted({m.split('.')[0] for m in sys.modules}))"])
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=300).stdout
    assert "'streamlit'" not in out, "a module below the pages imports Streamlit"


def test_the_core_imports_no_streamlit_inside_a_function_either():
    """Importing every module (above) cannot see an import made only when a function runs."""
    found = []
    for folder in CORE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                found += [f"{path.relative_to(ROOT)}:{node.lineno}" for name in names
                          if name.split(".")[0] == "streamlit"]
    assert found == []


def test_store_fixtures_are_registered_only_in_conftest():
    again = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(getattr(t, "id", "") == "pytest_plugins" for t in targets):
                again.append(path.name)
    assert again == [], "pytest_plugins belongs in tests/conftest.py only"


def test_exports_generate_no_code():
    """Issue 10: one plain row builder, no exec-generated functions beside a reference copy."""
    calls = []
    for path in sorted((ROOT / "exports").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("exec", "eval", "compile")):
                calls.append(f"{path.name}:{node.lineno} {node.func.id}")
    assert calls == []
