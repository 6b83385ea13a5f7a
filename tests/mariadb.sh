#!/usr/bin/env bash
# Runs a command beside a throwaway MariaDB server from Debian's `mariadb-server` package: a new
# data folder in a temporary folder (owned by the `mysql` user when run as root: mariadbd refuses
# to run as root), on a free port of 127.0.0.1, stopped and deleted on every exit. The command
# finds it in SLUICE_TEST_MYSQL ("host=… port=… user=… password=… dbname=…"), and the client in
# SLUICE_TEST_MARIADB.
#   tests/mariadb.sh cargo nextest run …
set -euo pipefail
daemon="$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null || true)"
[ -x "$daemon" ] || { echo "error: MariaDB is missing; install Debian's mariadb-server package (make test does)"; exit 1; }

folder="$(mktemp -d)"
chmod 755 "$folder"
owner=()
[ "$(id -u)" = 0 ] && { chown mysql "$folder"; owner=(--user=mysql); }
stop() {
  [ -f "$folder/server.pid" ] && kill -9 "$(cat "$folder/server.pid")" 2>/dev/null || true
  rm -rf "$folder"
}
trap stop EXIT INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
password="sluice-test-$RANDOM$RANDOM"
mariadb-install-db --no-defaults --datadir="$folder/data" "${owner[@]}" \
  --auth-root-authentication-method=normal --skip-test-db >"$folder/install.log" 2>&1 \
  || { cat "$folder/install.log"; exit 1; }
"$daemon" --no-defaults --datadir="$folder/data" "${owner[@]}" --port="$port" \
  --bind-address=127.0.0.1 --socket="$folder/server.sock" --pid-file="$folder/server.pid" \
  --skip-log-bin --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=0 \
  --max-connections=100 --log-error="$folder/server.log" 2>>"$folder/server.log" &
disown
for _ in $(seq 1 150); do
  [ -S "$folder/server.sock" ] && break
  sleep 0.2
done
[ -S "$folder/server.sock" ] || { cat "$folder/server.log"; exit 1; }
mariadb --no-defaults -S "$folder/server.sock" -u root -e "
  CREATE DATABASE sluice_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
  CREATE USER 'sluice'@'127.0.0.1' IDENTIFIED BY '$password';
  GRANT ALL ON *.* TO 'sluice'@'127.0.0.1';"

export SLUICE_TEST_MYSQL="host=127.0.0.1 port=$port user=sluice password=$password dbname=sluice_test"
export SLUICE_TEST_MARIADB="mariadb --no-defaults -h 127.0.0.1 -P $port -u sluice -p$password sluice_test"
"$@"
