#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on loopback, then stop it and delete
# its data. Installs Debian's postgresql package if missing (bounded in time).
#   scripts/with-postgres.sh COMMAND [ARGS...]
# The command sees PG_ADMIN_URL (the server, database "postgres") and DATABASE_URL /
# STORE_TEST_POSTGRES_URL (a fresh database "screening_test").
set -euo pipefail
PG_PORT="${PG_PORT:-55432}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "==> installing postgresql from Debian's packages (bounded to 10 minutes)"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 $SUDO apt-get update -qq
  timeout 600 $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
DATA="$(mktemp -d /tmp/screening-pg.XXXXXX)"
# PostgreSQL refuses to run as root: run it as the postgres account when we are root.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$DATA"

stop() {
  as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap stop EXIT INT TERM

echo "==> starting PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-sync >/dev/null
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $DATA -c fsync=off -c max_connections=200" >/dev/null
timeout 30 "$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE screening_test" postgres

export PG_ADMIN_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/screening_test"
export STORE_TEST_POSTGRES_URL="$DATABASE_URL"
set +e
"$@"
status=$?
set -e
exit $status
