"""jgpt's GPT in plain PyTorch, built from an export folder's config.json as README.md describes it
("Moving to PyTorch and back"): every architecture jgpt trains, nanoGPT's included.

    from jgpt_model import load_export
    model, tokens = load_export("EXPORT_DIR")   # eval mode, weights loaded
    logits, loss = model(idx, targets)          # (B, T, vocab); targets equal to padding_idx or -1 do not count

Needs Python 3 and PyTorch >= 1.13.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_folder import read_json, read_safetensors  # noqa: E402


def sinusoidal_table(block_size, n_embd):
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(same angle), in float64 then float32."""
    pos = torch.arange(block_size, dtype=torch.float64).unsqueeze(1)
    two_i = (torch.arange(n_embd) // 2 * 2).to(torch.float64)
    angle = pos / torch.pow(10000.0, two_i / n_embd)
    table = torch.where(torch.arange(n_embd) % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.to(torch.float32)


def rotary_angles(block_size, head_size, base):
    """cos and sin of theta[pos, j] = pos * base^(-2j/head_size), j < head_size/2, (block_size, head_size/2),
    in float64 then float32."""
    pos = torch.arange(block_size, dtype=torch.float64).unsqueeze(1)
    j = torch.arange(head_size // 2, dtype=torch.float64)
    theta = pos * torch.pow(torch.tensor(float(base), dtype=torch.float64), -2.0 * j / head_size)
    return torch.cos(theta).to(torch.float32), torch.sin(theta).to(torch.float32)


def rotate_half(x, cos, sin):
    """x (B, nh, T, hs) rotated, GPT-NeoX / Llama style: dimension j pairs with j + hs/2."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["n_embd"]
        self.n_head = c["n_head"]
        # exact (erf) GELU, jgpt's default and nanoGPT's; gelu_new is GPT-2's tanh approximation
        self.approximate = {"gelu": "none", "gelu_new": "tanh"}[c.get("activation", "gelu")]
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(d, 3 * d)  # q, k, v stacked in that order
        self.attn.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(d, 4 * d)
        self.mlp.c_proj = nn.Linear(4 * d, d)
        self.drop = nn.Dropout(c.get("dropout", 0.0))

    def attention(self, x, rotary):
        b, t, d = x.shape
        q, k, v = self.attn.c_attn(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.n_head, d // self.n_head).transpose(1, 2) for z in (q, k, v))  # (B, nh, T, hs)
        if rotary is not None:  # rotary positions: queries and keys turned by their position's angles
            q, k = rotate_half(q, *rotary), rotate_half(k, *rotary)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.n_head))
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        weights = self.drop(scores.masked_fill(~causal, float("-inf")).softmax(-1))
        y = (weights @ v).transpose(1, 2).reshape(b, t, d)
        return self.drop(self.attn.c_proj(y))

    def forward(self, x, rotary=None):
        x = x + self.attention(self.ln_1(x), rotary)
        return x + self.drop(self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate=self.approximate)))


class JgptGPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, v = c["n_embd"], c["vocab_size"]
        self.config = c
        self.padding_idx = c.get("padding_idx")
        self.scale = math.sqrt(d) if c["scale_embedding"] else 1.0
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(v, d, padding_idx=self.padding_idx)
        if c["positions"] == "learned":
            self.transformer.wpe = nn.Embedding(c["block_size"], d)
        elif c["positions"] == "rope":  # nothing added to the embedding: attention rotates queries and keys
            cos, sin = rotary_angles(c["block_size"], d // c["n_head"], c.get("rope_base", 10000.0))
            self.register_buffer("rope_cos", cos, persistent=False)
            self.register_buffer("rope_sin", sin, persistent=False)
        else:
            self.register_buffer("pe", sinusoidal_table(c["block_size"], d), persistent=False)
        self.drop = nn.Dropout(c.get("dropout", 0.0))
        self.transformer.h = nn.ModuleList(Block(c) for _ in range(c["n_layer"]))
        self.transformer.ln_f = nn.LayerNorm(d, eps=1e-5)
        self.lm_head = nn.Linear(d, v, bias=False)
        if c["tie_weights"]:
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, idx, targets=None):
        t = idx.shape[1]
        rotary = None
        if hasattr(self.transformer, "wpe"):
            pos = self.transformer.wpe.weight[:t]
        elif hasattr(self, "rope_cos"):
            pos, rotary = 0.0, (self.rope_cos[:t], self.rope_sin[:t])
        else:
            pos = self.pe[:t]
        x = self.drop(self.transformer.wte(idx) * self.scale + pos)  # (B, T, C)
        for block in self.transformer.h:
            x = block(x, rotary)
        hidden = self.transformer.ln_f(x)
        if self.config["tie_weights"] and self.config["scale_embedding"]:
            hidden = hidden / self.scale  # a tied head on a scaled embedding divides by sqrt(C)
        logits = self.lm_head(hidden)  # (B, T, vocab)
        if targets is None:
            return logits, None
        flat = targets.reshape(-1)
        counted = flat >= 0
        if self.padding_idx is not None:
            counted &= flat != self.padding_idx
        losses = F.cross_entropy(logits.reshape(-1, logits.size(-1)), flat.clamp(min=0), reduction="none")
        return logits, (losses * counted).sum() / counted.sum().clamp(min=1)


def load_export(folder):
    """The model of an export folder, in eval mode, and its tokens in id order (None for a BPE or GPT-2's
    encoding, kept in tokenizer.json: docs/tokenizers.md)."""
    config = read_json(os.path.join(folder, "config.json"))
    vocab = os.path.join(folder, "vocab.json")
    tokens = read_json(vocab) if os.path.exists(vocab) else None
    model = JgptGPT(config)
    tensors = read_safetensors(os.path.join(folder, "model.safetensors"))
    model.load_state_dict(tensors, strict=True)  # lm_head.weight is in the file even when tied
    return model.eval(), tokens


def text_loss(model, ids, block_size, batch_size=32):
    """The mean loss over consecutive windows of block_size + 1 tokens, as `jgpt eval` computes it;
    `model(x, y)` returns (logits, loss), as this file's JgptGPT and nanoGPT's GPT do."""
    total, count = 0.0, 0
    windows = [ids[s:s + block_size + 1] for s in range(0, len(ids) - 1, block_size)]
    with torch.no_grad():
        for first in range(0, len(windows), batch_size):
            rows = windows[first:first + batch_size]
            x = torch.zeros(len(rows), block_size, dtype=torch.long)
            y = torch.full((len(rows), block_size), -1, dtype=torch.long)
            for r, w in enumerate(rows):
                x[r, :len(w) - 1] = torch.tensor(w[:-1])
                y[r, :len(w) - 1] = torch.tensor(w[1:])
            logits = model(x, y)[0]  # with targets, nanoGPT's forward too returns every position's logits
            losses = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1).clamp(min=0), reduction="none")
            keep = y.reshape(-1) >= 0
            total += float((losses * keep).sum())
            count += int(keep.sum())
    return total / count
