#!/usr/bin/env bash
# Side by side, in one run on this machine: jgpt bench and the PyTorch reference trainer
# (../shared/bench/reference_gpt.py, sampling with its KV cache) on the same model shape, then the ratios.
#
#   bench/compare.sh                                   # the default config
#   bench/compare.sh --n-layer 6 --n-head 6 --n-embd 384 --block-size 256 --batch-size 8
#
# Needs python3-torch for the reference (apt-get install -y python3-torch libopenblas0-pthread)
# and ../shared beside the repository. Model flags are passed to both. OpenBLAS's core type is set
# where it misreads the CPU (bench/openblas-env.sh), and the fp32 ceiling is measured in the same run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tiny.sh"
iters="${BENCH_ITERS:-50}"
sample="${BENCH_SAMPLE_TOKENS:-500}"
source "$root/bench/openblas-env.sh"

echo "jgpt bench ($iters timed steps, $sample sampled tokens)..." >&2
jgpt_json="$("$root/jgpt" bench --data "$tiny" --iters "$iters" --sample-tokens "$sample" "$@" | tail -n 1)"
echo "reference_gpt.py ($((iters + 10)) steps)..." >&2
ref_json="$(cd "$shared/bench" && OPENBLAS_NUM_THREADS=1 /usr/bin/python3 reference_gpt.py --data "$tiny" \
  --max-iters "$((iters + 10))" --eval-interval 0 --sample-tokens "$sample" --kv-cache "$@" | tail -n 1)"

echo "peak_gflops.py (the fp32 matmul ceiling, 2 threads)..." >&2
peak_json="$(OPENBLAS_NUM_THREADS=2 /usr/bin/python3 "$shared/bench/peak_gflops.py" | tail -n 1)"

/usr/bin/python3 - "$jgpt_json" "$ref_json" "$peak_json" <<'PY'
import json, sys
j, r, peak = (json.loads(a) for a in sys.argv[1:4])
rows = [("ms per training iteration", "median_ms_per_iter"), ("tokens/s (training)", "tokens_per_s"),
        ("achieved GFLOP/s", "achieved_gflops"), ("sampling tokens/s", "sample_tokens_per_s")]
print(f"{'':28}{'jgpt':>12}{'reference':>12}{'jgpt/ref':>10}")
for name, key in rows:
    a, b = j.get(key), r.get(key)
    ratio = f"{a / b:.2f}" if a and b else "-"
    print(f"{name:28}{a if a is not None else '-':>12}{b if b is not None else '-':>12}{ratio:>10}")
ceiling = peak["peak_gflops"]
print(f"{'% of the fp32 ceiling':28}{100 * j['achieved_gflops'] / ceiling:>11.0f}%{100 * r['achieved_gflops'] / ceiling:>11.0f}%"
      f"   (ceiling {ceiling} GFLOP/s)")
print(json.dumps({"jgpt": j, "reference": r, "peak_gflops": ceiling,
                  "ms_ratio": round(j["median_ms_per_iter"] / r["median_ms_per_iter"], 3)}))
PY
