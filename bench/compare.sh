#!/usr/bin/env bash
# Side by side, in one run on this machine: jgpt bench and the PyTorch reference trainer
# (../shared/bench/reference_gpt.py) on the same model shape, then the ratios.
#
#   bench/compare.sh                                   # the default config
#   bench/compare.sh --n-layer 6 --n-head 6 --n-embd 384 --block-size 256 --batch-size 8
#
# Needs python3-torch for the reference (apt-get install -y python3-torch libopenblas0-pthread)
# and ../shared beside the repository. Model flags are passed to both.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tiny.sh"
iters="${BENCH_ITERS:-50}"
sample="${BENCH_SAMPLE_TOKENS:-500}"

echo "jgpt bench ($iters timed steps, $sample sampled tokens)..." >&2
jgpt_json="$("$root/jgpt" bench --data "$tiny" --iters "$iters" --sample-tokens "$sample" "$@" | tail -n 1)"
echo "reference_gpt.py ($((iters + 10)) steps)..." >&2
ref_json="$(cd "$shared/bench" && OPENBLAS_NUM_THREADS=1 /usr/bin/python3 reference_gpt.py --data "$tiny" \
  --max-iters "$((iters + 10))" --eval-interval 0 --sample-tokens "$sample" "$@" | tail -n 1)"

/usr/bin/python3 - "$jgpt_json" "$ref_json" <<'PY'
import json, sys
j, r = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = [("ms per training iteration", "median_ms_per_iter"), ("tokens/s (training)", "tokens_per_s"),
        ("achieved GFLOP/s", "achieved_gflops"), ("sampling tokens/s", "sample_tokens_per_s")]
print(f"{'':28}{'jgpt':>12}{'reference':>12}{'jgpt/ref':>10}")
for name, key in rows:
    a, b = j.get(key), r.get(key)
    ratio = f"{a / b:.2f}" if a and b else "-"
    print(f"{name:28}{a if a is not None else '-':>12}{b if b is not None else '-':>12}{ratio:>10}")
print(json.dumps({"jgpt": j, "reference": r, "ms_ratio": round(j["median_ms_per_iter"] / r["median_ms_per_iter"], 3)}))
PY
