#!/usr/bin/env bash
# Install what the app needs (first run only) and start it on http://127.0.0.1:8501
# with the embedded SQLite database (var/screening.sqlite3). Set DATABASE_URL for PostgreSQL.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
ensure_venv "$ROOT/requirements.txt"
cd "$ROOT"
exec "$VENV/bin/python" -m streamlit run screening_app.py "$@"
