#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets) for SECONDS each, on stable Rust without a
# sanitizer, starting from the small seed corpora in fuzz/corpus (new inputs go to
# target/fuzz-corpus, never into the repository). Fails on the first crash, hang or memory blow-up,
# leaving the input in fuzz/artifacts/TARGET/. Usage: tests/fuzz.sh SECONDS
set -euo pipefail
seconds=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cd "$root/fuzz"
cargo fuzz build --sanitizer none
for target in $(cargo fuzz list); do
  work="$CARGO_TARGET_DIR/fuzz-corpus/$target"
  mkdir -p "$work"
  echo "fuzz $target: ${seconds}s"
  log="$work.log"
  if ! cargo fuzz run --sanitizer none "$target" "$work" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=1024 -malloc_limit_mb=512 -max_len=65536 \
    -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz $target found a problem: the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  grep -E '^Done|stat::number_of_executed_units' "$log" || true
done
