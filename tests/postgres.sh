#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server from Debian's `postgresql` package: a new
# cluster in a temporary folder (as the `postgres` user when run as root: initdb refuses root),
# on a free port of 127.0.0.1, stopped and deleted on every exit. The command finds it in
# SLUICE_TEST_POSTGRES ("host=… port=… user=… password=… dbname=…"), and psql in SLUICE_TEST_PSQL.
#   tests/postgres.sh cargo nextest run …
set -euo pipefail
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "error: PostgreSQL is missing; install Debian's postgresql package (make test does)"; exit 1; }

folder="$(mktemp -d)"
chmod 755 "$folder"
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$folder"
stop() {
  as_owner "$bin/pg_ctl" -D "$folder/data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$folder"
}
trap stop EXIT INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
password="sluice-test-$RANDOM$RANDOM"
echo "$password" > "$folder/password"
[ "$(id -u)" = 0 ] && chown postgres "$folder/password"
as_owner "$bin/initdb" -D "$folder/data" -U sluice --pwfile="$folder/password" -A scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >"$folder/initdb.log" 2>&1 || { cat "$folder/initdb.log"; exit 1; }
as_owner "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 30 start \
  -o "-p $port -k $folder -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=50" \
  >/dev/null || { cat "$folder/server.log"; exit 1; }
PGPASSWORD="$password" "$bin/psql" -q -h 127.0.0.1 -p "$port" -U sluice -d postgres \
  -c "CREATE DATABASE sluice_test" >/dev/null

export SLUICE_TEST_POSTGRES="host=127.0.0.1 port=$port user=sluice password=$password dbname=sluice_test"
export SLUICE_TEST_PSQL="$bin/psql"
"$@"
