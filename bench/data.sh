#!/usr/bin/env bash
# Data at any scale: prepares, trains and evaluates a 2.2 GB corpus (2,000 copies of tiny
# Shakespeare, more characters than a Java int counts) and tiny Shakespeare itself, one run after
# another, and prints each figure the issue sets a target for:
#   - prepare: MB/s end to end (both passes), and its peak RSS;
#   - peak RSS of a whole `jgpt train` (preparing, training the default model, the final bounded
#     evaluation), big against tiny;
#   - a second run on the same corpus (prepared files reused): seconds from process start to the
#     first logged step, big against tiny;
#   - training ms/iter (`jgpt bench`, page cache warm, rounds alternating), big against tiny;
#   - `jgpt eval` on the big run with the default --eval-tokens: seconds.
#
#   bench/data.sh    # DATA_COPIES=2000, DATA_ITERS=200, DATA_BENCH_ITERS=500, DATA_BENCH_ROUNDS=3,
#                    # work folder DATA_DIR=/tmp/jgpt-data
#
# Needs ../shared beside the repository (or JGPT_SHARED) and about 2 x 2.2 GB free in DATA_DIR,
# which is deleted at the end. Everything after building the corpus runs under `flock /tmp/jgpt-bench.lock`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tiny.sh"
copies="${DATA_COPIES:-2000}"
iters="${DATA_ITERS:-200}"
work="${DATA_DIR:-/tmp/jgpt-data}"
lock=/tmp/jgpt-bench.lock

"$root/jgpt" --help > /dev/null # build first
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
big="$work/big.txt"
cp "$tiny" "$work/tiny.txt"
tiny="$work/tiny.txt"
for ((i = 0; i < copies; i++)); do cat "$tiny"; done > "$big"
echo "corpus: $big, $(stat -c %s "$big") bytes ($copies copies of tiny Shakespeare)"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# From here on, timings: no other benchmark runs meanwhile.
exec 9> "$lock"
flock 9

# Peak RSS (KiB), wall seconds and CPU seconds (user + system) of a command, from GNU time. On a
# shared machine the CPU seconds are the steadier figure: wall time grows with the others' load.
measure() { # name, command...
  local name="$1"; shift
  /usr/bin/time -f "%M %e %U %S" -o "$work/$name.time" "$@" > "$work/$name.log" 2>&1 \
    || { tail -n 20 "$work/$name.log" >&2; echo "data.sh: $name failed" >&2; exit 1; }
  read -r rss seconds user system < "$work/$name.time"
  cpu="$(echo "$user + $system" | bc -l)"
}

# Seconds from process start to the first logged step ("iter 0/N (0%): ...").
to_first_step() { # name, command...
  local name="$1"; shift
  local start
  start="$(date +%s.%N)"
  "$@" 2>&1 | while IFS= read -r line; do
    if [[ "$line" == "iter 0/"* ]]; then
      echo "$(date +%s.%N) - $start" | bc > "$work/$name.first"
    fi
  done
  first="$(cat "$work/$name.first")"
}

train_flags=(--max-iters "$iters" --eval-interval 0)

# 1. Preparing the big corpus.
measure prepare "$root/jgpt" prepare --data "$big" --prepared-dir "$work/prepared"
bytes="$(stat -c %s "$big")"
printf 'prepare big: %.1f s, %.0f MB/s (target >= 100); CPU %.1f s, %.0f MB per CPU second; peak RSS %d MiB\n' \
  "$seconds" "$(echo "$bytes / $seconds / 1000000" | bc -l)" "$cpu" "$(echo "$bytes / $cpu / 1000000" | bc -l)" \
  "$((rss / 1024))"
rm -rf "$work/prepared"

# 2. Whole runs from nothing prepared: prepare, train, evaluate.
for corpus in tiny big; do
  measure "train-$corpus" "$root/jgpt" train --data "$work/$corpus.txt" --prepared-dir "$work/prepared" \
    --out-dir "$work/run-$corpus" "${train_flags[@]}"
  eval "rss_$corpus=$rss seconds_$corpus=$seconds"
  grep -h "whole val split" "$work/train-$corpus.log"
done
printf 'train %s iterations, whole process peak RSS: tiny %d MiB, big %d MiB (%+.1f%%; target <= 1024 MiB and within 10%%)\n' \
  "$iters" "$((rss_tiny / 1024))" "$((rss_big / 1024))" "$(echo "($rss_big - $rss_tiny) * 100 / $rss_tiny" | bc -l)"

# 3. Second runs: prepared files reused; process start to first step.
for corpus in tiny big; do
  rm -rf "$work/again-$corpus"
  to_first_step "again-$corpus" "$root/jgpt" train --data "$work/$corpus.txt" --prepared-dir "$work/prepared" \
    --out-dir "$work/again-$corpus" --max-iters 1 --eval-interval 0 --eval-tokens 1
  eval "first_$corpus=$first"
done
printf 'second run, start to first step: tiny %.2f s, big %.2f s (%+.2f s; target <= +3 s)\n' \
  "$first_tiny" "$first_big" "$(echo "$first_big - $first_tiny" | bc -l)"

# 4. Training speed, page cache warm: DATA_BENCH_ITERS iterations per run, runs alternating between
# the corpora (tiny, big, tiny, big, ...) so that a drift of the machine's speed falls on both alike;
# each corpus's figure is the mean of its runs' medians.
bench_iters="${DATA_BENCH_ITERS:-500}"
bench_rounds="${DATA_BENCH_ROUNDS:-3}"
for ((round = 1; round <= bench_rounds; round++)); do
  for corpus in tiny big; do
    "$root/jgpt" bench --data "$work/$corpus.txt" --prepared-dir "$work/prepared" --sample-tokens 0 \
      --iters "$bench_iters" > "$work/bench-$corpus.log" 2>&1
    median="$(grep -o '"median_ms_per_iter": *[0-9.]*' "$work/bench-$corpus.log" | grep -o '[0-9.]*$')"
    eval "medians_$corpus+=\" $median\""
  done
done
mean() { echo "$@" | tr ' ' '\n' | awk 'NF { sum += $1; n++ } END { printf "%.2f", sum / n }'; }
ms_tiny="$(mean $medians_tiny)"
ms_big="$(mean $medians_big)"
printf 'training (jgpt bench, %d rounds of %d iterations): tiny %.2f ms/iter (medians%s), big %.2f ms/iter (medians%s) (%+.1f%%; target within 5%%)\n' \
  "$bench_rounds" "$bench_iters" "$ms_tiny" "$medians_tiny" "$ms_big" "$medians_big" \
  "$(echo "($ms_big - $ms_tiny) * 100 / $ms_tiny" | bc -l)"

# 5. Evaluating the big run with the default --eval-tokens.
measure eval-big "$root/jgpt" eval --checkpoint "$work/run-big" --prepared-dir "$work/prepared"
printf 'eval big (default --eval-tokens): %.1f s (target < 30 s), CPU %.1f s, peak RSS %d MiB: %s\n' "$seconds" "$cpu" \
  "$((rss / 1024))" \
  "$(cat "$work/eval-big.log")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
