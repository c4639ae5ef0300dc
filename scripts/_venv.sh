# Sourced by the other scripts: make sure .venv exists and holds the given requirements file.
# Re-installs only when the requirements file changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
ensure_venv() {
  local req="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(basename "$req")"
  if [ ! -f "$stamp" ] || ! cmp -s <(cat "$ROOT/requirements.txt" "$req") "$stamp"; then
    echo "==> installing $(basename "$req")"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    cat "$ROOT/requirements.txt" "$req" > "$stamp"
  fi
}
