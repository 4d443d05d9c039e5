#!/usr/bin/env bash
# GPT-2's 124M shape (issues 20 and 22): sampling speed and peak memory, side by side with the
# PyTorch reference's KV-cached sampler, and the machine's memory bandwidth.
#
#   bench/gpt2_124m.sh                  # ROUNDS=2 alternating rounds of jgpt and the reference
#   THREADS="1 2" bench/gpt2_124m.sh    # jgpt sampling with each --threads (default: 1, sample's own)
#
# 1. Makes a model of the shape with jgpt itself (12 layers, 12 heads, 768 wide, block 1,024,
#    GPT-2's tokenizer, learned positions, tied and unscaled embedding; one step on a little
#    Shakespeare) and exports it, in $WORK (/tmp/jgpt-124m), unless it is there already. An
#    import of GPT-2's own weights (jgpt import) times the same.
# 2. ROUNDS times, alternating: `jgpt bench --checkpoint EXPORT --iters 0` (sampling alone, 200
#    tokens, one sequence, KV cache) and reference_gpt.py --kv-cache of the same shape, each with
#    its peak RSS and the load average before it.
# 3. Read bandwidth: torch summing a 1 GiB float array, one and two threads, best of 5; one
#    sampled token reads every weight once (498 MB at 124M), which bounds tokens/s.
# 4. Peak RSS of two fine-tuning steps from the export at batch 1, block 1,024.
# 5. A training step at batch 1 x 1,024 side by side (STEPS=0 skips it): `jgpt bench --checkpoint
#    EXPORT` (one untimed step, then the median of STEPS, 2) and reference_gpt.py of the same
#    shape (STEPS + 1 steps, its median), one after the other.
# Needs ../shared beside the repository and /usr/bin/python3 with torch.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="$root/../shared"
work="${WORK:-/tmp/jgpt-124m}"
rounds="${ROUNDS:-2}"
source "$root/bench/openblas-env.sh"
cd "$root"

shape=(--n-layer 12 --n-head 12 --n-embd 768 --block-size 1024)
if [[ ! -f "$work/export/model.safetensors" ]]; then
  rm -rf "$work"
  mkdir -p "$work"
  head -c 200000 "$shared/data/tinyshakespeare.txt" > "$work/small.txt"
  ./jgpt train --data "$work/small.txt" --tokenizer gpt2 "${shape[@]}" --positions learned --tie-weights --no-scale-embedding \
    --batch-size 1 --max-iters 1 --eval-interval 0 --eval-iters 1 --eval-tokens 1024 --out-dir "$work/run" > "$work/make.log"
  ./jgpt export --checkpoint "$work/run" --out "$work/export" >> "$work/make.log"
fi

peak() { sed -n 's/^peak_rss_kib //p' "$1" | awk '{printf "%.2f GiB", $1 / 1048576}'; }
for round in $(seq 1 "$rounds"); do
  echo "round $round, load average:$(uptime | sed 's/.*load average://')"
  for threads in ${THREADS:-1}; do
    /usr/bin/time -f 'peak_rss_kib %M' -o "$work/jgpt.time" \
      ./jgpt bench --checkpoint "$work/export" --iters 0 --sample-tokens 200 --threads "$threads" > "$work/jgpt.out"
    echo "  jgpt       $(grep -o '"sample_tokens_per_s":[0-9.]*' "$work/jgpt.out" | cut -d: -f2) tokens/s (--threads $threads), peak RSS $(peak "$work/jgpt.time")"
  done
  echo "  (load average:$(uptime | sed 's/.*load average://'))"
  /usr/bin/time -f 'peak_rss_kib %M' -o "$work/reference.time" \
    /usr/bin/python3 "$shared/bench/reference_gpt.py" --data "$shared/data/tinyshakespeare.txt" "${shape[@]}" --vocab-size 50257 \
    --batch-size 1 --max-iters 1 --eval-interval 0 --sample-tokens 200 --kv-cache > "$work/reference.out"
  echo "  reference  $(grep -o '"sample_tokens_per_s": [0-9.]*' "$work/reference.out" | cut -d' ' -f2) tokens/s, peak RSS $(peak "$work/reference.time")"
done

/usr/bin/python3 - << 'EOF'
import time, torch
a = torch.ones(256 << 20)  # 1 GiB of float32
for threads in (1, 2):
    torch.set_num_threads(threads)
    def seconds():
        start = time.perf_counter()
        a.sum()
        return time.perf_counter() - start
    best = min(seconds() for _ in range(5))
    print(f"read bandwidth, {threads} thread(s): {a.numel() * 4 / best / 1e9:.1f} GB/s (torch sum of 1 GiB, best of 5)")
EOF

rm -rf "$work/finetune"
/usr/bin/time -f 'peak_rss_kib %M' -o "$work/finetune.time" \
  ./jgpt train --init-from "$work/export" --data "$work/small.txt" --batch-size 1 --block-size 1024 --max-iters 2 \
  --lr 3e-5 --min-lr 3e-5 --warmup-iters 0 --eval-interval 0 --eval-iters 1 --eval-tokens 2048 --out-dir "$work/finetune" > "$work/finetune.log"
echo "fine-tuning, two steps at batch 1 x 1,024: peak RSS $(peak "$work/finetune.time")"

steps="${STEPS:-2}"
if [[ "$steps" != 0 ]]; then
  echo "training step at batch 1 x 1,024, load average:$(uptime | sed 's/.*load average://')"
  ./jgpt bench --checkpoint "$work/export" --data "$work/small.txt" --batch-size 1 --iters "$steps" --warmup 1 \
    --sample-tokens 0 > "$work/jgpt-step.out"
  jgpt_ms="$(grep -o '"median_ms_per_iter":[0-9.]*' "$work/jgpt-step.out" | cut -d: -f2)"
  /usr/bin/python3 "$shared/bench/reference_gpt.py" --data "$shared/data/tinyshakespeare.txt" "${shape[@]}" --vocab-size 50257 \
    --batch-size 1 --max-iters "$((steps + 1))" --eval-interval 0 > "$work/reference-step.out"
  ref_ms="$(grep -o '"median_ms_per_iter": [0-9.]*' "$work/reference-step.out" | cut -d' ' -f2)"
  echo "  jgpt ${jgpt_ms} ms, reference ${ref_ms} ms: $(echo "scale=2; $jgpt_ms / $ref_ms" | bc)x"
fi
