#!/usr/bin/env bash
# Runs the end-to-end tests (or, given a script, that script) against the real studio: Xvfb, tauri-driver (which drives Debian's
# WebKitWebDriver) and the debug build of the app. Both are killed on every exit, because a
# leftover tauri-driver breaks the next run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# A session bus of its own with an unlocked keyring: the studio's single-instance check and
# dialogs talk over D-Bus, and credentials keep their secrets in the Secret Service.
if [ -z "${SLUICE_KEYRING_SESSION:-}" ]; then
  exec "$root/tests/keyring.sh" bash "$0" "$@"
fi
app="${SLUICE_E2E_APP:-$root/target/debug/sluice-studio}"
[ -x "$app" ] || { echo "error: $app is missing; build it with 'npx tauri build --debug --no-bundle'"; exit 1; }
command -v tauri-driver >/dev/null || { echo "error: tauri-driver is missing; 'cargo install tauri-driver --locked'"; exit 1; }

export SLUICE_E2E_HOME="$(mktemp -d)"
export SLUICE_HOME="$SLUICE_E2E_HOME/home"
export SLUICE_E2E_APP="$app"
export SLUICE_E2E_SHOTS="$root/target/e2e"
rm -rf "$SLUICE_E2E_SHOTS" && mkdir -p "$SLUICE_E2E_SHOTS"
pkill -x tauri-driver 2>/dev/null || true
pkill -x WebKitWebDriver 2>/dev/null || true

display_number=$((90 + RANDOM % 100))
export DISPLAY=":$display_number"
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >"$SLUICE_E2E_HOME/xvfb.log" 2>&1 &
xvfb=$!
driver=""
cleanup() {
  [ -n "$driver" ] && kill "$driver" 2>/dev/null || true
  pkill -x WebKitWebDriver 2>/dev/null || true
  pkill -f "$app" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
  rm -rf "$SLUICE_E2E_HOME"
}
trap cleanup EXIT INT TERM

for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display_number" ] && break; sleep 0.1; done
# The app gets a home folder of its own: the login item it writes must not touch the real one.
export SLUICE_E2E_USER_HOME="$SLUICE_E2E_HOME/user"
mkdir -p "$SLUICE_E2E_USER_HOME"

# The updater test serves signed fixtures from 127.0.0.1: a key made for this run, and the endpoint
# the debug build is pointed at (release builds ignore both and use tauri.release.conf.json).
"$root/node_modules/.bin/tauri" signer generate --ci -p "" -w "$SLUICE_E2E_HOME/update.key" >/dev/null
export SLUICE_E2E_UPDATE_KEY="$SLUICE_E2E_HOME/update.key"
export SLUICE_UPDATE_PUBKEY="$(cat "$SLUICE_E2E_HOME/update.key.pub")"
export SLUICE_E2E_UPDATE_PORT=$((20000 + RANDOM % 20000))
export SLUICE_UPDATE_ENDPOINT="http://127.0.0.1:$SLUICE_E2E_UPDATE_PORT/studio/{{target}}/{{arch}}/{{current_version}}"

# OAuth2 sign-in opens "the browser" through xdg-open, which runs $BROWSER.
export BROWSER="$root/tests/e2e/browser.sh"

HOME="$SLUICE_E2E_USER_HOME" tauri-driver --port 4444 >"$SLUICE_E2E_HOME/tauri-driver.log" 2>&1 &
driver=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done

cd "$root"
# With an argument (a script such as tests/e2e/bench.mjs) that script runs instead of the tests.
if [ $# -gt 0 ]; then
  node "$@"
else
  node --test --test-concurrency=1 tests/e2e/ || { status=$?; echo "--- tauri-driver log"; tail -n 40 "$SLUICE_E2E_HOME/tauri-driver.log"; exit $status; }
fi
