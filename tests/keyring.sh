#!/usr/bin/env bash
# Runs a command with a real Secret Service: a session bus of its own and an unlocked
# gnome-keyring-daemon keeping its keyrings in a throwaway folder. Used by `make test` for the
# keychain tests: tests/keyring.sh cargo nextest run -p sluice-tests --test keychain
set -euo pipefail
if [ -z "${SLUICE_KEYRING_SESSION:-}" ]; then
  exec env SLUICE_KEYRING_SESSION=1 dbus-run-session -- bash "$0" "$@"
fi
command -v gnome-keyring-daemon >/dev/null || { echo "error: gnome-keyring-daemon is missing (Debian package gnome-keyring; make deps installs it)"; exit 1; }
keyrings="$(mktemp -d)"
trap 'rm -rf "$keyrings"' EXIT
export XDG_DATA_HOME="$keyrings" XDG_CONFIG_HOME="$keyrings/config"
# --unlock reads the login keyring's password on stdin (a new keyring is created with it).
eval "$(printf 'sluice-test-password' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
# The first call must not race D-Bus activation into starting a second daemon.
for _ in $(seq 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
       string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
    break
  fi
  sleep 0.1
done
export SLUICE_TEST_KEYCHAIN=1
"$@"
