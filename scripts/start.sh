#!/usr/bin/env bash
# Install what the app needs (first run only) and start it on http://127.0.0.1:8501
# with the embedded SQLite database (var/screening.sqlite3). Set DATABASE_URL for PostgreSQL.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
ensure_venv "$ROOT/requirements.txt"
cd "$ROOT"
# app_pages.serve = `streamlit run`, with the first page's modules imported before the first patient
exec "$VENV/bin/python" -m app_pages.serve run screening_app.py "$@"
