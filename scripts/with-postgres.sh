#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server, for the tests that need a real database.
#
#   scripts/with-postgres.sh cargo test -p backend-brain --test schema -- --nocapture
#
# Installs Debian's postgresql when it is missing, starts a fresh cluster in a temporary folder on
# a free local port (as the postgres user), creates a database and a role with a password, runs the
# command with BACKEND_BRAIN_TEST_DATABASE_URL set, and stops and removes the cluster afterwards.
# The command's exit code is the script's.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(bindir)" ] || [ ! -x "$(bindir)/initdb" ]; then
  echo "with-postgres: installing postgresql" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(bindir)"
if [ -z "$BIN" ]; then
  echo "with-postgres: no PostgreSQL server binaries under /usr/lib/postgresql" >&2
  exit 2
fi

# The server refuses to run as root: run it as postgres (or as the current user when not root).
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

# A free port: ask the kernel for one.
PORT="${BACKEND_BRAIN_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 55432)}"
DIR="$(mktemp -d /tmp/backend-brain-pg.XXXXXX)"
chmod 755 "$DIR"
[ "$(id -u)" -eq 0 ] && chown postgres "$DIR"
DATA="$DIR/data"
USER_NAME="brain"
DB_NAME="brain_test"
PASSWORD="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

stop() {
  as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT

as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 || {
  cat "$DIR/initdb.log" >&2
  exit 2
}
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >/dev/null || {
  cat "$DIR/server.log" >&2
  exit 2
}
as_pg "$BIN/psql" -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres \
  -c "CREATE ROLE $USER_NAME LOGIN PASSWORD '$PASSWORD'" \
  -c "CREATE DATABASE $DB_NAME OWNER $USER_NAME" >/dev/null

export BACKEND_BRAIN_TEST_DATABASE_URL="postgres://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/$DB_NAME"
echo "with-postgres: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT, database $DB_NAME" >&2
set +e
"$@"
code=$?
set -e
exit "$code"
