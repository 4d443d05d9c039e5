#!/usr/bin/env python3
"""Turn a nanoGPT checkpoint into a jgpt export folder (jgpt sample, eval and train --init-from read it).

  python3 interop/from_nanogpt.py --ckpt OUT/ckpt.pt --meta data/NAME/meta.pkl --out EXPORT_DIR

writes EXPORT_DIR/model.safetensors (F32, nanoGPT's tensor names), config.json (nanoGPT's
architecture: learned positions, tied weights, unscaled embedding, no padding id) and vocab.json
(meta.pkl's itos in id order, as it is: nanoGPT's character vocabulary has no reserved tokens;
one that came from jgpt keeps <s>, <pad>, </s>, <unk> and padding id 1).

  python3 interop/from_nanogpt.py --ckpt OUT/ckpt.pt --meta data/NAME/meta.pkl --out-run RUN_DIR [--data CORPUS.txt]

writes a jgpt run folder instead, which `jgpt train --resume --out-dir RUN_DIR [--data CORPUS.txt]`
continues from nanoGPT's iteration, schedule included: RUN_DIR/nanogpt-NNNNNNN, an export folder that
also holds AdamW's moments (optimizer.safetensors) and, in config.json's training, the iteration, the
optimizer's step count and the run's settings taken from nanoGPT's config (with --data, its corpus),
and RUN_DIR/latest naming it. jgpt saves it as a checkpoint of its own when it resumes.
Without --meta the checkpoint is taken as GPT-2-encoded, as nanoGPT does without meta.pkl: the
folder gets tokenizer.json (GPT-2's r50k_base) instead of vocab.json, and vocab_size stays nanoGPT's
(50,304: the rows past GPT-2's 50,257 ids are never drawn when sampling).
Needs Python 3 and PyTorch >= 1.13, nothing else. Checkpoints with bias=True only.
"""
import argparse
import os
import pickle
import sys

import needs_torch  # noqa: F401  (first: without PyTorch, one line says how to install it)
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_folder import Refusal, run, architecture, nanogpt_parameter_names, write_json, write_safetensors  # noqa: E402


JGPT_RESERVED = ["<s>", "<pad>", "</s>", "<unk>"]
GPT2_IDS = 50257
# What jgpt's TiktokenFiles writes for GPT-2's encoding (r50k_base), which it takes by name.
GPT2_TOKENIZER = {
    "kind": "gpt2",
    "encoding": "r50k_base",
    "pattern": r"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
    "special_tokens": {"<|endoftext|>": 50256},
}


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", required=True, help="nanoGPT's ckpt.pt")
    p.add_argument("--meta", help="the dataset's meta.pkl (vocab_size, itos, stoi); without it the model is GPT-2-encoded")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--out", help="the export folder to write; it must not exist or be empty")
    out.add_argument("--out-run", help="the jgpt run folder to write, for jgpt train --resume; it must not exist or be empty")
    p.add_argument("--data", help="with --out-run: the corpus jgpt resumes on (as jgpt's --data names it)")
    return p.parse_args()


def load(path, what):
    try:
        if path.endswith(".pkl"):
            with open(path, "rb") as f:
                return pickle.load(f)
        return torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise Refusal(f"{what} {path} does not exist")
    except Exception as e:  # a damaged file fails in many ways, each one line here
        raise Refusal(f"{what} {path} cannot be read: {type(e).__name__}: {e}")


# nanoGPT's train.py settings and the jgpt flags that mean the same
SETTINGS = {"learning_rate": "lr", "min_lr": "min-lr", "warmup_iters": "warmup-iters", "max_iters": "max-iters",
            "lr_decay_iters": "lr-decay-iters", "weight_decay": "weight-decay", "beta1": "beta1", "beta2": "beta2",
            "grad_clip": "grad-clip", "gradient_accumulation_steps": "grad-accum", "batch_size": "batch-size",
            "eval_interval": "eval-interval", "eval_iters": "eval-iters", "log_interval": "log-interval"}


def run_settings(ckpt, args, data):
    """The jgpt run's settings (flag-named keys) from nanoGPT's config; nanoGPT's architecture."""
    config = ckpt.get("config") or {}
    missing = [k for k in SETTINGS if k not in config]
    if missing:
        raise Refusal(f"the checkpoint's config lacks {', '.join(missing)}: it was not saved by nanoGPT's train.py")
    run = {flag: config[key] for key, flag in SETTINGS.items()}
    if not config.get("decay_lr", True):  # a constant rate: no warm-up, no decay
        run.update({"min-lr": run["lr"], "warmup-iters": 0})
    run.update({"column": None, "n-layer": args["n_layer"], "n-head": args["n_head"], "n-embd": args["n_embd"],
                "block-size": args["block_size"], "dropout": float(args.get("dropout", 0.0)), "positions": "learned",
                "tie-weights": True, "no-scale-embedding": True, "init": "gpt2", "init-from": None,
                "keep-checkpoints": 3, "seed": 1337, "device": "cpu", "max-nonfinite-steps": 5})
    if data is not None:
        run["data"] = data  # else jgpt asks for --data when it resumes
    return run


def optimizer_moments(ckpt, names, weights):
    """AdamW's moments by nanoGPT name and the step count, from configure_optimizers' state_dict:
    its groups list the 2-D parameters, then the rest, each in named_parameters() order."""
    optimizer = ckpt.get("optimizer") or {}
    groups, state = optimizer.get("param_groups", []), optimizer.get("state", {})
    ordered = [n for n in names if weights[n].dim() >= 2] + [n for n in names if weights[n].dim() < 2]
    ids = [i for group in groups for i in group["params"]]
    if len(ids) != len(ordered):
        raise Refusal(f"the checkpoint's optimizer has {len(ids)} parameters, nanoGPT's GPT {len(ordered)}")
    moments, steps = {}, set()
    for i, name in zip(ids, ordered):
        if i in state:
            moments[name + ".exp_avg"] = state[i]["exp_avg"]
            moments[name + ".exp_avg_sq"] = state[i]["exp_avg_sq"]
            steps.add(int(float(state[i]["step"])))
    if len(steps) > 1:
        raise Refusal(f"the checkpoint's optimizer has parameters at different steps {sorted(steps)}")
    return moments, steps.pop() if steps else 0


def main():
    a = parse()
    out = a.out or a.out_run
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise Refusal(f"{out} already exists and is not an empty folder: {'export' if a.out else 'write the run'} into a new one")
    if a.data is not None and not a.out_run:
        raise Refusal("--data goes with --out-run (an export folder does not name a corpus)")
    ckpt = load(a.ckpt, "checkpoint")
    meta = load(a.meta, "meta file") if a.meta else None
    if not isinstance(ckpt, dict) or "model" not in ckpt or "model_args" not in ckpt:
        raise Refusal(f"{a.ckpt} is not a nanoGPT checkpoint: it has no 'model' and 'model_args'")
    args = ckpt["model_args"]
    if not args.get("bias", False):
        raise Refusal(f"{a.ckpt} has bias=False; jgpt builds models with biases only (train nanoGPT with --bias=True)")
    if meta is None:  # nanoGPT without meta.pkl: GPT-2's encoding, its 50,257 ids padded to vocab_size rows
        if args["vocab_size"] < GPT2_IDS:
            raise Refusal(f"{a.ckpt} has vocab_size {args['vocab_size']}, fewer than GPT-2's {GPT2_IDS} ids: pass its --meta")
        tokens, reserved = None, False
    else:
        if not isinstance(meta, dict) or "itos" not in meta:
            raise Refusal(f"{a.meta} is not a nanoGPT meta.pkl: it has no 'itos'")
        itos = meta["itos"]
        tokens = [itos.get(i) for i in range(len(itos))]
        reserved = tokens[:4] == JGPT_RESERVED  # a vocabulary that came from jgpt through to_nanogpt.py keeps them
        if any(not isinstance(t, str) or len(t) != 1 for t in tokens[4 if reserved else 0:]):
            raise Refusal(f"{a.meta}: every token must be one character (a character-level vocabulary)")
        if len(tokens) != args["vocab_size"]:
            raise Refusal(f"{a.meta} holds {len(tokens)} tokens but the checkpoint's vocab_size is {args['vocab_size']}")

    state = {}
    for name, tensor in ckpt["model"].items():
        if name.startswith("_orig_mod."):  # saved from a torch.compile'd model
            name = name[len("_orig_mod."):]
        if name.endswith(".attn.bias"):  # the causal-mask buffer of PyTorch < 2.0, not a weight
            continue
        state[name] = tensor
    names = nanogpt_parameter_names(args["n_layer"]) + ["lm_head.weight"]
    missing = [n for n in names if n not in state]
    extra = [n for n in state if n not in names]
    if missing or extra:
        raise Refusal(f"{a.ckpt} does not hold nanoGPT's GPT: missing {missing[:3]}, unexpected {extra[:3]}")

    config = architecture(args["n_layer"], args["n_head"], args["n_embd"], args["block_size"], args["vocab_size"],
                          float(args.get("dropout", 0.0)), "learned", True, False, 1 if reserved else None)
    best = ckpt.get("best_val_loss")
    iteration = int(ckpt.get("iter_num", 0))
    config["training"] = {"iter": iteration, "best_val_loss": None if best is None else float(best)}
    folder = out
    if a.out_run:
        moments, step = optimizer_moments(ckpt, nanogpt_parameter_names(args["n_layer"]), state)
        config["training"].update(optimizer_step=step, config=run_settings(ckpt, args, a.data), documents=False)
        folder = os.path.join(out, f"nanogpt-{iteration:07d}")
        os.makedirs(folder)
        if step > 0:
            write_safetensors(os.path.join(folder, "optimizer.safetensors"), moments)
        os.symlink(os.path.basename(folder), os.path.join(out, "latest"))
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"), {n: state[n] for n in names})
    write_json(os.path.join(folder, "config.json"), config)
    if tokens is None:
        write_json(os.path.join(folder, "tokenizer.json"), GPT2_TOKENIZER)
    else:
        write_json(os.path.join(folder, "vocab.json"), tokens)
    print(f"wrote {out}: {args['n_layer']} layers, {args['n_embd']} wide, {args['vocab_size']} tokens"
          f"{' (GPT-2)' if tokens is None else ''}, iteration {iteration}"
          + (f"; continue with: ./jgpt train --resume --out-dir {out}" + ("" if a.data else " --data CORPUS") if a.out_run else ""))


if __name__ == "__main__":
    run(main, "from_nanogpt")
