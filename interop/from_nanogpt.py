#!/usr/bin/env python3
"""Turn a nanoGPT checkpoint into a jgpt export folder (jgpt sample, eval and train --init-from read it).

  python3 interop/from_nanogpt.py --ckpt OUT/ckpt.pt --meta data/NAME/meta.pkl --out EXPORT_DIR

writes EXPORT_DIR/model.safetensors (F32, nanoGPT's tensor names), config.json (nanoGPT's
architecture: learned positions, tied weights, unscaled embedding, no padding id) and vocab.json
(meta.pkl's itos in id order, as it is: nanoGPT's character vocabulary has no reserved tokens;
one that came from jgpt keeps <s>, <pad>, </s>, <unk> and padding id 1).
Needs Python 3 and PyTorch >= 1.13, nothing else. Character-level checkpoints with bias=True only.
"""
import argparse
import os
import pickle
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_folder import Refusal, run, architecture, nanogpt_parameter_names, write_json, write_safetensors  # noqa: E402


JGPT_RESERVED = ["<s>", "<pad>", "</s>", "<unk>"]


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", required=True, help="nanoGPT's ckpt.pt")
    p.add_argument("--meta", required=True, help="the dataset's meta.pkl (vocab_size, itos, stoi)")
    p.add_argument("--out", required=True, help="the export folder to write; it must not exist or be empty")
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


def main():
    a = parse()
    if os.path.exists(a.out) and (not os.path.isdir(a.out) or os.listdir(a.out)):
        raise Refusal(f"{a.out} already exists and is not an empty folder: export into a new one")
    ckpt = load(a.ckpt, "checkpoint")
    meta = load(a.meta, "meta file")
    if not isinstance(ckpt, dict) or "model" not in ckpt or "model_args" not in ckpt:
        raise Refusal(f"{a.ckpt} is not a nanoGPT checkpoint: it has no 'model' and 'model_args'")
    args = ckpt["model_args"]
    if not args.get("bias", False):
        raise Refusal(f"{a.ckpt} has bias=False; jgpt builds models with biases only (train nanoGPT with --bias=True)")
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

    os.makedirs(a.out, exist_ok=True)
    write_safetensors(os.path.join(a.out, "model.safetensors"), {n: state[n] for n in names})
    config = architecture(args["n_layer"], args["n_head"], args["n_embd"], args["block_size"], len(tokens),
                          float(args.get("dropout", 0.0)), "learned", True, False, 1 if reserved else None)
    best = ckpt.get("best_val_loss")
    config["training"] = {"iter": int(ckpt.get("iter_num", 0)),
                          "best_val_loss": None if best is None else float(best)}
    write_json(os.path.join(a.out, "config.json"), config)
    write_json(os.path.join(a.out, "vocab.json"), tokens)
    print(f"wrote {a.out}: {args['n_layer']} layers, {args['n_embd']} wide, {len(tokens)} tokens, iteration {config['training']['iter']}")


if __name__ == "__main__":
    run(main, "from_nanogpt")
