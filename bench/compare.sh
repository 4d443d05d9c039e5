#!/usr/bin/env bash
# Side by side, in one run on this machine: jgpt bench and the PyTorch reference trainer
# (../shared/bench/reference_gpt.py, sampling with its KV cache) on the same model shape, then the ratios;
# and `jgpt sample` of 500 tokens as a user meets it: a 550-token run less a 50-token one (start-up
# and loading cancel, the JIT's warm-up does not), the median of SAMPLE_ROUNDS (3) pairs, from a
# checkpoint of the same shape trained for 20 iterations.
#
#   bench/compare.sh                                   # the default config
#   bench/compare.sh --n-layer 6 --n-head 6 --n-embd 384 --block-size 256 --batch-size 8
#
# Needs python3-torch for the reference (apt-get install -y python3-torch libopenblas0-pthread)
# and ../shared beside the repository. Model flags are passed to both. OpenBLAS's core type is set
# where it misreads the CPU (bench/openblas-env.sh), and the fp32 ceiling is measured in the same run
# (the best of three runs of peak_gflops.py). Beside the step it prints the step's floor: its matrix
# products alone (bench/ProductsFloor.java), the fastest any step of that shape could run here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tiny.sh"
iters="${BENCH_ITERS:-50}"
sample="${BENCH_SAMPLE_TOKENS:-500}"
source "$root/bench/openblas-env.sh"

echo "jgpt bench ($iters timed steps, $sample sampled tokens)..." >&2
jgpt_json="$("$root/jgpt" bench --data "$tiny" --iters "$iters" --sample-tokens "$sample" "$@" | tail -n 1)"
# The step's floor: its matrix products alone, through libtorch as jgpt calls it (bench/ProductsFloor.java).
echo "bench/ProductsFloor.java (the step's matrix products alone)..." >&2
shape=(--vocab "$(/usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])["vocab"])' "$jgpt_json")")
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --n-layer|--n-head|--n-embd|--block-size|--batch-size) shape+=("${args[i]}" "${args[i + 1]}") ;;
  esac
done
floor_json="$(OPT_OUT_TRACKING=true java -Dai.djl.offline=true -cp "$root/train/target/lib/*" "$root/bench/ProductsFloor.java" \
  "${shape[@]}" --reps "$iters" 2>/dev/null | tail -n 1)"
echo "jgpt sample, 550 and 50 tokens, ${SAMPLE_ROUNDS:-3} rounds..." >&2
checkpoint="$(mktemp -d)"
trap 'rm -rf "$checkpoint"' EXIT
"$root/jgpt" train --data "$tiny" --max-iters 20 --eval-interval 0 --eval-iters 1 --eval-tokens 1024 --out-dir "$checkpoint" "$@" > /dev/null
sample_seconds=()
for _ in $(seq "${SAMPLE_ROUNDS:-3}"); do
  for tokens in 50 550; do
    start=$(date +%s.%N)
    "$root/jgpt" sample --checkpoint "$checkpoint" --num-samples 1 --max-new-tokens "$tokens" --ignore-eos > /dev/null
    sample_seconds+=("$tokens:$(echo "$(date +%s.%N) - $start" | bc)")
  done
done
echo "reference_gpt.py ($((iters + 10)) steps)..." >&2
ref_json="$(cd "$shared/bench" && OPENBLAS_NUM_THREADS=1 /usr/bin/python3 reference_gpt.py --data "$tiny" \
  --max-iters "$((iters + 10))" --eval-interval 0 --sample-tokens "$sample" --kv-cache "$@" | tail -n 1)"

# A ceiling is a maximum, and on a shared machine one run can read 40% low: the best of three.
echo "peak_gflops.py (the fp32 matmul ceiling, 2 threads, best of 3)..." >&2
peak_json="$(for _ in 1 2 3; do OPENBLAS_NUM_THREADS=2 /usr/bin/python3 "$shared/bench/peak_gflops.py" | tail -n 1; done \
  | /usr/bin/python3 -c 'import json, sys; print(json.dumps({"peak_gflops": max(json.loads(l)["peak_gflops"] for l in sys.stdin)}))')"

/usr/bin/python3 - "$jgpt_json" "$ref_json" "$peak_json" "$floor_json" "${sample_seconds[@]}" <<'PY'
import json, statistics, sys
j, r, peak, floor = (json.loads(a) for a in sys.argv[1:5])
runs = [tuple(map(float, a.split(":"))) for a in sys.argv[5:]]
short = [s for n, s in runs if n == 50]
long = [s for n, s in runs if n == 550]
j["cli_sample_tokens_per_s"] = round(500 / statistics.median(b - a for a, b in zip(short, long)), 1)
rows = [("ms per training iteration", "median_ms_per_iter"), ("tokens/s (training)", "tokens_per_s"),
        ("achieved GFLOP/s", "achieved_gflops"), ("sampling tokens/s", "sample_tokens_per_s")]
print(f"{'':28}{'jgpt':>12}{'reference':>12}{'jgpt/ref':>10}")
for name, key in rows:
    a, b = j.get(key), r.get(key)
    ratio = f"{a / b:.2f}" if a and b else "-"
    print(f"{name:28}{a if a is not None else '-':>12}{b if b is not None else '-':>12}{ratio:>10}")
a, b = j["cli_sample_tokens_per_s"], r.get("sample_tokens_per_s")
print(f"{'jgpt sample, 500 tokens/s':28}{a:>12}{b if b else '-':>12}{f'{a / b:.2f}' if b else '-':>10}"
      f"   (550-token runs less 50-token runs, median of {len(short)}; against the reference's sampling)")
ceiling = peak["peak_gflops"]
print(f"{'% of the fp32 ceiling':28}{100 * j['achieved_gflops'] / ceiling:>11.0f}%{100 * r['achieved_gflops'] / ceiling:>11.0f}%"
      f"   (ceiling {ceiling} GFLOP/s)")
floor_ms = floor["products_ms_per_iter"]
print(f"{'matrix products alone, ms':28}{floor_ms:>12}{'':>12}{floor_ms / r['median_ms_per_iter']:>10.2f}"
      f"   ({100 * j['gflops_per_iter'] / (floor_ms / 1000) / ceiling:.0f}% of the ceiling: the fastest step could be)")
print(json.dumps({"jgpt": j, "reference": r, "peak_gflops": ceiling, "products_ms_per_iter": floor_ms,
                  "ms_ratio": round(j["median_ms_per_iter"] / r["median_ms_per_iter"], 3)}))
PY
