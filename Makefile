# Sluice's two everyday commands (see README.md):
#   make run   — install what is missing, build, and run the first example flow
#   make test  — install what is missing and run every test (format, lints, unit, integration, CLI)
# and `make bench` for the standard-job benchmark.

SHELL := /bin/bash
CARGO ?= cargo
EXAMPLE ?= examples/customers-to-sqlite/flow.sluice.json

.PHONY: run test bench lint deps

# Debian/Ubuntu packages the build needs: a C compiler for the bundled SQLite and mimalloc.
DEBIAN_PACKAGES := build-essential pkg-config

deps:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo is missing; install Rust from https://rustup.rs and run make again"; exit 1; }
	@if ! command -v cc >/dev/null; then \
	  if command -v apt-get >/dev/null; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	    $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(DEBIAN_PACKAGES); \
	  else echo "error: a C compiler (cc) is missing; install one (build-essential, Xcode tools, or MSVC)"; exit 1; fi; \
	fi

run: deps
	$(CARGO) build --locked -p sluice-cli
	./target/debug/sluice validate $(EXAMPLE)
	./target/debug/sluice run $(EXAMPLE)
	./target/debug/sluice runs list --limit 5

lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

test: deps lint
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --locked --workspace --no-fail-fast; \
	else \
	  $(CARGO) test --locked --workspace --no-fail-fast; \
	fi

bench: deps
	$(CARGO) bench --locked -p sluice-tests --bench standard_job
