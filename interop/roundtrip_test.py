#!/usr/bin/env python3
"""End to end, jgpt and nanoGPT both ways, with nanoGPT's own model.py and train.py (CPU).

  /usr/bin/python3 interop/roundtrip_test.py [--nanogpt ../shared/nanogpt] [--text ../shared/data/tinyshakespeare.txt]

1. jgpt trains a model of nanoGPT's architecture; `jgpt export`; `to_nanogpt.py`; nanoGPT's GPT
   loads it strictly and gives `jgpt eval`'s loss on the same text (|diff| <= 2e-4); nanoGPT's
   configure_optimizers optimizer accepts the moments; nanoGPT's train.py resumes: its first
   evaluation agrees with jgpt's last and the loss goes on falling.
2. nanoGPT's train.py trains a model from scratch on its own character vocabulary;
   `from_nanogpt.py`; `jgpt eval` gives nanoGPT's loss; `jgpt sample` writes; `jgpt train
   --init-from` starts from it.
3. jgpt's default architecture; `jgpt export`; the PyTorch model of interop/jgpt_model.py (the
   README's description) gives `jgpt eval`'s loss.
4. Every refusal is one line and a non-zero exit.
5. GPT-2's encoding: a nanoGPT GPT over GPT-2 ids (vocab_size 50,304, no meta.pkl) converts
   with `from_nanogpt.py` without --meta and `jgpt eval` gives its loss; a jgpt run of
   --tokenizer gpt2 goes to nanoGPT with no meta.pkl and .bin files of the text's GPT-2 ids, and
   nanoGPT's train.py continues it. (--only-gpt2 runs this part alone.)
Skips (exit 0, with a message) when nanoGPT or the text is missing. Takes a few minutes.
"""
import argparse
import array
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile

import needs_torch  # noqa: F401  (first: without PyTorch, one line says how to install it)
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from jgpt_model import load_export, text_loss  # noqa: E402

TOLERANCE = 2e-4


def run(cmd, cwd=ROOT, expect=0):
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if expect is not None and p.returncode != expect:
        sys.exit(f"FAILED (exit {p.returncode}): {' '.join(cmd)}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def jgpt(*args, expect=0):
    return run([os.path.join(ROOT, "jgpt"), *args], expect=expect)


def eval_loss(checkpoint, text):
    out = jgpt("eval", "--checkpoint", checkpoint, "--data", text).stdout
    return float(re.search(r"loss ([0-9.]+),", out).group(1))


def check(ok, message):
    print(("ok: " if ok else "FAILED: ") + message, flush=True)
    if not ok:
        sys.exit(1)


def nanogpt_loss(nanogpt, ckpt_path, ids):
    sys.path.insert(0, nanogpt)
    from model import GPT, GPTConfig  # nanoGPT's own
    ckpt = torch.load(ckpt_path, map_location="cpu")
    model = GPT(GPTConfig(**ckpt["model_args"]))
    state = {k[len("_orig_mod."):] if k.startswith("_orig_mod.") else k: v for k, v in ckpt["model"].items()}
    model.load_state_dict(state, strict=True)
    model.eval()
    return model, ckpt, text_loss(model, ids, ckpt["model_args"]["block_size"])


def train_py(nanogpt, folder, *flags):
    """nanoGPT's train.py run from `folder`, as its README says (configurator.py beside it)."""
    if not os.path.exists(os.path.join(folder, "configurator.py")):
        os.symlink(os.path.join(nanogpt, "configurator.py"), os.path.join(folder, "configurator.py"))
    out = run([sys.executable, os.path.join(nanogpt, "train.py"), *flags], cwd=folder).stdout
    return [(int(i), float(t), float(v)) for i, t, v in re.findall(r"step (\d+): train loss ([0-9.]+), val loss ([0-9.]+)", out)]


def one_line_refusal(p, what):
    lines = [l for l in p.stderr.strip().splitlines() if not l.startswith("[W")]
    check(p.returncode != 0 and len(lines) == 1, f"{what}: exit {p.returncode}, {lines!r}")


def to_nanogpt_direction(nanogpt, text, work):
    run_dir, export, nano = (os.path.join(work, n) for n in ("run", "export", "nano"))
    out = jgpt("train", "--data", text, "--positions", "learned", "--tie-weights", "--no-scale-embedding",
               "--n-layer", "2", "--n-head", "2", "--n-embd", "64", "--block-size", "64", "--max-iters", "200",
               "--min-lr", "3e-4", "--eval-interval", "100", "--eval-iters", "100", "--out-dir", run_dir).stdout
    jgpt_last = float(re.findall(r"step 200: .*val loss ([0-9.]+)", out)[-1])
    jgpt("export", "--checkpoint", run_dir, "--out", export)
    jgpt_loss = eval_loss(export, text)
    run([sys.executable, os.path.join(HERE, "to_nanogpt.py"), "--export", export, "--out", nano,
         "--data", text, "--dataset", "jgpt"])
    with open(os.path.join(nano, "meta.pkl"), "rb") as f:
        stoi = pickle.load(f)["stoi"]
    with open(text, encoding="utf-8") as f:
        ids = [stoi[c] for c in f.read()]
    model, ckpt, nano_loss = nanogpt_loss(nanogpt, os.path.join(nano, "ckpt.pt"), ids)
    check(abs(nano_loss - jgpt_loss) <= TOLERANCE,
          f"nanoGPT's model.py on the jgpt export: loss {nano_loss:.5f}, jgpt eval {jgpt_loss:.4f} (|diff| <= {TOLERANCE})")

    run_cfg = ckpt["config"]
    optimizer = model.configure_optimizers(run_cfg["weight_decay"], run_cfg["learning_rate"],
                                           (run_cfg["beta1"], run_cfg["beta2"]), "cpu")
    optimizer.load_state_dict(ckpt["optimizer"])
    wte = model.transformer.wte.weight
    state = optimizer.state[wte]
    from export_folder import read_safetensors
    moments = read_safetensors(os.path.join(export, "optimizer.safetensors"))
    step = float(state["step"])
    check(step == 200 and torch.equal(state["exp_avg_sq"], moments["transformer.wte.weight.exp_avg_sq"])
          and len(optimizer.state) == len(list(model.parameters())),
          f"nanoGPT's configure_optimizers AdamW accepts the state: step {step:.0f}, {len(optimizer.state)} parameters with moments")

    evals = train_py(nanogpt, nano, "jgpt_run.py", "--max_iters=400", "--eval_interval=100", "--eval_iters=100",
                     "--log_interval=100")
    print(f"jgpt's last evaluation (step 200): val {jgpt_last:.4f}; nanoGPT's train.py: {evals}")
    check(evals[0][0] == 200 and abs(evals[0][2] - jgpt_last) < 0.05,
          f"train.py's first evaluation (step {evals[0][0]}, val {evals[0][2]:.4f}) agrees with jgpt's last ({jgpt_last:.4f}) within 0.05 (different random batches)")
    check(evals[-1][0] == 400 and evals[-1][1] < evals[0][1] and evals[-1][2] < evals[0][2],
          f"train.py continues and the loss falls: train {evals[0][1]:.4f} -> {evals[-1][1]:.4f}, val {evals[0][2]:.4f} -> {evals[-1][2]:.4f}")
    return export


def from_nanogpt_direction(nanogpt, text, work):
    scratch = os.path.join(work, "scratch")
    data = os.path.join(scratch, "data", "chars")
    os.makedirs(data)
    with open(text, encoding="utf-8") as f:
        content = f.read()
    chars = sorted(set(content))  # nanoGPT's shakespeare_char/prepare.py: no reserved tokens
    stoi = {c: i for i, c in enumerate(chars)}
    ids = [stoi[c] for c in content]
    n = int(len(ids) * 0.9)
    import array
    array.array("H", ids[:n]).tofile(open(os.path.join(data, "train.bin"), "wb"))
    array.array("H", ids[n:]).tofile(open(os.path.join(data, "val.bin"), "wb"))
    with open(os.path.join(data, "meta.pkl"), "wb") as f:
        pickle.dump({"vocab_size": len(chars), "itos": dict(enumerate(chars)), "stoi": stoi}, f)
    train_py(nanogpt, scratch, "--init_from=scratch", "--out_dir=.", "--dataset=chars", "--device=cpu",
             "--compile=False", "--dtype=float32", "--bias=True", "--n_layer=2", "--n_head=2", "--n_embd=64",
             "--block_size=64", "--batch_size=12", "--gradient_accumulation_steps=1", "--max_iters=150",
             "--lr_decay_iters=150", "--warmup_iters=10", "--learning_rate=1e-3", "--min_lr=1e-4",
             "--eval_interval=150", "--eval_iters=20", "--log_interval=50", "--dropout=0.1")
    export = os.path.join(work, "from_nanogpt")
    run([sys.executable, os.path.join(HERE, "from_nanogpt.py"), "--ckpt", os.path.join(scratch, "ckpt.pt"),
         "--meta", os.path.join(data, "meta.pkl"), "--out", export])
    _, _, nano_loss = nanogpt_loss(nanogpt, os.path.join(scratch, "ckpt.pt"), ids)
    jgpt_loss = eval_loss(export, text)
    check(abs(nano_loss - jgpt_loss) <= TOLERANCE,
          f"jgpt eval on the nanoGPT-trained model: loss {jgpt_loss:.4f}, nanoGPT's model.py {nano_loss:.5f} (|diff| <= {TOLERANCE})")
    sample = jgpt("sample", "--checkpoint", export, "--num-samples", "1", "--max-new-tokens", "200").stdout
    body = sample.split("---------------")[0]
    check(len(body.strip()) > 0 and set(body) <= set(chars) | {"\n"},
          f"jgpt sample writes from it: {body.strip()[:60]!r}...")
    fine = os.path.join(work, "fine_tuned")
    out = jgpt("train", "--init-from", export, "--data", text, "--max-iters", "20", "--eval-interval", "10",
               "--eval-iters", "20", "--out-dir", fine).stdout
    first = float(re.search(r"step 0: train loss ([0-9.]+)", out).group(1))
    check(abs(first - nano_loss) < 0.15,
          f"jgpt train --init-from starts where nanoGPT stopped: first estimate {first:.4f} (nanoGPT's loss {nano_loss:.4f})")


def gpt2_direction(nanogpt, text, work):
    sys.path.insert(0, nanogpt)
    from model import GPT, GPTConfig  # nanoGPT's own
    ids = json.loads(jgpt("tokenize", "--tokenizer", "gpt2", "--file", text).stdout)
    args = dict(n_layer=1, n_head=2, n_embd=32, block_size=32, bias=True, vocab_size=50304, dropout=0.0)
    torch.manual_seed(1)
    scratch = os.path.join(work, "gpt2_nano")
    os.makedirs(scratch)
    ckpt_path = os.path.join(scratch, "ckpt.pt")
    torch.save({"model": GPT(GPTConfig(**args)).state_dict(), "model_args": args, "iter_num": 0,
                "best_val_loss": torch.tensor(1e9)}, ckpt_path)
    export = os.path.join(work, "gpt2_from_nanogpt")
    run([sys.executable, os.path.join(HERE, "from_nanogpt.py"), "--ckpt", ckpt_path, "--out", export])
    _, _, nano_loss = nanogpt_loss(nanogpt, ckpt_path, ids)
    jgpt_loss = eval_loss(export, text)
    check(abs(nano_loss - jgpt_loss) <= TOLERANCE,
          f"GPT-2 ids, no meta.pkl: jgpt eval {jgpt_loss:.4f}, nanoGPT's model.py {nano_loss:.5f} (|diff| <= {TOLERANCE})")

    run_dir, jgpt_export, nano = (os.path.join(work, n) for n in ("gpt2_run", "gpt2_export", "gpt2_to_nanogpt"))
    jgpt("train", "--data", text, "--tokenizer", "gpt2", "--positions", "learned", "--tie-weights", "--no-scale-embedding",
         "--n-layer", "1", "--n-head", "2", "--n-embd", "32", "--block-size", "32", "--max-iters", "20",
         "--eval-interval", "0", "--eval-iters", "5", "--out-dir", run_dir)
    jgpt("export", "--checkpoint", run_dir, "--out", jgpt_export)
    run([sys.executable, os.path.join(HERE, "to_nanogpt.py"), "--export", jgpt_export, "--out", nano,
         "--data", text, "--dataset", "gpt2"])
    data = os.path.join(nano, "data", "gpt2")
    written = array.array("H")
    for name in ("train.bin", "val.bin"):
        with open(os.path.join(data, name), "rb") as f:
            written.frombytes(f.read())
    check(list(written) == ids and not os.path.exists(os.path.join(nano, "meta.pkl"))
          and not os.path.exists(os.path.join(data, "meta.pkl")),
          f"to_nanogpt.py on a gpt2 run: no meta.pkl; train.bin + val.bin are the text's {len(ids):,} GPT-2 ids")
    evals = train_py(nanogpt, nano, "jgpt_run.py", "--max_iters=30", "--eval_interval=10", "--eval_iters=5",
                     "--log_interval=10")
    check(evals and evals[-1][0] == 30, f"nanoGPT's train.py continues the gpt2 run: {evals}")


def default_architecture(text, work):
    run_dir, export = os.path.join(work, "default"), os.path.join(work, "default_export")
    jgpt("train", "--data", text, "--n-layer", "2", "--n-embd", "64", "--max-iters", "50", "--eval-interval", "0",
         "--out-dir", run_dir)
    jgpt("export", "--checkpoint", run_dir, "--out", export)
    model, tokens = load_export(export)
    stoi = {t: i for i, t in enumerate(tokens)}
    with open(text, encoding="utf-8") as f:
        ids = [stoi[c] for c in f.read()]
    torch_loss = text_loss(model, ids, model.config["block_size"])
    jgpt_loss = eval_loss(export, text)
    check(abs(torch_loss - jgpt_loss) <= TOLERANCE,
          f"jgpt's default architecture in PyTorch (interop/jgpt_model.py): loss {torch_loss:.5f}, jgpt eval {jgpt_loss:.4f}")
    return export


def refusals(default_export, nano_export, text, work):
    p = run([sys.executable, os.path.join(HERE, "to_nanogpt.py"), "--export", default_export, "--out",
             os.path.join(work, "refused")], expect=None)
    one_line_refusal(p, "to_nanogpt.py refuses jgpt's default architecture")
    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    one_line_refusal(jgpt("eval", "--checkpoint", empty, "--data", text, expect=None), "eval of a folder that is neither")
    cases = {
        "a truncated model.safetensors": lambda d: truncate(os.path.join(d, "model.safetensors")),
        "a garbled safetensors header": lambda d: garble(os.path.join(d, "model.safetensors")),
        "bias false in config.json": lambda d: edit_json(os.path.join(d, "config.json"), lambda c: c.update(bias=False)),
        "n_head not dividing n_embd": lambda d: edit_json(os.path.join(d, "config.json"), lambda c: c.update(n_head=3)),
        "a vocabulary one token short": lambda d: edit_json(os.path.join(d, "vocab.json"), lambda v: v.pop()),
        "a missing tensor": lambda d: drop_tensor(os.path.join(d, "model.safetensors"), "transformer.ln_f.bias"),
    }
    for what, damage in cases.items():
        copy = os.path.join(work, "damaged-" + re.sub(r"\W+", "-", what))
        shutil.copytree(nano_export, copy)
        damage(copy)
        one_line_refusal(jgpt("eval", "--checkpoint", copy, "--data", text, expect=None), "eval refuses " + what)
    one_line_refusal(jgpt("eval", "--checkpoint", nano_export, "--data", os.path.join(HERE, "..", "README.md"), expect=None),
                     "a text with characters the nanoGPT vocabulary lacks")


def truncate(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 100)


def garble(path):
    with open(path, "r+b") as f:
        f.seek(9)
        f.write(b"\xff\xfe")


def edit_json(path, change):
    import json
    with open(path, encoding="utf-8") as f:
        value = json.load(f)
    change(value)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)


def drop_tensor(path, name):
    from export_folder import read_safetensors, write_safetensors
    tensors = read_safetensors(path)
    del tensors[name]
    write_safetensors(path, tensors)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nanogpt", default=os.path.join(ROOT, "..", "shared", "nanogpt"))
    p.add_argument("--text", default=os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt"))
    p.add_argument("--chars", type=int, default=300_000, help="use the first N characters of --text")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    p.add_argument("--only-gpt2", action="store_true", help="run only part 5, GPT-2's encoding")
    a = p.parse_args()
    for path in (os.path.join(a.nanogpt, "model.py"), a.text):
        if not os.path.exists(path):
            print(f"skipped: {path} is missing")
            return
    work = tempfile.mkdtemp(prefix="jgpt-roundtrip-")
    try:
        text = os.path.join(work, "text.txt")
        with open(a.text, encoding="utf-8") as f, open(text, "w", encoding="utf-8") as g:
            g.write(f.read()[:a.chars])
        torch.manual_seed(1337)
        if a.only_gpt2:
            with open(text, encoding="utf-8") as f, open(os.path.join(work, "short.txt"), "w", encoding="utf-8") as g:
                g.write(f.read()[:20_000])
            gpt2_direction(os.path.abspath(a.nanogpt), os.path.join(work, "short.txt"), work)
            print("all checks passed")
            return
        to_nanogpt_direction(os.path.abspath(a.nanogpt), text, work)
        from_nanogpt_direction(os.path.abspath(a.nanogpt), text, work)
        default_export = default_architecture(text, work)
        refusals(default_export, os.path.join(work, "from_nanogpt"), text, work)
        with open(text, encoding="utf-8") as f, open(os.path.join(work, "short.txt"), "w", encoding="utf-8") as g:
            g.write(f.read()[:20_000])  # GPT-2's 50,304 logits a position: a short text keeps it quick
        gpt2_direction(os.path.abspath(a.nanogpt), os.path.join(work, "short.txt"), work)
        print("all checks passed")
    finally:
        if a.keep:
            print("work folder: " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
