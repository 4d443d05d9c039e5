#!/usr/bin/env python3
"""Writes the PyTorch-made fixtures that jgpt's Java tests check against (a few KB each):

  train/src/test/resources/parity/torch_default/   jgpt's default architecture (sinusoidal positions,
      untied head, token embedding scaled by sqrt(n_embd), padding id 1)
  train/src/test/resources/parity/torch_nanogpt/   nanoGPT's (learned positions, tied, unscaled, no padding id)
  train/src/test/resources/parity/torch_rope/      rotary positions, base 10000, otherwise the default
  train/src/test/resources/parity/torch_rope_tied/ rotary positions, base 500, tied, unscaled, no padding id
      each: an export folder (config.json, vocab.json, model.safetensors with random weights, every
      parameter non-trivial) and expected.json: input ids (2, 8), targets, the logits and loss PyTorch computed
  train/src/test/resources/parity/lockstep/        an export folder of the default architecture, and
      lockstep.json: 20 batches, the learning rate of each step, the AdamW settings, PyTorch's loss at
      each step; final.safetensors: the weights after 20 torch.optim.AdamW steps with clip_grad_norm_
  train/src/test/resources/parity/lockstep_rope/   the same with rotary positions (base 10000)

  /usr/bin/python3 interop/make_parity_fixtures.py [--seed 1234]

Needs Python 3 and PyTorch >= 1.13. The committed fixtures were made with --seed 1234 by PyTorch 1.13.
With ../shared/nanogpt present it also checks that nanoGPT's own model.py gives the nanoGPT fixture's logits.
"""
import argparse
import json
import math
import os
import sys

import needs_torch  # noqa: F401  (first: without PyTorch, one line says how to install it)
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from export_folder import architecture, write_json, write_safetensors  # noqa: E402
from jgpt_model import JgptGPT  # noqa: E402

OUT = os.path.join(ROOT, "train", "src", "test", "resources", "parity")
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def randomize(model, generator):
    """Every parameter random, LayerNorm gains around 1, so that a wrong name or layout shows."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=generator))


def export(model, config, tokens, folder):
    os.makedirs(folder, exist_ok=True)
    state = model.state_dict()
    write_safetensors(os.path.join(folder, "model.safetensors"), {k: state[k] for k in sorted(state)})
    write_json(os.path.join(folder, "config.json"), config)
    write_json(os.path.join(folder, "vocab.json"), tokens)


def forward_fixture(name, config, tokens, generator, ids, targets):
    model = JgptGPT(config)
    randomize(model, generator)
    model.eval()
    folder = os.path.join(OUT, name)
    export(model, config, tokens, folder)
    with torch.no_grad():
        logits, loss = model(ids, targets)
    write_json(os.path.join(folder, "expected.json"), {
        "ids": ids.tolist(), "targets": targets.tolist(),
        "logits": [round(v, 8) for v in logits.reshape(-1).tolist()], "logits_shape": list(logits.shape),
        "loss": loss.item(), "torch": torch.__version__})
    print(f"{name}: loss {loss.item():.6f}")
    return model, logits


def check_against_nanogpt(model, ids, logits):
    nanogpt = os.path.join(ROOT, "..", "shared", "nanogpt")
    if not os.path.exists(os.path.join(nanogpt, "model.py")):
        print("nanoGPT's model.py not found: its cross-check skipped")
        return
    sys.path.insert(0, nanogpt)
    from model import GPT, GPTConfig
    c = model.config
    theirs = GPT(GPTConfig(block_size=c["block_size"], vocab_size=c["vocab_size"], n_layer=c["n_layer"],
                           n_head=c["n_head"], n_embd=c["n_embd"], dropout=0.0, bias=True))
    state = theirs.state_dict()
    state.update({k: v for k, v in model.state_dict().items()})
    theirs.load_state_dict(state, strict=True)
    theirs.eval()
    with torch.no_grad():
        their_logits, _ = theirs(ids, torch.zeros_like(ids))
    diff = (their_logits - logits).abs().max().item()
    print(f"nanoGPT's model.py on the nanoGPT fixture: max |logit difference| {diff:.2e}")
    assert diff < 1e-5


def train(model, batches, lrs, settings, mutant=None):
    """20 steps of torch.optim.AdamW with clip_grad_norm_, as jgpt's Trainer; a mutant changes one rule."""
    params = dict(model.named_parameters())
    decay = [p for p in params.values() if p.dim() >= 2 or mutant == "decay on 1-D parameters"]
    no_decay = [p for p in params.values() if p.dim() < 2 and mutant != "decay on 1-D parameters"]
    eps = 1e-6 if mutant == "eps 1e-6" else settings["eps"]
    beta2 = 0.999 if mutant == "beta2 0.999" else settings["beta2"]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": settings["weight_decay"]},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=lrs[0], betas=(settings["beta1"], beta2), eps=eps)
    model.train()
    losses, norms = [], []
    for step, batch in enumerate(batches):
        for group in optimizer.param_groups:
            group["lr"] = lrs[max(0, step - 1)] if mutant == "schedule one step late" else lrs[step]
        _, loss = model(batch[:, :-1], batch[:, 1:])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = 1e9 if mutant == "no clipping" else settings["grad_clip"]
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), clip)))
        optimizer.step()
        losses.append(loss.item())
    return losses, norms


def lockstep(config, tokens, generator, fixture="lockstep", steps=20):
    model = JgptGPT(config)
    randomize(model, generator)
    with torch.no_grad():  # start from a trainable scale, as after init
        for name, p in model.named_parameters():
            if not name.endswith("ln_1.weight") and not name.endswith("ln_2.weight") and not name.endswith("ln_f.weight"):
                p.mul_(0.1)
    folder = os.path.join(OUT, fixture)
    export(model, config, tokens, folder)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    b, t, v = 4, config["block_size"], config["vocab_size"]
    batches = [torch.randint(0, v, (b, t + 1), generator=generator) for _ in range(steps)]
    lrs = [3e-3 * min(1.0, (i + 1) / 5) for i in range(steps)]  # a short warm-up, as a schedule would
    settings = {"beta1": 0.9, "beta2": 0.99, "eps": 1e-8, "weight_decay": 0.1, "grad_clip": 0.5}
    losses, norms = train(model, batches, lrs, settings)
    state = model.state_dict()
    write_safetensors(os.path.join(folder, "final.safetensors"), {k: state[k] for k in sorted(state)})
    write_json(os.path.join(folder, "lockstep.json"), dict(settings, batches=[x.tolist() for x in batches], lrs=lrs,
                                                           losses=losses, grad_norms=norms, torch=torch.__version__))
    moved = max((state[k] - initial[k]).abs().max().item() for k in state)
    print(f"{fixture}: losses {losses[0]:.4f} -> {losses[-1]:.4f}, gradient norms {min(norms):.2f}..{max(norms):.2f}"
          f" (clipped at {settings['grad_clip']}), largest weight change {moved:.4f}")
    # How far one wrong rule moves the weights: what the Java test's tolerance must stay well below.
    for mutant in ("no clipping", "decay on 1-D parameters", "eps 1e-6", "beta2 0.999", "schedule one step late"):
        other = JgptGPT(config)
        other.load_state_dict(initial)
        train(other, batches, lrs, settings, mutant)
        gap = max((other.state_dict()[k] - state[k]).abs().max().item() for k in state)
        print(f"  mutant '{mutant}': largest weight difference {gap:.2e}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=1234)
    a = p.parse_args()
    generator = torch.Generator().manual_seed(a.seed)
    shape = dict(n_layer=2, n_head=2, n_embd=8, block_size=8, vocab_size=11, dropout=0.0)
    jgpt_tokens = SPECIALS + list("\n abcdef")[:7]
    default = architecture(**shape, positions="sinusoidal", tie_weights=False, scale_embedding=True, padding_idx=1)
    nano = architecture(**shape, positions="learned", tie_weights=True, scale_embedding=False, padding_idx=None)
    ids = torch.randint(0, 11, (2, 8), generator=generator)
    ids[0, 3] = 1  # the padding id as an input: jgpt returns whatever its row holds, as torch does
    targets = torch.randint(0, 11, (2, 8), generator=generator)
    targets[1, 5] = 1  # and as a target: it does not count in the default architecture's loss
    forward_fixture("torch_default", default, jgpt_tokens, generator, ids, targets)
    model, logits = forward_fixture("torch_nanogpt", nano, list("\n !,.abcdef"), generator, ids, targets)
    check_against_nanogpt(model, ids, logits)
    lockstep(architecture(**dict(shape, n_embd=16, block_size=16), positions="sinusoidal", tie_weights=False,
                          scale_embedding=True, padding_idx=1), jgpt_tokens, generator)
    # Rotary positions, made after the others so that those stay as they were.
    rope = architecture(**shape, positions="rope", tie_weights=False, scale_embedding=True, padding_idx=1)
    forward_fixture("torch_rope", rope, jgpt_tokens, generator, ids, targets)
    rope_tied = architecture(**shape, positions="rope", tie_weights=True, scale_embedding=False, padding_idx=None,
                             rope_base=500.0)
    forward_fixture("torch_rope_tied", rope_tied, list("\n !,.abcdef"), generator, ids, targets)
    lockstep(architecture(**dict(shape, n_embd=16, block_size=16), positions="rope", tie_weights=False,
                          scale_embedding=True, padding_idx=1), jgpt_tokens, generator, fixture="lockstep_rope")


if __name__ == "__main__":
    main()
