#!/usr/bin/env bash
# What rotary positions buy (docs/positions.md): tiny Shakespeare, the default model, 2,000
# iterations, seeds 1337, 1338 and 1339, for --positions sinusoidal, learned and rope, one run at a
# time on one thread. Prints a Markdown table: the loss over the whole val split and the median
# logged ms/iter of each run ("-" for a run not done). A run that finished (its folder holds
# done.txt) is not run again.
#
#   bench/positions.sh [RUNS_DIR]        default /tmp/jgpt-positions
#   JGPT=/path/to/launcher bench/positions.sh   another build (default: this checkout's ./jgpt)
#   RUN_KINDS="rope" bench/positions.sh         run only these kinds (two such loops on different
#                                               kinds may share RUNS_DIR), then print the table
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jgpt="${JGPT:-$root/jgpt}"
runs="${1:-/tmp/jgpt-positions}"
data="$root/../shared/data/tinyshakespeare.txt"
[[ -f "$data" ]] || { echo "positions.sh: $data is missing" >&2; exit 1; }
seeds=(1337 1338 1339)
kinds=(sinusoidal learned rope)
mkdir -p "$runs"

for seed in "${seeds[@]}"; do
  for kind in ${RUN_KINDS:-rope learned sinusoidal}; do # the newest kind first: on a busy machine it finishes first
    out="$runs/$kind-$seed"
    [[ -f "$out/done.txt" ]] && continue
    rm -rf "$out"
    JGPT_JAVA_OPTS="-Dai.djl.pytorch.num_threads=1 ${JGPT_JAVA_OPTS:-}" OMP_NUM_THREADS=1 "$jgpt" train --data "$data" \
      --positions "$kind" --seed "$seed" --max-iters 2000 --eval-tokens 0 --no-plot --out-dir "$out" > "$runs/$kind-$seed.log" 2>&1
    grep -o 'whole val split: [0-9.]*' "$runs/$kind-$seed.log" | cut -d' ' -f4 > "$out/done.txt"
    echo "$kind $seed: $(cat "$out/done.txt")" >&2
  done
done

# The median of metrics.csv's ms_per_iter column (the steps alone, evaluations excluded).
median_ms() {
  python3 - "$1" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{statistics.median(float(r['ms_per_iter']) for r in rows if r['ms_per_iter']):.1f}")
PY
}
echo "| seed | $(printf '%s | ' "${kinds[@]}")"
echo "| --- |$(printf ' --- |%.0s' "${kinds[@]}")"
for seed in "${seeds[@]}"; do
  row="| $seed |"
  for kind in "${kinds[@]}"; do
    if [[ -f "$runs/$kind-$seed/done.txt" ]]; then
      row+=" $(cat "$runs/$kind-$seed/done.txt") ($(median_ms "$runs/$kind-$seed/metrics.csv") ms/iter) |"
    else
      row+=" - |"
    fi
  done
  echo "$row"
done
