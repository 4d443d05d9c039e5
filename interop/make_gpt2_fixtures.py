"""Small random GPT-2 checkpoints in Hugging Face's layout, and what GPT-2's own forward computes on
them, for `jgpt import`'s tests (train/src/test/resources/gpt2-import/). Python 3 and PyTorch only:
no transformers, no safetensors package (the file is written by hand: an 8-byte little-endian
header length, a JSON header, the raw little-endian bytes).

    python3 interop/make_gpt2_fixtures.py [--seed 20] [--out train/src/test/resources/gpt2-import]

Each folder holds config.json (model_type gpt2, GPT-2's keys) and model.safetensors with the
tensors GPT-2's file carries: Conv1D weights stored (in, out), the attn.bias mask and
attn.masked_bias buffers. `bare/` has the keys of openai-community/gpt2's file (wte.weight,
h.0..., no lm_head.weight); `prefixed/` has GPT2LMHeadModel's (transformer.wte.weight, ...,
lm_head.weight equal to wte) and a bool mask. Beside each, expected.json: the text, its GPT-2 ids
(encode_ordinary, nothing prepended), the logits of the first window at some vocabulary columns,
every position's log-sum-exp over all columns, and the loss `jgpt eval --data text.txt` computes:
consecutive windows of n_positions + 1 tokens, each token after the first a target once.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import needs_torch  # noqa: F401,E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOCAB = 50257
TEXT = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
        "First Citizen:\nYou are all resolved rather to die than to famish?\n")
SHAPES = {  # folder: (n_layer, n_head, n_embd, n_positions, prefixed)
    "bare": (2, 2, 8, 16, False),
    "prefixed": (1, 2, 4, 24, True),
}
DTYPES = {torch.float32: ("F32", "<f4"), torch.bool: ("BOOL", "u1")}  # safetensors' name, numpy's little-endian type


def gpt2_ids(text):
    """GPT-2's ids of text, encode_ordinary: tiktoken where installed, else jgpt's (jtokkit, checked against tiktoken)."""
    try:
        import tiktoken
        return tiktoken.get_encoding("gpt2").encode_ordinary(text)
    except ImportError:
        out = subprocess.run([os.path.join(ROOT, "jgpt"), "tokenize", "--tokenizer", "gpt2", "--text", text],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)


def write_safetensors(path, tensors):
    """F32 and BOOL tensors under their names, header padded to 8 bytes as the safetensors package pads it."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0  # as transformers' save_pretrained writes it
    for name, tensor in tensors.items():
        dtype, little_endian = DTYPES[tensor.dtype]
        blob = tensor.contiguous().numpy().astype(little_endian).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded)
        for blob in blobs:
            f.write(blob)


def random_gpt2(generator, n_layer, n_embd, n_positions):
    """GPT-2's tensors (bare names, Conv1D weights (in, out)), drawn wide enough that logits differ."""
    def normal(*shape, std):
        return torch.randn(*shape, generator=generator) * std

    c = n_embd
    w = {"wte.weight": normal(VOCAB, c, std=0.5), "wpe.weight": normal(n_positions, c, std=0.3)}
    for i in range(n_layer):
        h = f"h.{i}."
        for ln in ("ln_1", "ln_2"):
            w[h + ln + ".weight"] = 1 + normal(c, std=0.2)
            w[h + ln + ".bias"] = normal(c, std=0.1)
        w[h + "attn.c_attn.weight"] = normal(c, 3 * c, std=0.4)
        w[h + "attn.c_attn.bias"] = normal(3 * c, std=0.1)
        w[h + "attn.c_proj.weight"] = normal(c, c, std=0.3)
        w[h + "attn.c_proj.bias"] = normal(c, std=0.1)
        w[h + "mlp.c_fc.weight"] = normal(c, 4 * c, std=0.4)
        w[h + "mlp.c_fc.bias"] = normal(4 * c, std=0.1)
        w[h + "mlp.c_proj.weight"] = normal(4 * c, c, std=0.2)
        w[h + "mlp.c_proj.bias"] = normal(c, std=0.1)
    w["ln_f.weight"] = 1 + normal(c, std=0.2)
    w["ln_f.bias"] = normal(c, std=0.1)
    return w


def gelu_new(x):
    """GPT-2's activation, the tanh approximation of GELU."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_forward(w, config, ids):
    """GPT-2's forward (GPT2LMHeadModel, eval mode) on ids (B, T), written from the model: Conv1D is
    x @ W + b with W (in, out); the head is wte (tied). w: bare names. Returns logits (B, T, vocab)."""
    n_head, eps = config["n_head"], config["layer_norm_epsilon"]
    b, t = ids.shape
    x = w["wte.weight"][ids] + w["wpe.weight"][:t]
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    for i in range(config["n_layer"]):
        h = f"h.{i}."
        a = F.layer_norm(x, (x.shape[-1],), w[h + "ln_1.weight"], w[h + "ln_1.bias"], eps)
        q, k, v = (a @ w[h + "attn.c_attn.weight"] + w[h + "attn.c_attn.bias"]).split(x.shape[-1], dim=2)
        q, k, v = (z.view(b, t, n_head, -1).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        y = scores.masked_fill(~causal, float("-inf")).softmax(-1) @ v
        y = y.transpose(1, 2).reshape(b, t, -1)
        x = x + (y @ w[h + "attn.c_proj.weight"] + w[h + "attn.c_proj.bias"])
        m = F.layer_norm(x, (x.shape[-1],), w[h + "ln_2.weight"], w[h + "ln_2.bias"], eps)
        x = x + (gelu_new(m @ w[h + "mlp.c_fc.weight"] + w[h + "mlp.c_fc.bias"]) @ w[h + "mlp.c_proj.weight"]
                 + w[h + "mlp.c_proj.bias"])
    x = F.layer_norm(x, (x.shape[-1],), w["ln_f.weight"], w["ln_f.bias"], eps)
    return x @ w["wte.weight"].t()


def eval_loss(w, config, ids):
    """The mean loss over consecutive windows of n_positions + 1 tokens, as `jgpt eval --data` scores a file."""
    block = config["n_positions"]
    total, count = 0.0, 0
    for start in range(0, len(ids) - 1, block):
        window = torch.tensor([ids[start:start + block + 1]])
        logits = gpt2_forward(w, config, window[:, :-1])
        total += float(F.cross_entropy(logits[0], window[0, 1:], reduction="sum"))
        count += window.shape[1] - 1
    return total / count, count


def hf_config(n_layer, n_head, n_embd, n_positions):
    """config.json as transformers writes it for GPT2LMHeadModel."""
    return {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
            "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
            "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": n_positions, "n_embd": n_embd,
            "n_head": n_head, "n_inner": None, "n_layer": n_layer, "n_positions": n_positions,
            "reorder_and_upcast_attn": False, "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False,
            "scale_attn_weights": True, "summary_activation": None, "summary_first_dropout": 0.1,
            "summary_proj_to_labels": True, "summary_type": "cls_index", "summary_use_proj": True,
            "tie_word_embeddings": True, "vocab_size": VOCAB}


def with_buffers(w, n_layer, n_positions, mask_dtype):
    """The tensors as GPT-2's file has them: each layer's causal mask attn.bias (1, 1, P, P) and attn.masked_bias."""
    out = dict(w)
    for i in range(n_layer):
        out[f"h.{i}.attn.bias"] = torch.ones(n_positions, n_positions).tril().view(1, 1, n_positions, n_positions).to(mask_dtype)
        out[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    return out


def write_folder(folder, seed, ids, n_layer, n_head, n_embd, n_positions, prefixed):
    generator = torch.Generator().manual_seed(seed)
    w = random_gpt2(generator, n_layer, n_embd, n_positions)
    config = hf_config(n_layer, n_head, n_embd, n_positions)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    stored = with_buffers(w, n_layer, n_positions, torch.bool if prefixed else torch.float32)
    if prefixed:
        stored = {"transformer." + name: tensor for name, tensor in stored.items()}
        stored["lm_head.weight"] = w["wte.weight"].clone()
    write_safetensors(os.path.join(folder, "model.safetensors"), stored)

    with torch.no_grad():
        first = torch.tensor([ids[:n_positions]])
        logits = gpt2_forward(w, config, first)[0]
        loss, targets = eval_loss(w, config, ids)
    columns = sorted(set(ids) | set(torch.randint(VOCAB, (48,), generator=generator).tolist()))
    expected = {"seed": seed, "text": TEXT, "ids": ids, "columns": columns,
                "logits": logits[:, columns].tolist(), "logsumexp": torch.logsumexp(logits, -1).tolist(),
                "loss": loss, "targets": targets}
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")
    with open(os.path.join(folder, "text.txt"), "w", encoding="utf-8") as f:
        f.write(TEXT)
    print(f"wrote {folder}: {n_layer} layers, {n_head} heads, {n_embd} wide, {n_positions} positions,"
          f" loss {loss:.6f} over {targets} targets")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--out", default=os.path.join(ROOT, "train", "src", "test", "resources", "gpt2-import"))
    a = parser.parse_args()
    torch.manual_seed(a.seed)
    ids = gpt2_ids(TEXT)
    for offset, (name, shape) in enumerate(SHAPES.items()):
        write_folder(os.path.join(a.out, name), a.seed + offset, ids, *shape)


if __name__ == "__main__":
    main()
