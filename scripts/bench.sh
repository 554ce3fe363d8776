#!/usr/bin/env bash
# Benchmarks kb against the floor (bare pulldown-cmark render + write) on generated knowledge
# bases of 1k and 10k notes. Prints wall time, peak RSS and the ratio to the floor.
#
#   scripts/bench.sh            # 1k and 10k
#   SIZES="10000" scripts/bench.sh
#   SIZES="50000" RUNS=1 OUT=/dev/shm/kb-bench scripts/bench.sh   # 50k, on demand (~1.5 GB of tmpfs)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-1000 10000}"
RUNS="${RUNS:-3}"
OUT="${OUT:-bench-out}"  # OUT=/dev/shm/kb-bench takes the disk out of the figures
mkdir -p "$OUT"
cargo build --release --quiet --bin kb --example floor
KB=target/release/kb
FLOOR=target/release/examples/floor

# measure CMD...: best wall time (s), peak RSS (MiB) over $RUNS runs, and the CPU time (user +
# system, s) of the best run ($PREP, when set, runs untimed before each run)
measure() {
  local best_t="" best_m="" best_c=""
  for _ in $(seq "$RUNS"); do
    if [ -n "${PREP:-}" ]; then sh -c "$PREP"; fi
    sync  # the previous run's writeback is not charged to this one
    /usr/bin/time -f "%e %M %U %S" -o "$OUT/.time" "$@" >/dev/null 2>"$OUT/.stderr" || { cat "$OUT/.stderr" >&2; }
    read -r t m u s < <(tail -1 "$OUT/.time")
    if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then
      best_t=$t
      best_c=$(awk "BEGIN{printf \"%.2f\", $u + $s}")
    fi
    if [ -z "$best_m" ] || [ "$m" -gt "$best_m" ]; then best_m=$m; fi
  done
  echo "$best_t $((best_m / 1024)) $best_c"
}

printf "%-8s %-28s %9s %10s %8s %8s\n" notes command wall_s peak_MiB ratio cpu_s
for n in $SIZES; do
  kbdir="$OUT/kb$((n / 1000))k"
  if [ ! -d "$kbdir/notes" ]; then
    python3 ../shared/bench/gen_corpus.py --notes "$n" --seed 42 --out "$kbdir/notes" >/dev/null
  fi
  read -r ft fm fc < <(measure "$FLOOR" "$kbdir/notes" "$OUT/floor-out-$n")
  printf "%-8s %-28s %9s %10s %8s %8s\n" "$n" "floor (pulldown-cmark)" "$ft" "$fm" "1.00" "$fc"
  # cold: no .kb cache (no tantivy index, highlight cache or kept previous site); deleting it
  # is not timed
  read -r kt km kc < <(PREP="rm -rf '$kbdir/.kb'" measure "$KB" build --root "$kbdir" --output "$OUT/kb-out-$n" --quiet)
  printf "%-8s %-28s %9s %10s %8s %8s\n" "$n" "kb build (cold cache)" "$kt" "$km" "$(awk "BEGIN{printf \"%.2f\", $kt/$ft}")" "$kc"
  # what a static host receives: files and bytes of the site (issue: Cloudflare Pages allows
  # 20,000 files on its free plan, GitHub Pages 1 GB)
  site_files=$(find "$OUT/kb-out-$n" -type f | wc -l)
  site_mib=$(du -sb "$OUT/kb-out-$n" | awk '{printf "%.0f", $1 / 1048576}')
  printf "%-8s %-28s %9s %10s\n" "$n" "site (files, MiB)" "$site_files" "$site_mib"
  # warm: the index and highlight cache kept, but no page state, so every page renders
  read -r kt km kc < <(PREP="rm -f '$kbdir/.kb/cache/pages.json'" measure "$KB" build --root "$kbdir" --output "$OUT/kb-out-$n" --quiet)
  printf "%-8s %-28s %9s %10s %8s %8s\n" "$n" "kb build (warm cache)" "$kt" "$km" "$(awk "BEGIN{printf \"%.2f\", $kt/$ft}")" "$kc"
  # incremental (docs/architecture.md): nothing changed, then one note's text edited
  "$KB" build --root "$kbdir" --output "$OUT/kb-out-$n" --quiet 2>/dev/null
  read -r kt km kc < <(measure "$KB" build --root "$kbdir" --output "$OUT/kb-out-$n" --quiet)
  printf "%-8s %-28s %9s %10s %8s %8s\n" "$n" "kb build (nothing changed)" "$kt" "$km" "$(awk "BEGIN{printf \"%.2f\", $kt/$ft}")" "$kc"
  note=$(find "$kbdir/notes" -name '*.md' | LC_ALL=C sort | awk 'NR == 1')
  read -r kt km kc < <(PREP="printf '\\nAn edit at %s.\\n' \$(date +%s%N) >> '$note'" measure "$KB" build --root "$kbdir" --output "$OUT/kb-out-$n" --quiet)
  printf "%-8s %-28s %9s %10s %8s %8s\n" "$n" "kb build (one note edited)" "$kt" "$km" "$(awk "BEGIN{printf \"%.2f\", $kt/$ft}")" "$kc"
  read -r ct cm cc < <(measure "$KB" check --root "$kbdir")
  printf "%-8s %-28s %9s %10s %8s %8s\n" "$n" "kb check (load+parse+link)" "$ct" "$cm" "$(awk "BEGIN{printf \"%.2f\", $ct/$ft}")" "$cc"
done
