#!/usr/bin/env bash
# Resident memory over a long run of the default config: trains 5,000 iterations of tiny
# Shakespeare in the background, samples the JVM's VmRSS every few seconds, and prints the RSS at
# iteration ~500 (after warm-up) and at the last training iteration, and the growth between them;
# the final evaluation over the whole val split, which runs bigger batches, is reported apart.
#
#   bench/memory.sh                      # MEM_ITERS=5000, samples every MEM_PERIOD=2 seconds
#
# The samples (seconds, iteration, phase, RSS in KiB) go to $out/rss.csv. Needs ../shared beside the
# repository; the run folder (MEM_OUT_DIR, /tmp/jgpt-mem) is emptied first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tiny.sh"
iters="${MEM_ITERS:-5000}"
period="${MEM_PERIOD:-2}"
out="${MEM_OUT_DIR:-/tmp/jgpt-mem}"

"$root/jgpt" train --help > /dev/null # build first, so that the PID below is the training JVM
rm -rf "$out"
mkdir -p "$out"
log="$out/train.log"
# ./jgpt execs java: $! is the JVM itself.
"$root/jgpt" train --data "$tiny" --max-iters "$iters" --eval-interval "$((iters / 5))" --out-dir "$out" > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2> /dev/null || true' EXIT

echo "seconds,iter,phase,rss_kib" > "$out/rss.csv"
start=$SECONDS
while kill -0 "$pid" 2> /dev/null; do
  rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2> /dev/null || true)"
  iter="$(grep -o '^iter [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2 || true)"
  phase=train
  grep -q "^step $iters:" "$log" && phase=final # the last evaluation and save have begun
  [[ -n "$rss" ]] && echo "$((SECONDS - start)),${iter:-0},$phase,$rss" >> "$out/rss.csv"
  sleep "$period"
done
wait "$pid" || { tail -n 20 "$log" >&2; echo "memory.sh: training failed (log: $log)" >&2; exit 1; }
trap - EXIT

# The first sample at or after a tenth of the run against the last one taken while training; then,
# since RSS swings by a few percent as garbage collections free native buffers, the median of the
# second tenth of the run against the median of the last tenth.
python3 - "$out/rss.csv" "$iters" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
iters = int(sys.argv[2])
training = [r for r in rows if r["phase"] == "train"]
final = [int(r["rss_kib"]) for r in rows if r["phase"] == "final"]
start = next(r for r in training if int(r["iter"]) >= iters // 10)
end = training[-1]
peak = max(int(r["rss_kib"]) for r in training[training.index(start):])
mib = lambda kib: f"{kib / 1024:7.1f} MiB"
growth = lambda a, b: f"{100.0 * (b - a) / a:+.1f}%"
first, last = int(start["rss_kib"]), int(end["rss_kib"])
print(f"RSS at iter {start['iter']:>5} ({start['seconds']:>4} s): {mib(first)}")
print(f"RSS at iter {end['iter']:>5} ({end['seconds']:>4} s): {mib(last)} (peak in between {mib(peak).strip()})")
print(f"growth: {growth(first, last)}  ({len(rows)} samples in {sys.argv[1]})")
window = lambda lo, hi: statistics.median(int(r["rss_kib"]) for r in training if lo <= int(r["iter"]) < hi)
early, late = window(iters // 10, iters // 5), window(iters * 9 // 10, iters)
print(f"median RSS, iters {iters // 10}-{iters // 5}: {mib(early).strip()}; iters {iters * 9 // 10}-{iters}: "
      f"{mib(late).strip()}; growth {growth(early, late)}")
if final:
    print(f"final evaluation and save: peak {mib(max(final)).strip()}")
PY
