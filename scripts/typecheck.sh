#!/usr/bin/env bash
# Type-check the project (configuration in pyproject.toml [tool.mypy]): forms/ rules/
# store/ exports/ core/ under --strict, the pages and tests at mypy's default level.
# Called by scripts/test.sh after ruff; bounded in time (a cold cache takes a few minutes
# on a busy 2-core machine, a warm one seconds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
cd "$ROOT"
timeout 900 "$VENV/bin/mypy" "$@"
