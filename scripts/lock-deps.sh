#!/usr/bin/env bash
# Regenerate the lock files (every package, pinned, with hashes) from the requirements:
#   requirements.txt      -> requirements.lock      (what scripts/start.sh installs)
#   requirements-dev.txt  -> requirements-dev.lock  (what scripts/test.sh installs)
# One deterministic command: run it after changing (or merging a change to) either
# requirements file, and commit the lock files with it. scripts/test.sh refuses a lock file
# whose requirements changed since it was made. Needs PyPI. Resolved for this project's
# Python (3.11) on Linux x86_64 (scripts/lock_deps.py says why not pip-compile).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/_lock.sh"
VENV="${VENV:-$ROOT/.venv}"
cd "$ROOT"
for pair in "requirements.txt:requirements.lock" "requirements-dev.txt:requirements-dev.lock"; do
  src="${pair%%:*}"; lock="${pair##*:}"
  echo "==> $src -> $lock"
  timeout 900 "$VENV/bin/python" scripts/lock_deps.py "$src" "$lock.tmp"
  { cat "$lock.tmp"; echo "# requirements-sha256: $(requirements_digest "$src")"; } > "$lock"
  rm -f "$lock.tmp"
done
echo "OK lock files written; commit them with the requirements files"
