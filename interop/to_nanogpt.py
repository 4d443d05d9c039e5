#!/usr/bin/env python3
"""Turn a jgpt export folder into a nanoGPT checkpoint that nanoGPT's train.py resumes.

  python3 interop/to_nanogpt.py --export EXPORT_DIR --out NANO_DIR [--data CORPUS.txt --dataset NAME]

writes NANO_DIR/ckpt.pt (nanoGPT's keys: model, optimizer, model_args, iter_num, best_val_loss,
config), NANO_DIR/meta.pkl (vocab_size, itos, stoi) and NANO_DIR/jgpt_run.py (the run's settings
as a nanoGPT config file). With --data and --dataset it also writes NANO_DIR/data/NAME/train.bin
and val.bin (uint16, the same 90/10 split as jgpt's) and meta.pkl there. Then, from NANO_DIR with
nanoGPT's configurator.py beside it:

  python3 NANOGPT/train.py jgpt_run.py --device=cpu --compile=False

Needs Python 3 and PyTorch >= 1.13, nothing else. Only nanoGPT's architecture converts: learned
positions, tied weights, an unscaled token embedding (jgpt train --positions learned
--tie-weights --no-scale-embedding); anything else is refused in one line.

A run of --tokenizer gpt2 writes no meta.pkl (nanoGPT then uses GPT-2's encoding), and its --data
files hold GPT-2 ids (tiktoken's encode_ordinary, or `jgpt tokenize` without tiktoken). A run of
--tokenizer bpe is refused: nanoGPT cannot encode with jgpt's own BPE.
"""
import argparse
import json
import os
import pickle
import subprocess
import sys

import needs_torch  # noqa: F401  (first: without PyTorch, one line says how to install it)
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_folder import Refusal, run, nanogpt_parameter_names, read_json, read_safetensors  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--export", required=True, help="a folder written by `jgpt export`")
    p.add_argument("--out", required=True, help="the nanoGPT folder to write (out_dir of train.py)")
    p.add_argument("--data", help="the UTF-8 text the run trained on, to write nanoGPT's train.bin/val.bin")
    p.add_argument("--dataset", help="the dataset name for train.py's --dataset (with --data)")
    return p.parse_args()


def check_representable(config):
    wrong = []
    if config.get("positions") != "learned":
        kind = "rotary positions, which nanoGPT does not have" if config.get("positions") == "rope" else "sinusoidal positions"
        wrong.append((kind, "--positions learned"))
    if not config.get("tie_weights"):
        wrong.append(("an untied output head", "--tie-weights"))
    if config.get("scale_embedding"):
        wrong.append(("a token embedding scaled by sqrt(n_embd)", "--no-scale-embedding"))
    if not config.get("bias", True):
        wrong.append(("no biases", "bias true"))
    if wrong:
        raise Refusal("nanoGPT cannot represent this model (" + ", ".join(w for w, _ in wrong)
                      + "): train it with " + " ".join(f for _, f in wrong) + " to make it representable")


def model_state(tensors, config):
    n_layer, block = config["n_layer"], config["block_size"]
    names = nanogpt_parameter_names(n_layer)
    missing = [n for n in names if n not in tensors]
    if missing:
        raise Refusal(f"model.safetensors lacks {missing[0]} (and {len(missing) - 1} more)" if len(missing) > 1
                      else f"model.safetensors lacks {missing[0]}")
    state = {n: tensors[n] for n in names}
    state["lm_head.weight"] = state["transformer.wte.weight"]  # tied: one tensor, two names, as nanoGPT saves it
    if not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
        # nanoGPT's model.py under PyTorch < 2.0 keeps its causal mask as a buffer named attn.bias
        mask = torch.tril(torch.ones(block, block)).view(1, 1, block, block)
        for i in range(n_layer):
            state[f"transformer.h.{i}.attn.bias"] = mask
    return state


def optimizer_state(export_dir, tensors, config, training):
    """AdamW's state_dict as nanoGPT's configure_optimizers builds it: decayed (2-D) parameters
    first, then the rest, each group in named_parameters() order; made by this PyTorch's own
    AdamW so that its format is the one load_state_dict expects."""
    run = training.get("config", {})
    names = nanogpt_parameter_names(config["n_layer"])
    params = {n: torch.nn.Parameter(tensors[n].clone()) for n in names}
    decay = [n for n in names if params[n].dim() >= 2]
    no_decay = [n for n in names if params[n].dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": [params[n] for n in decay], "weight_decay": run.get("weight-decay", 0.1)},
         {"params": [params[n] for n in no_decay], "weight_decay": 0.0}],
        lr=run.get("lr", 1e-3), betas=(run.get("beta1", 0.9), run.get("beta2", 0.99)))
    path = os.path.join(export_dir, "optimizer.safetensors")
    step = int(training.get("optimizer_step", 0))
    if step == 0 or not os.path.exists(path):
        return optimizer.state_dict()
    moments = read_safetensors(path)
    for n in names:
        params[n].grad = torch.zeros_like(params[n])
    optimizer.step()  # creates each parameter's state in this PyTorch's own format
    for n in decay + no_decay:
        state = optimizer.state[params[n]]
        if n + ".exp_avg" not in moments or n + ".exp_avg_sq" not in moments:
            raise Refusal(f"optimizer.safetensors has no moments for {n}")
        state["exp_avg"].copy_(moments[n + ".exp_avg"])
        state["exp_avg_sq"].copy_(moments[n + ".exp_avg_sq"])
        if torch.is_tensor(state["step"]):
            state["step"].fill_(step)
        else:
            state["step"] = step
    return optimizer.state_dict()


def run_config(config, training, dataset):
    """nanoGPT's train.py settings equal to the jgpt run's (train.py reads them from the command
    line or a config file, not from ckpt.pt)."""
    run = training.get("config", {})
    max_iters = run.get("max-iters", 2000)
    return {
        "out_dir": ".", "init_from": "resume", "dataset": dataset or "jgpt",
        "eval_interval": run.get("eval-interval") or 250, "eval_iters": run.get("eval-iters", 200), "log_interval": run.get("log-interval", 10),
        "always_save_checkpoint": True,
        "gradient_accumulation_steps": run.get("grad-accum", 1), "batch_size": run.get("batch-size", 12),
        "block_size": config["block_size"], "n_layer": config["n_layer"], "n_head": config["n_head"],
        "n_embd": config["n_embd"], "dropout": config.get("dropout", 0.0), "bias": True,
        "learning_rate": run.get("lr", 1e-3), "max_iters": max_iters, "weight_decay": run.get("weight-decay", 0.1),
        "beta1": run.get("beta1", 0.9), "beta2": run.get("beta2", 0.99), "grad_clip": run.get("grad-clip", 1.0),
        "decay_lr": True, "warmup_iters": run.get("warmup-iters", 100),
        "lr_decay_iters": run.get("lr-decay-iters", max_iters),  # runs saved before the key decayed over max-iters
        "min_lr": run.get("min-lr", 1e-4), "device": "cpu", "dtype": "float32", "compile": False,
    }


def write_dataset(path, tokens, stoi, out_dir, dataset, meta):
    if path.lower().endswith(".csv"):
        raise Refusal(f"--data {path}: nanoGPT's train.py reads one token stream; give the text of the documents as a .txt file")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise Refusal(f"--data {path}: cannot read it as UTF-8 text ({e})")
    if tokens is None:  # GPT-2's encoding
        ids = gpt2_ids(path)
    else:
        unknown = sorted(set(text) - set(stoi))
        if unknown:
            raise Refusal(f"--data {path} has characters the model's vocabulary lacks ({''.join(unknown[:10])!r}): it is not the text the model was trained on")
        if len(tokens) > 65536:
            raise Refusal(f"the vocabulary has {len(tokens)} tokens; nanoGPT's .bin files hold uint16 ids")
        ids = [stoi[c] for c in text]
    n = int(len(ids) * 0.9)  # the first 90% of the tokens train; train + val is the text's encoding
    folder = os.path.join(out_dir, "data", dataset)
    os.makedirs(folder, exist_ok=True)
    import array
    for name, part in (("train.bin", ids[:n]), ("val.bin", ids[n:])):
        values = array.array("H", part)
        if sys.byteorder == "big":
            values.byteswap()  # numpy's uint16 in nanoGPT's get_batch: native, little-endian here
        with open(os.path.join(folder, name), "wb") as f:
            values.tofile(f)
    if meta is not None:
        with open(os.path.join(folder, "meta.pkl"), "wb") as f:
            pickle.dump(meta, f)
    return n, len(ids) - n


def gpt2_ids(path):
    """The text's GPT-2 ids, as tiktoken's encode_ordinary (nanoGPT's prepare.py): tiktoken's if installed, else jgpt's."""
    try:
        import tiktoken
        with open(path, encoding="utf-8") as f:
            return tiktoken.get_encoding("gpt2").encode_ordinary(f.read())
    except ImportError:
        launcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "jgpt")
        done = subprocess.run([launcher, "tokenize", "--tokenizer", "gpt2", "--file", path], capture_output=True, text=True)
        if done.returncode != 0:
            raise Refusal(f"--data {path}: jgpt tokenize failed: {done.stderr.strip()}")
        return json.loads(done.stdout)


def tokenizer_kind(export_dir):
    """'gpt2', 'bpe', or None for a character vocabulary (vocab.json)."""
    path = os.path.join(export_dir, "tokenizer.json")
    return read_json(path).get("kind") if os.path.exists(path) else None


def main():
    a = parse()
    if (a.data is None) != (a.dataset is None):
        raise Refusal("--data and --dataset go together")
    config = read_json(os.path.join(a.export, "config.json"))
    kind = tokenizer_kind(a.export)
    if kind == "bpe":
        raise Refusal(f"{a.export} was trained with jgpt's own BPE, which nanoGPT cannot encode with"
                      " (its prepare.py knows characters and GPT-2's encoding): train with --tokenizer gpt2 or char")
    # GPT-2's encoding: nanoGPT uses it when there is no meta.pkl.
    tokens = None if kind == "gpt2" else read_json(os.path.join(a.export, "vocab.json"))
    if not isinstance(config, dict) or not (kind == "gpt2" or isinstance(tokens, list)):
        raise Refusal(f"{a.export} is not an export folder: config.json must be an object, vocab.json an array")
    check_representable(config)
    if config.get("activation") == "gelu_new":
        print(f"to_nanogpt: warning: {a.export} has GPT-2's tanh GELU (gelu_new) but nanoGPT's model.py has exact GELU:"
              " its logits will differ slightly (docs/gpt2.md)", file=sys.stderr)
    if tokens is not None and len(tokens) != config.get("vocab_size"):
        raise Refusal(f"config.json says vocab_size {config.get('vocab_size')} but vocab.json holds {len(tokens)} tokens")
    tensors = read_safetensors(os.path.join(a.export, "model.safetensors"))
    training = config.get("training") or {}
    state = model_state(tensors, config)
    stoi = None if tokens is None else {t: i for i, t in enumerate(tokens)}
    meta = None if tokens is None else {"vocab_size": len(tokens), "itos": dict(enumerate(tokens)), "stoi": stoi}
    settings = run_config(config, training, a.dataset)
    best = training.get("best_val_loss")
    checkpoint = {
        "model": state,
        "optimizer": optimizer_state(a.export, tensors, config, training),
        "model_args": {"n_layer": config["n_layer"], "n_head": config["n_head"], "n_embd": config["n_embd"],
                       "block_size": config["block_size"], "bias": True, "vocab_size": config["vocab_size"],
                       "dropout": config.get("dropout", 0.0)},
        "iter_num": int(training.get("iter", 0)),
        "best_val_loss": torch.tensor(best if best is not None else 1e9),
        "config": settings,
    }
    os.makedirs(a.out, exist_ok=True)
    if a.data:
        n_train, n_val = write_dataset(a.data, tokens, stoi, a.out, a.dataset, meta)
        print(f"wrote {os.path.join(a.out, 'data', a.dataset)}: {n_train:,} train / {n_val:,} val tokens")
    torch.save(checkpoint, os.path.join(a.out, "ckpt.pt"))
    if meta is not None:
        with open(os.path.join(a.out, "meta.pkl"), "wb") as f:
            pickle.dump(meta, f)
    with open(os.path.join(a.out, "jgpt_run.py"), "w", encoding="utf-8") as f:
        f.write("# nanoGPT config file: the jgpt run's settings (python train.py jgpt_run.py [--key=value ...])\n")
        for key, value in settings.items():
            f.write(f"{key} = {value!r}\n")
    print(f"wrote {os.path.join(a.out, 'ckpt.pt')} (iteration {checkpoint['iter_num']}),"
          f" {'no meta.pkl (GPT-2 ids)' if meta is None else 'meta.pkl'} and jgpt_run.py;"
          f" continue with: cd {a.out} && python3 NANOGPT/train.py jgpt_run.py (configurator.py beside it)")


if __name__ == "__main__":
    run(main, "to_nanogpt")
