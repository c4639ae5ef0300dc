#!/usr/bin/env bash
# Install what the checks need (first run only) and run every check: ruff, then pytest.
# Extra arguments go to pytest, e.g. scripts/test.sh -k vignettes
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
check_lock "$ROOT/requirements.txt" "$ROOT/requirements.lock"  # what start.sh installs
ensure_venv "$ROOT/requirements-dev.txt"  # from requirements-dev.lock, hashes checked
cd "$ROOT"
if [ -x scripts/ensure-chromium.sh ] && [ -z "${SKIP_BROWSER_TESTS:-}" ]; then
  scripts/ensure-chromium.sh
fi
if [ -z "${SKIP_BROWSER_TESTS:-}" ]; then
  scripts/ensure-npm.sh  # axe-core (accessibility) and lforms (FHIR check), package-lock.json
fi
scripts/ensure-poppler.sh  # pdftotext/pdftoppm read the chart-summary PDF in the tests
echo "==> ruff"
"$VENV/bin/ruff" check .
echo "==> pytest (SQLite)"
"$VENV/bin/python" -m pytest --durations=15 "$@"
if [ $# -eq 0 ] && [ -z "${SKIP_POSTGRES_TESTS:-}" ]; then
  echo "==> pytest on PostgreSQL: storage, export, app and end-to-end suites"
  scripts/with-postgres.sh "$VENV/bin/python" -m pytest -m postgres -p no:cacheprovider
fi
