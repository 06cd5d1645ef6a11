#!/usr/bin/env bash
# Starts (or reuses) a private PostgreSQL server for reconcile's tests: Debian's PostgreSQL 15, its own cluster under
# /tmp/reconcile-pg, listening only on a unix socket there (port 5433), trust authentication for local connections.
#
#   scripts/postgres.sh        -> prints `export RECONCILE_TEST_PG_HOST=/tmp/reconcile-pg RECONCILE_TEST_PG_PORT=5433`
#   scripts/postgres.sh stop   -> stops the server this script started
set -euo pipefail
D="${RECONCILE_PG_DIR:-/tmp/reconcile-pg}"
PORT="${RECONCILE_PG_PORT:-5433}"
log() { echo "postgres.sh: $*" >&2; }
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
as_postgres() { setpriv --reuid postgres --regid postgres --init-groups -- "$@"; }
answers() { [ -n "$BIN" ] && "$BIN/pg_isready" -q -h "$D" -p "$PORT" 2>/dev/null; }

if [ "${1:-}" = "stop" ]; then
  [ -n "$BIN" ] && [ -d "$D/data" ] && as_postgres "$BIN/pg_ctl" -D "$D/data" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi

if ! answers; then
  if [ -z "$BIN" ]; then
    log "installing postgresql"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  mkdir -p "$D"
  chown postgres:postgres "$D"
  if [ ! -f "$D/data/PG_VERSION" ]; then
    rm -rf "$D/data"
    as_postgres "$BIN/initdb" -D "$D/data" -U postgres --auth=trust >/dev/null
  fi
  log "starting PostgreSQL on $D/.s.PGSQL.$PORT"
  as_postgres "$BIN/pg_ctl" -D "$D/data" -l "$D/server.log" -w \
    -o "-k $D -p $PORT -c listen_addresses=''" start >/dev/null
  answers || { log "PostgreSQL did not answer; see $D/server.log"; tail -5 "$D/server.log" >&2; exit 1; }
fi
echo "export RECONCILE_TEST_PG_HOST=$D RECONCILE_TEST_PG_PORT=$PORT"
