#!/usr/bin/env bash
# `make bench-postgres`: a PostgreSQL table read as a person reads one — `sluice run` of a flow
# file (the release build, the password in the `file` secret store) from a throwaway server
# (tests/postgres.sh) into SQLite, and into another PostgreSQL table. Prints the medians of 5
# runs: wall and CPU time, rows per second and the peak RSS. SLUICE_BENCH_ROWS sets the table's
# size (default 1,000,000).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${SLUICE_TEST_POSTGRES:-}" ]; then
  exec "$root/tests/postgres.sh" bash "$0" "$@"
fi
rows="${SLUICE_BENCH_ROWS:-1000000}"
sluice="$root/target/release/sluice"
[ -x "$sluice" ] || { echo "error: $sluice is missing: cargo build --release -p sluice-cli (make bench-postgres does)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SLUICE_HOME="$work/home" SLUICE_SECRETS=file PGOPTIONS="-c client_min_messages=warning"
setting() { tr ' ' '\n' <<<"$SLUICE_TEST_POSTGRES" | sed -n "s/^$1=//p"; }

"$SLUICE_TEST_PSQL" -q -v ON_ERROR_STOP=1 "$SLUICE_TEST_POSTGRES" -c "
  DROP TABLE IF EXISTS bench_customers;
  CREATE TABLE bench_customers AS
    SELECT n AS id, 'customer' || n || '@example.org' AS email, 'Customer ' || n AS name,
           ((n % 100000) * 1.25)::numeric(12, 2) AS credit, n % 3 = 0 AS active,
           timestamptz '2026-01-01 00:00+00' + n * interval '1 second' AS signed_up
    FROM generate_series(1, $rows) AS n;"
# The secret fields in order: the connection URL (none), then the password.
{ echo; setting password; } | "$sluice" credentials add warehouse --type postgres --field "host=$(setting host)" \
  --field "port=$(setting port)" --field "database=$(setting dbname)" --field "user=$(setting user)" \
  --field tls=disable >/dev/null
bench() { # NAME SINK-NODE-JSON BEFORE-EACH-RUN
  cat >"$work/flow.sluice.json" <<FLOW
{"format": "sluice.flow/1", "id": "bench-postgres-$1", "name": "PostgreSQL to $1",
 "nodes": [
   {"id": "read", "type": "postgres.read", "credential": "warehouse", "config": {"table": "bench_customers"}},
   $2],
 "edges": [{"from": "read", "to": "save"}]}
FLOW
  rm -f "$work"/time.*
  for run in 1 2 3 4 5; do
    eval "$3"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.$run" "$sluice" run "$work/flow.sluice.json" >/dev/null
  done
  cat "$work"/time.* | python3 -c "
import statistics, sys
runs = [list(map(float, line.split())) for line in sys.stdin]
wall = statistics.median(run[0] for run in runs)
cpu = statistics.median(run[1] + run[2] for run in runs)
rss = max(run[3] for run in runs) / 1024
print(f'PostgreSQL table -> $1, {$rows:,} rows (medians of 5): wall {wall:.2f} s, CPU {cpu:.2f} s, '
      f'{$rows / wall:,.0f} rows/s, peak RSS {rss:.0f} MB')"
}
bench SQLite "{\"id\": \"save\", \"type\": \"sqlite.write\", \"config\": {\"path\": \"$work/out.db\", \"table\": \"customers\"}}" \
  'rm -f "$work/out.db"'
bench PostgreSQL '{"id": "save", "type": "postgres.write", "credential": "warehouse", "config": {"table": "bench_customers_copy"}}' \
  '"$SLUICE_TEST_PSQL" -q "$SLUICE_TEST_POSTGRES" -c "DROP TABLE IF EXISTS bench_customers_copy"'
