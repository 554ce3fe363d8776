#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for SECONDS each (default 600), one after another, with the
# seed corpora in fuzz/corpus/. Needs a nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz
# A crash leaves its input in fuzz/artifacts/<target>/; after fixing it, copy the input to
# fuzz/regressions/<target>/ so `cargo test --test fuzz_regressions` replays it forever.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frontmatter note analyzer query diagram tex canvas base)
cargo +nightly fuzz build -O
status=0
for t in "${targets[@]}"; do
  echo "== $t: ${secs}s"
  # new interesting inputs go to a scratch folder; the committed corpus stays small
  scratch="target/corpus-$t"
  mkdir -p "$scratch" "corpus/$t"
  log="target/fuzz-$t.log"
  if cargo +nightly fuzz run -O "$t" "$scratch" "corpus/$t" -- \
    -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 >"$log" 2>&1; then
    grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" || true
  else
    status=1
    grep -E "panicked|ERROR|SUMMARY|Test unit written" "$log" | head -20
  fi
done
exit $status
