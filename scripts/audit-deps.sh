#!/usr/bin/env bash
# Check every locked package (requirements.lock, requirements-dev.lock) against the public
# vulnerability database with pip-audit. Needs network access to PyPI's vulnerability API,
# so it is a separate step, not part of scripts/test.sh (CI may have no such access).
# Exit 0: no known vulnerability; 1: vulnerabilities found (listed); other: could not check.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PIP_AUDIT_VERSION="2.10.1"
cd "$ROOT"
if ! "$VENV/bin/python" -m pip_audit --version >/dev/null 2>&1; then
  echo "==> installing pip-audit $PIP_AUDIT_VERSION"
  timeout 300 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pip-audit==$PIP_AUDIT_VERSION"
fi
status=0
for lock in requirements.lock requirements-dev.lock; do
  echo "==> pip-audit $lock"
  # --disable-pip: audit the pinned, hashed list as written (no throwaway install)
  timeout 600 "$VENV/bin/python" -m pip_audit --strict --require-hashes --disable-pip \
    --progress-spinner off -r "$lock" "$@" || status=$?
done
exit $status
