#!/usr/bin/env bash
# Runs the read-and-price fuzz target for a bounded time.
#
#   fuzz/run.sh [SECONDS]     (default 600)
#
# Works on the stable toolchain: RUSTC_BOOTSTRAP=1 lets stable rustc accept
# the -Z sanitizer flags cargo-fuzz passes. Set FUZZ_SANITIZER=none to build
# without AddressSanitizer (faster; the checks in the target still run).
# New inputs go to fuzz/corpus/ and crashes to fuzz/artifacts/ (both
# ignored by git); fuzz/seeds/ holds the committed seed corpus.
# Exits non-zero when the target crashes.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-600}"
target=read_and_price
sanitizer="${FUZZ_SANITIZER:-address}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
mkdir -p "corpus/$target"
echo "== cargo fuzz run $target for ${seconds}s (sanitizer: $sanitizer)"
# -max_len: CSV logs where every feature fits; -timeout: one input taking
# longer than 10 s is reported as a hang.
cargo fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" "seeds/$target" -- \
  -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1
echo "== no crash in ${seconds}s"
