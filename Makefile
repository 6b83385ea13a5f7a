# Sluice's two everyday commands (see README.md):
#   make run   — install what is missing, build, and open the studio
#   make test  — install what is missing and run every test: format, lints, Rust unit and
#                integration tests, the CLI, the UI (vitest), and the real app end to end
# plus `make soak` (the kill tests with thousands of kills), `make bench` (engine and studio
# benchmarks), `make bundle` (.deb/.rpm) and `make cli-example` (a flow run headless).

SHELL := /bin/bash
CARGO ?= cargo
STUDIO_FEATURES := --features sluice-studio/custom-protocol
# One package selection and feature set for every debug build of the test run (tests, the
# keychain tests, the binaries the e2e tests drive): cargo unifies features per invocation, so
# `-p one-package` would compile the shared crates a second time (minutes, and gigabytes of disk).
TEST_BUILD := --locked --workspace $(STUDIO_FEATURES)

# Debian/Ubuntu packages: building the Tauri app, and running it headless for the tests.
BUILD_PACKAGES := build-essential pkg-config file libssl-dev libwebkit2gtk-4.1-dev \
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libdbus-1-dev
TEST_PACKAGES := xvfb xauth imagemagick webkit2gtk-driver dbus-x11 dbus-daemon fonts-dejavu-core python3 python3-xlib \
  gnome-keyring libsecret-tools xdg-utils curl postgresql mariadb-server sqlite3

.PHONY: soak fuzz run test bench bench-engine bench-webhooks bench-databases bench-studio bench-tray bundle lint deps system-packages node-packages ui studio rust-tests ui-tests e2e tauri-driver cli-example

# Installs only what is missing: apt packages where apt exists (as root or through sudo), npm
# packages from package-lock.json, and tauri-driver from crates.io.
deps: system-packages node-packages
	@command -v $(CARGO) >/dev/null || { echo "error: cargo is missing; install Rust from https://rustup.rs and run make again"; exit 1; }

system-packages:
	@missing=""; \
	if command -v dpkg-query >/dev/null; then \
	  for package in $(BUILD_PACKAGES) $(TEST_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	  done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	  echo "installing:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v node >/dev/null || { echo "error: Node.js 20.19+ is missing (https://nodejs.org)"; exit 1; }

node-packages:
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --no-audit --no-fund; \
	fi

ui: node-packages
	npm run build:ui

# The studio with its UI built in (no dev server needed).
studio: deps ui
	$(CARGO) build --locked -p sluice-studio $(STUDIO_FEATURES)

run: studio
	./target/debug/sluice-studio

lint: deps ui
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets $(STUDIO_FEATURES) -- -D warnings

# Beside throwaway PostgreSQL and MariaDB servers (tests/postgres.sh, tests/mariadb.sh); the
# keychain tests run apart, against a real Secret Service (tests/keyring.sh).
rust-tests: deps ui
	@$(CARGO) nextest --version >/dev/null 2>&1 || $(CARGO) install cargo-nextest --locked
	tests/postgres.sh tests/mariadb.sh $(CARGO) nextest run $(TEST_BUILD) --no-fail-fast -E 'not binary(keychain)'
	tests/keyring.sh $(CARGO) nextest run $(TEST_BUILD) -E 'binary(keychain)'

ui-tests: node-packages
	npm run test:ui

tauri-driver:
	@command -v tauri-driver >/dev/null || $(CARGO) install tauri-driver --locked

# The studio, the CLI and the demo API built as the tests build them (TEST_BUILD), so nothing
# is compiled twice.
e2e: deps ui tauri-driver
	$(CARGO) build $(TEST_BUILD) --bins --tests
	tests/postgres.sh bash tests/e2e/run.sh

# The cargo-fuzz targets (fuzz/), coverage-guided, 10 s each; `make soak` runs them 10 minutes each.
fuzz: deps
	bash tests/fuzz.sh 10

test: lint rust-tests ui-tests e2e fuzz

bench: bench-engine bench-webhooks bench-databases bench-studio bench-tray

# The kill tests at length: 4 × 1,250 SIGKILLs of `sluice run` (make test does 4 × 50); the fuzz
# run at 100 times its size in make test (3.7M cases); the cargo-fuzz targets 10 minutes each.
soak: deps
	@$(CARGO) nextest --version >/dev/null 2>&1 || $(CARGO) install cargo-nextest --locked
	SLUICE_KILLS=1250 tests/postgres.sh tests/mariadb.sh $(CARGO) nextest run --locked --profile soak --no-fail-fast -p sluice-cli --test kill --no-capture
	SLUICE_FUZZ_SCALE=100 $(CARGO) nextest run --locked --profile soak --no-fail-fast -p sluice-tests --test fuzz_smoke
	bash tests/fuzz.sh 600

# The engine against hand-written programs, through `sluice run` (release).
bench-engine: deps
	$(CARGO) build --locked --release -p sluice-cli
	$(CARGO) bench --locked -p sluice-tests --bench engine
	$(CARGO) bench --locked -p sluice-tests --bench layout
	$(CARGO) bench --locked -p sluice-tests --bench stateful

# The release daemon's memory while its webhook server is abused (wrong tokens with large bodies,
# a full queue, idle connections), on 127.0.0.1.
bench-webhooks: deps
	$(CARGO) build --locked --release -p sluice-cli
	python3 tests/bench_webhooks.py target/release/sluice

# The standard job into PostgreSQL against hand-written binary COPY and into MariaDB against
# hand-written multi-row INSERTs, and a 1M-row PostgreSQL table into SQLite and into PostgreSQL
# (tests/bench_postgres.sh).
bench-databases: deps
	$(CARGO) build --locked --release -p sluice-cli
	tests/postgres.sh tests/mariadb.sh $(CARGO) bench --locked -p sluice-tests --bench databases
	bash tests/bench_postgres.sh

bench-studio: studio tauri-driver
	bash tests/e2e/run.sh tests/e2e/bench.mjs

# Memory and CPU of the release studio idle in the tray.
bench-tray: deps ui
	$(CARGO) build --locked --release -p sluice-studio $(STUDIO_FEATURES)
	bash tests/e2e/bench_tray.sh

# Release packages (.deb and .rpm) under target/release/bundle/, each with its updater signature
# (.sig) made with the project's private key: set TAURI_SIGNING_PRIVATE_KEY_PATH (or
# TAURI_SIGNING_PRIVATE_KEY) and TAURI_SIGNING_PRIVATE_KEY_PASSWORD. The release configuration
# (src-tauri/tauri.release.conf.json) adds the update endpoint. AppImage needs a helper the
# bundler downloads, so it is built on release machines only (see README, Releasing).
bundle: deps
	@if [ -z "$$TAURI_SIGNING_PRIVATE_KEY" ] && [ -z "$$TAURI_SIGNING_PRIVATE_KEY_PATH" ]; then \
	  echo "error: release packages are signed for the updater: set TAURI_SIGNING_PRIVATE_KEY_PATH to the release key and TAURI_SIGNING_PRIVATE_KEY_PASSWORD to its password (README, Releasing)"; exit 1; fi
	@if [ -n "$$TAURI_SIGNING_PRIVATE_KEY_PATH" ]; then export TAURI_SIGNING_PRIVATE_KEY="$$(cat "$$TAURI_SIGNING_PRIVATE_KEY_PATH")"; fi; \
	npx tauri build --bundles deb,rpm --config src-tauri/tauri.release.conf.json

cli-example: deps
	$(CARGO) build --locked -p sluice-cli
	./target/debug/sluice run examples/customers-to-sqlite/flow.sluice.json
