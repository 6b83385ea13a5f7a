#!/usr/bin/env bash
# The tray benchmark: memory (RSS) of the release studio with its window open and after the window
# is closed to the tray, and its CPU use idle in the tray. Xvfb and a session bus of its own.
set -euo pipefail
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null; then
  exec dbus-run-session -- bash "$0" "$@"
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
app="$root/target/release/sluice-studio"
work="$(mktemp -d)"
export SLUICE_HOME="$work/home" HOME="$work/user"
mkdir -p "$HOME"
display_number=$((90 + RANDOM % 100))
export DISPLAY=":$display_number"
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
studio=""
cleanup() {
  [ -n "$studio" ] && kill "$studio" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display_number" ] && break; sleep 0.1; done

megabytes() { # RSS of every process whose command line matches $1, in MB
  local total=0 value
  for pid in $(pgrep -f "$1"); do
    value=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${value:-0}))
  done
  echo $((total / 1024))
}
report() {
  echo "$1: studio $(megabytes "$app") MB + web $(megabytes WebKitWebProcess) MB + network $(megabytes WebKitNetworkProcess) MB"
}

"$app" >"$work/studio.log" 2>&1 &
studio=$!
sleep 8
report "window open"
/usr/bin/python3 "$root/tests/e2e/x_window.py" close
sleep 6
report "closed to the tray"
grep -E "RssAnon|RssFile" "/proc/$studio/status" | tr -s ' \t' ' ' | sed 's/^/  studio /'
before=$(awk '{print $14 + $15}' "/proc/$studio/stat")
sleep 30
after=$(awk '{print $14 + $15}' "/proc/$studio/stat")
echo "idle in the tray: $((after - before)) CPU ticks in 30 s ($(getconf CLK_TCK) ticks = 1 s of one core)"
