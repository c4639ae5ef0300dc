# Sourced by the other scripts: make sure .venv exists and holds the given lock file
# (every package pinned with hashes; see scripts/lock-deps.sh). Re-installs only when the
# lock file changed since the last install; refuses a lock older than its requirements.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
source "$ROOT/scripts/_lock.sh"
ensure_venv() {
  local req="$1" lock="${1%.txt}.lock"
  check_lock "$req" "$lock"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(basename "$lock")"
  if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    echo "==> installing $(basename "$lock") (hashes checked)"
    timeout 1200 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      --require-hashes -r "$lock"
    cp "$lock" "$stamp"
  fi
}
