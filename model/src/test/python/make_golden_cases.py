#!/usr/bin/env python3
"""Writes golden embedding cases computed by PyTorch, in the format of model/GOLDEN.md.

    python3 model/src/test/python/make_golden_cases.py --seed 7 --out /tmp/cases.json
    EMBEDDING_GOLDEN_DIR=/tmp mvn -B -ntp -pl model verify

Every kind of case the Java harness (EmbeddingGoldenTest) runs is written: embedding lookups with
every option and their combinations, errors, from_pretrained, the token embedding, the sinusoidal
table, one-hot @ W against a bias-free Linear, and an SGD run. Weights, inputs, gradients, sizes and
option values are drawn from the seed, so each seed gives other cases; the special-value cases put
inf, -inf, NaN, -0.0 and float32 subnormals into weights and upstream gradients.

Needs Python 3 and PyTorch >= 1.13 (nothing else).
"""

import argparse
import json
import math
import os
import random

import torch
import torch.nn.functional as F

INF = float("inf")
NAN = float("nan")
SUBNORMAL = 1e-40  # below float32's smallest normal, 1.18e-38
SPECIALS = [INF, -INF, NAN, -0.0, SUBNORMAL, -SUBNORMAL, 0.0]


class Cases:
    """Draws sizes and values from one seed and collects the cases."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.gen = torch.Generator().manual_seed(seed)
        self.cases = []

    def normal(self, *shape):
        return torch.randn(*shape, generator=self.gen, dtype=torch.float32)

    def ids(self, rows, shape):
        return torch.randint(0, rows, shape, generator=self.gen, dtype=torch.int64)

    def rows(self, low=5, high=14):
        return self.rng.randint(low, high)

    def dim(self, low=2, high=6):
        return self.rng.randint(low, high)

    def shape(self):
        return self.rng.choice([(self.rng.randint(1, 7),), (self.rng.randint(1, 3), self.rng.randint(2, 5)),
                                (2, self.rng.randint(1, 3), self.rng.randint(2, 4))])

    def sprinkle(self, tensor, fraction=0.35, values=SPECIALS):
        """A copy of tensor with about `fraction` of its elements replaced by special values."""
        out = tensor.clone().reshape(-1)
        for i in range(out.numel()):
            if self.rng.random() < fraction:
                out[i] = self.rng.choice(values)
        return out.reshape(tensor.shape)

    def add(self, case):
        self.cases.append(case)


def values(tensor):
    """Nested lists of Python numbers (a 0-d tensor gives a bare number)."""
    return tensor.detach().tolist()


def embedding_case(cases, name, weight, input_ids, padding_idx=None, max_norm=None, norm_type=2.0,
                   scale_grad_by_freq=False, sparse=False, grad_output=None, backward=True):
    rows, dim = weight.shape
    module = torch.nn.Embedding(rows, dim, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                                scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
    with torch.no_grad():
        module.weight.copy_(weight)  # the padding row too: forward returns whatever it holds
    output = module(input_ids)
    case = {
        "kind": "embedding", "name": name, "num_embeddings": rows, "embedding_dim": dim,
        "padding_idx": padding_idx, "max_norm": max_norm, "norm_type": float(norm_type),
        "scale_grad_by_freq": scale_grad_by_freq, "sparse": sparse,
        "weight": values(weight), "input": values(input_ids), "input_shape": list(input_ids.shape),
        "expected_output": values(output), "expected_output_shape": list(output.shape),
        "expected_weight_after_forward": values(module.weight),
    }
    if backward and output.numel() > 0:
        if grad_output is None:
            grad_output = cases.normal(*output.shape)
        output.backward(grad_output)
        grad = module.weight.grad
        case["grad_output"] = values(grad_output)
        case["expected_weight_grad"] = values(grad.to_dense() if grad.is_sparse else grad)
    cases.add(case)


def plain_cases(cases):
    for rank, name in [(1, "lookup_1d"), (2, "lookup_2d_batch"), (3, "lookup_3d")]:
        rows, dim = cases.rows(), cases.dim()
        shape = [(cases.rng.randint(3, 8),), (2, cases.rng.randint(3, 6)), (2, 3, cases.rng.randint(2, 4))][rank - 1]
        embedding_case(cases, name, cases.normal(rows, dim), cases.ids(rows, shape))
    rows, dim = cases.rows(), cases.dim()
    embedding_case(cases, "lookup_scalar", cases.normal(rows, dim), torch.tensor(cases.rng.randrange(rows)))
    rows, dim = cases.rows(), cases.dim()
    embedding_case(cases, "lookup_empty", cases.normal(rows, dim), torch.zeros(0, dtype=torch.int64))
    rows, dim = cases.rng.randint(3, 5), cases.dim()
    embedding_case(cases, "repeated_indices_accumulate", cases.normal(rows, dim), cases.ids(rows, (2, 6)))
    rows, dim = cases.rows(), cases.dim()
    embedding_case(cases, "int32_indices", cases.normal(rows, dim), cases.ids(rows, (3, 3)))


def option_cases(cases):
    for padding_idx, name in [(0, "padding_idx_0"), (1, "padding_idx_1"), (-1, "padding_idx_negative")]:
        rows, dim = cases.rows(), cases.dim()
        ids = cases.ids(rows, (2, 5))
        ids[0, 1] = padding_idx % rows  # the padding index is in the batch, more than once
        ids[1, 3] = padding_idx % rows
        embedding_case(cases, name, cases.normal(rows, dim), ids, padding_idx=padding_idx)
    rows, dim = cases.rows(), cases.dim()
    padding = cases.rng.randrange(rows)
    ids = torch.tensor([i for i in range(rows) if i != padding][:4])
    embedding_case(cases, "padding_idx_unused", cases.normal(rows, dim), ids, padding_idx=padding)

    for norm_type, name in [(2.0, "max_norm_l2"), (1.0, "max_norm_l1"), (3.0, "max_norm_l3"), (INF, "max_norm_linf")]:
        rows, dim = cases.rows(), cases.dim(3, 6)
        max_norm = cases.rng.choice([0.5, 0.8, 1.0, 1.5, 2.0])
        embedding_case(cases, name, cases.normal(rows, dim) * 2, cases.ids(rows, cases.shape()),
                       max_norm=max_norm, norm_type=norm_type)
    rows, dim = cases.rows(), cases.dim()
    embedding_case(cases, "max_norm_large_no_change", cases.normal(rows, dim), cases.ids(rows, (1, 4)), max_norm=100.0)
    rows, dim = cases.rows(), cases.dim()
    ids = cases.ids(rows, (1, 5))
    ids[0, 0] = 1
    embedding_case(cases, "max_norm_with_padding", cases.normal(rows, dim) * 2, ids, padding_idx=1, max_norm=1.0)

    rows, dim = cases.rng.randint(4, 7), cases.dim()
    embedding_case(cases, "scale_grad_by_freq", cases.normal(rows, dim), cases.ids(rows, (2, 5)),
                   scale_grad_by_freq=True)
    rows, dim = cases.rng.randint(4, 7), cases.dim()
    ids = cases.ids(rows, (2, 5))
    ids[0, 0] = ids[1, 1] = 1
    embedding_case(cases, "scale_grad_by_freq_padding", cases.normal(rows, dim), ids, padding_idx=1,
                   scale_grad_by_freq=True)
    rows, dim = cases.rows(), cases.dim()
    embedding_case(cases, "sparse_grad", cases.normal(rows, dim), cases.ids(rows, (1, 5)), sparse=True)
    rows, dim = cases.rows(), cases.dim()
    ids = cases.ids(rows, (1, 5))
    ids[0, 2] = 1
    embedding_case(cases, "sparse_grad_padding", cases.normal(rows, dim), ids, padding_idx=1, sparse=True)
    rows, dim = cases.rows(8, 14), cases.dim(3, 6)
    ids = cases.ids(rows, (3, 5))
    ids[1, 1] = 1
    ids[2, :3] = ids[2, 3]
    embedding_case(cases, "everything", cases.normal(rows, dim) * 2, ids, padding_idx=1, max_norm=1.5,
                   norm_type=cases.rng.choice([1.0, 2.0, 3.0]), scale_grad_by_freq=True)


def special_value_cases(cases):
    """inf, -inf, NaN, -0.0 and subnormals in weights and upstream gradients, with every option."""

    def special_weight(rows, dim):
        weight = cases.sprinkle(cases.normal(rows, dim))
        weight[0] = torch.tensor([SPECIALS[i % len(SPECIALS)] for i in range(dim)])  # row 0: one of each
        weight[2] = -0.0
        weight[3, 0] = SUBNORMAL
        return weight

    def repeating_ids(rows, shape):
        ids = cases.ids(rows, shape).reshape(-1)
        ids[: min(ids.numel(), 6)] = torch.tensor([0, 2, 3, 0, 2, 3])[: min(ids.numel(), 6)]  # repeated specials
        return ids.reshape(shape)

    rows, dim = cases.rows(6, 10), cases.dim(3, 6)
    embedding_case(cases, "special_values_plain", special_weight(rows, dim), repeating_ids(rows, (2, 6)))
    for padding_idx in [0, 1]:
        rows, dim = cases.rows(6, 10), cases.dim(3, 6)
        ids = repeating_ids(rows, (2, 6))
        ids[1, 4] = padding_idx
        grad_output = cases.sprinkle(cases.normal(*ids.shape, dim), 0.2)
        grad_output[1, 4] = torch.tensor([NAN, INF] * dim)[:dim]  # nothing from a padding position may leak
        embedding_case(cases, f"special_values_padding_{padding_idx}", special_weight(rows, dim), ids,
                       padding_idx=padding_idx, grad_output=grad_output)
    rows, dim = cases.rows(6, 10), cases.dim(3, 6)
    ids = repeating_ids(rows, (3, 5))
    embedding_case(cases, "special_values_scale_grad_by_freq", special_weight(rows, dim), ids,
                   scale_grad_by_freq=True, grad_output=cases.sprinkle(cases.normal(*ids.shape, dim), 0.15))
    rows, dim = cases.rows(6, 10), cases.dim(3, 6)
    ids = repeating_ids(rows, (3, 5))
    ids[2, 2] = ids[2, 4] = 1
    embedding_case(cases, "special_values_scale_grad_by_freq_padding", special_weight(rows, dim), ids,
                   padding_idx=1, scale_grad_by_freq=True)
    rows, dim = cases.rows(6, 10), cases.dim(3, 6)
    ids = repeating_ids(rows, (2, 5))
    ids[1, 2] = 1
    # PyTorch refuses sparse gradients with scale_grad_by_freq, so sparse goes with padding alone.
    embedding_case(cases, "special_values_sparse_padding", special_weight(rows, dim), ids, padding_idx=1,
                   sparse=True, grad_output=cases.sprinkle(cases.normal(*ids.shape, dim), 0.15))
    for norm_type in [2.0, 1.0, INF, 3.0]:
        rows, dim = cases.rows(6, 10), cases.dim(3, 6)
        weight = special_weight(rows, dim)
        weight[4] = 3e19  # a finite row whose float32 norm overflows (p > 1)
        weight[5] = torch.tensor([SUBNORMAL] * dim)
        ids = repeating_ids(rows, (2, 6))
        ids[1, 4:] = torch.tensor([4, 5])
        name = "special_values_max_norm_" + ("linf" if norm_type == INF else f"l{int(norm_type)}")
        embedding_case(cases, name, weight, ids, max_norm=cases.rng.choice([0.5, 1.0, 2.0]), norm_type=norm_type)
    rows, dim = cases.rows(6, 10), cases.dim(3, 6)
    ids = repeating_ids(rows, (3, 6))
    ids[2, 5] = 1
    embedding_case(cases, "special_values_everything", special_weight(rows, dim), ids, padding_idx=1,
                   max_norm=1.0, scale_grad_by_freq=True,
                   grad_output=cases.sprinkle(cases.normal(*ids.shape, dim), 0.15))


def error_cases(cases):
    rows, dim = cases.rows(), cases.dim()
    ids = cases.ids(rows, (1, 3))
    ids[0, 2] = rows + cases.rng.randrange(3)
    errors = [
        ("error_index_too_large", None, values(ids), False),
        ("error_index_negative", None, [[-cases.rng.randint(1, 3), 0]], False),
        ("error_float_input", None, [[1.0, 2.0]], True),
        ("error_padding_idx_too_large", rows + cases.rng.randrange(3), [[1]], False),
        ("error_padding_idx_too_negative", -rows - 1 - cases.rng.randrange(3), [[1]], False),
    ]
    for name, padding_idx, input_ids, is_float in errors:
        try:
            module = torch.nn.Embedding(rows, dim, padding_idx=padding_idx)
            module(torch.tensor(input_ids, dtype=torch.float32 if is_float else torch.int64))
            raise AssertionError(name + ": PyTorch accepted it")
        except (IndexError, RuntimeError, AssertionError) as error:
            message = str(error).splitlines()[0]
            if message.endswith("PyTorch accepted it"):
                raise
        if padding_idx is not None:
            expected = "padding_idx_out_of_range"
        elif is_float:
            expected = "integer_indices_required"
        else:
            expected = "index_out_of_range"
        cases.add({"kind": "error", "name": name, "num_embeddings": rows, "embedding_dim": dim,
                   "padding_idx": padding_idx, "input": input_ids, "input_is_float": is_float,
                   "expected_error": expected, "pytorch_message": message})


def pretrained_case(cases, name, weight, freeze, padding_idx=None, max_norm=None, ids_shape=(1, 4)):
    ids = cases.ids(weight.shape[0], ids_shape)
    if padding_idx is not None:
        ids.view(-1)[0] = padding_idx
    module = torch.nn.Embedding.from_pretrained(weight.clone(), freeze=freeze, padding_idx=padding_idx,
                                                max_norm=max_norm)
    output = module(ids)
    case = {"kind": "from_pretrained", "name": name, "freeze": freeze, "padding_idx": padding_idx,
            "max_norm": max_norm, "weight": values(weight), "input": values(ids),
            "expected_output": values(output), "weight_requires_grad": module.weight.requires_grad}
    if max_norm is not None:
        case["expected_weight_after_forward"] = values(module.weight)
    if not freeze:
        grad_output = cases.normal(*output.shape)
        output.backward(grad_output)
        case["grad_output"] = values(grad_output)
        case["expected_weight_grad"] = values(module.weight.grad)
    cases.add(case)


def from_pretrained_cases(cases):
    pretrained_case(cases, "from_pretrained_frozen", cases.normal(cases.rows(), cases.dim()), True)
    pretrained_case(cases, "from_pretrained_trainable_pad", cases.normal(cases.rows(), cases.dim()), False,
                    padding_idx=cases.rng.randint(0, 4))
    pretrained_case(cases, "from_pretrained_max_norm", cases.normal(cases.rows(), cases.dim()) * 2, False,
                    max_norm=1.0)
    weight = cases.sprinkle(cases.normal(cases.rows(), cases.dim()))
    pretrained_case(cases, "from_pretrained_special_values", weight, False, padding_idx=1, ids_shape=(2, 5))


def token_embedding_case(cases, name, rows, d_model, weight=None, grad_output=None):
    # fairseq's token embedding: padding_idx 1, output * sqrt(d_model).
    if weight is None:
        weight = cases.normal(rows, d_model) / math.sqrt(d_model)
        weight[1] = 0
    ids = cases.ids(rows, (cases.rng.randint(2, 3), cases.rng.randint(4, 7)))
    ids[0, 1] = 1
    module = torch.nn.Embedding(rows, d_model, padding_idx=1)
    with torch.no_grad():
        module.weight.copy_(weight)
    output = module(ids) * math.sqrt(d_model)
    if grad_output is None:
        grad_output = cases.normal(*output.shape)
    output.backward(grad_output)
    cases.add({"kind": "token_embedding", "name": name, "num_embeddings": rows, "d_model": d_model,
               "padding_idx": 1, "weight": values(weight), "input": values(ids),
               "expected_output": values(output), "grad_output": values(grad_output),
               "expected_weight_grad": values(module.weight.grad)})


def token_embedding_cases(cases):
    token_embedding_case(cases, "token_embedding_small", cases.rows(8, 14), cases.rng.choice([4, 8]))
    token_embedding_case(cases, "token_embedding_wide", cases.rows(16, 24), cases.rng.choice([16, 32]))
    rows, d_model = cases.rows(8, 12), 8
    weight = cases.sprinkle(cases.normal(rows, d_model))
    token_embedding_case(cases, "token_embedding_special_values", rows, d_model, weight=weight)


def positional_encoding_cases(cases):
    for d_model, max_len in [(cases.rng.choice([6, 7]), 10), (16, 50), (cases.rng.choice([32, 64]), 256)]:
        seq_len = cases.rng.randint(1, max_len)
        position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
        two_i = torch.arange(0, d_model, 2, dtype=torch.float64)
        angle = position / torch.pow(10000.0, two_i / d_model)
        table = torch.zeros(max_len, d_model, dtype=torch.float64)
        table[:, 0::2] = torch.sin(angle)
        table[:, 1::2] = torch.cos(angle[:, : d_model // 2])
        cases.add({"kind": "positional_encoding", "name": f"sinusoidal_d{d_model}_len{max_len}",
                   "d_model": d_model, "max_len": max_len, "seq_len": seq_len,
                   "expected_output": values(table[:seq_len].float())})


def one_hot_linear_case(cases):
    rows, dim = cases.rows(5, 9), cases.dim()
    weight = cases.normal(rows, dim)
    ids = cases.ids(rows, (2, 3))
    one_hot = F.one_hot(ids, rows).float()
    linear = torch.nn.Linear(rows, dim, bias=False)
    with torch.no_grad():
        linear.weight.copy_(weight.t())
    output = linear(one_hot)
    assert torch.allclose(output, F.embedding(ids, weight))
    grad_output = cases.normal(*output.shape)
    output.backward(grad_output)
    cases.add({"kind": "one_hot_linear", "name": "one_hot_linear_equivalence", "weight": values(weight),
               "input": values(ids), "expected_one_hot": values(one_hot), "expected_output": values(output),
               "grad_output": values(grad_output), "expected_linear_weight_grad": values(linear.weight.grad)})


def sgd_train_case(cases):
    rows, dim = cases.rng.randint(4, 6), cases.rng.randint(2, 4)
    module = torch.nn.Embedding(rows, dim)
    with torch.no_grad():
        module.weight.copy_(cases.normal(rows, dim))
    weight = module.weight.detach().clone()
    vec = cases.normal(dim, 1)
    label, lr, steps = float(cases.rng.choice([2, 3, -1])), 0.015, 100
    optimizer = torch.optim.SGD(module.parameters(), lr=lr)
    ids = torch.arange(rows)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((module(ids) @ vec - label) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    cases.add({"kind": "sgd_train", "name": "seed_train_then_eval", "num_embeddings": rows, "embedding_dim": dim,
               "weight": values(weight), "vec": values(vec), "label": label, "lr": lr, "steps": steps,
               "expected_losses": losses, "expected_weight_after_training": values(module.weight)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True, help="draws every size, option value and number")
    parser.add_argument("--out", required=True, help="the JSON file to write")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    cases = Cases(args.seed)
    plain_cases(cases)
    option_cases(cases)
    special_value_cases(cases)
    error_cases(cases)
    from_pretrained_cases(cases)
    token_embedding_cases(cases)
    positional_encoding_cases(cases)
    one_hot_linear_case(cases)
    sgd_train_case(cases)
    document = {"generator": f"make_golden_cases.py, PyTorch {torch.__version__}", "seed": args.seed,
                "cases": cases.cases}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(document, out)  # NaN and infinities as the bare words NaN, Infinity, -Infinity
        out.write("\n")
    print(f"wrote {len(cases.cases)} cases to {args.out} (seed {args.seed})")


if __name__ == "__main__":
    main()
