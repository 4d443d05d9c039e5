"""Reading and writing jgpt's export folders with nothing but Python 3 and PyTorch (>= 1.13).

An export folder holds model.safetensors (F32 tensors under nanoGPT's names), config.json (the
architecture, and where training stood), vocab.json (the tokens in id order) and, from a jgpt run
that took a step, optimizer.safetensors (AdamW's moments, "<name>.exp_avg" and "<name>.exp_avg_sq").
README.md, "Moving to PyTorch and back", documents every key.
"""
import array
import json
import os
import struct
import sys

import torch


class Refusal(Exception):
    """A problem with the user's input, printed as one line."""


def run(main, script):
    """Runs main(); a Refusal ends the script with one line naming the problem and exit status 1."""
    try:
        main()
    except Refusal as e:
        print(f"{script}: {e}", file=sys.stderr)
        sys.exit(1)


def read_safetensors(path):
    """Every tensor of a safetensors file, by name (F32 only)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise Refusal(f"{path} is not a valid safetensors file: it is shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise Refusal(f"{path} is not a valid safetensors file: header length {n} does not fit {len(raw)} bytes")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except ValueError:
        raise Refusal(f"{path} is not a valid safetensors file: its header is not JSON")
    data = bytearray(raw[8 + n:])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry.get("dtype") != "F32":
            raise Refusal(f"{path}: tensor {name} is {entry.get('dtype')}, not F32")
        begin, end = entry["data_offsets"]
        shape = entry["shape"]
        count = 1
        for size in shape:
            count *= size
        if not 0 <= begin <= end <= len(data) or end - begin != 4 * count:
            raise Refusal(f"{path} is not a valid safetensors file: tensor {name} lies outside the data or does not fit its shape")
        flat = torch.frombuffer(data, dtype=torch.float32, count=count, offset=begin) if count else torch.zeros(0)
        tensors[name] = flat.reshape(shape).clone()  # native order: little-endian, as on x86 and ARM
    return tensors


def write_safetensors(path, tensors):
    """Writes F32 tensors under their names: header length, JSON header (padded to 8 bytes), data."""
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        values = array.array("f", tensor.detach().to(torch.float32).cpu().flatten().tolist())
        if sys.byteorder == "big":
            values.byteswap()  # safetensors is little-endian
        blob = values.tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        chunks.append(blob)
        offset += len(blob)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in chunks:
            f.write(blob)


def nanogpt_parameter_names(n_layer):
    """nanoGPT's named_parameters() order for a bias=True model (lm_head.weight is wte: not listed)."""
    names = ["transformer.wte.weight", "transformer.wpe.weight"]
    for i in range(n_layer):
        h = f"transformer.h.{i}."
        names += [h + "ln_1.weight", h + "ln_1.bias", h + "attn.c_attn.weight", h + "attn.c_attn.bias",
                  h + "attn.c_proj.weight", h + "attn.c_proj.bias", h + "ln_2.weight", h + "ln_2.bias",
                  h + "mlp.c_fc.weight", h + "mlp.c_fc.bias", h + "mlp.c_proj.weight", h + "mlp.c_proj.bias"]
    return names + ["transformer.ln_f.weight", "transformer.ln_f.bias"]


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise Refusal(f"{os.path.dirname(path) or '.'} is not an export folder: it has no {os.path.basename(path)}")
    except ValueError:
        raise Refusal(f"{path} is not valid JSON")


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def architecture(n_layer, n_head, n_embd, block_size, vocab_size, dropout, positions, tie_weights,
                 scale_embedding, padding_idx, rope_base=None, activation="gelu"):
    """The architecture keys of config.json; rope_base only with positions "rope"; activation "gelu"
    (exact, jgpt's default and nanoGPT's) or "gelu_new" (GPT-2's tanh approximation)."""
    config = {"format": "jgpt-export-1", "n_layer": n_layer, "n_head": n_head, "n_embd": n_embd,
              "block_size": block_size, "vocab_size": vocab_size, "bias": True, "dropout": dropout,
              "positions": positions, "tie_weights": tie_weights, "scale_embedding": scale_embedding,
              "padding_idx": padding_idx, "layer_norm_eps": 1e-5, "activation": activation}
    if positions == "rope":
        config["rope_base"] = 10000.0 if rope_base is None else rope_base
    return config
