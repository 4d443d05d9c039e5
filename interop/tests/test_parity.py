"""PyTorch against numbers jgpt computed: models jgpt trained and exported
(train/src/test/resources/parity/jgpt_*, kept true to jgpt by JgptMadeFixtureTest) give jgpt's
logits and loss in interop/jgpt_model.py, the README's description of the model in PyTorch, and
RoPE models in a plain forward written from the formula (docs/positions.md); the converters
round-trip and refuse what they cannot represent. Skips without PyTorch.

  python3 -m unittest discover -s interop/tests -v
"""
import json
import math
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import unittest

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    raise unittest.SkipTest("PyTorch is not installed: the Python parity tests need it (apt-get install python3-torch)")

HERE = os.path.dirname(os.path.abspath(__file__))
INTEROP = os.path.dirname(HERE)
ROOT = os.path.dirname(INTEROP)
FIXTURES = os.path.join(ROOT, "train", "src", "test", "resources", "parity")
NANOGPT = os.path.join(ROOT, "..", "shared", "nanogpt")
sys.path.insert(0, INTEROP)
from export_folder import read_safetensors, write_safetensors  # noqa: E402  (file reading only in plain_forward)
from jgpt_model import load_export  # noqa: E402

TOLERANCE = 1e-5


def expected(name):
    with open(os.path.join(FIXTURES, name, "expected.json")) as f:
        return json.load(f)


class JgptMadeModels(unittest.TestCase):

    def check(self, name):
        model, _ = load_export(os.path.join(FIXTURES, name))
        want = expected(name)
        ids, targets = torch.tensor(want["ids"]), torch.tensor(want["targets"])
        with torch.no_grad():
            logits, loss = model(ids, targets)
        diff = (logits.reshape(-1) - torch.tensor(want["logits"])).abs().max().item()
        self.assertLessEqual(diff, TOLERANCE, f"{name}: largest logit difference {diff:.2e}")
        self.assertAlmostEqual(loss.item(), want["loss"], delta=TOLERANCE)

    def test_default_architecture_gives_jgpts_logits_and_loss(self):
        self.check("jgpt_default")

    def test_nanogpt_architecture_gives_jgpts_logits_and_loss(self):
        self.check("jgpt_nanogpt")

    def test_rotary_positions_give_jgpts_logits_and_loss(self):
        self.check("jgpt_rope")
        self.check("jgpt_rope_tied")


ROPE_LOSS_TOLERANCE = 2e-4  # what the rotary acceptance asks of a plain forward


def turns(t, head_size, base):
    """e^(i theta) for theta[pos, j] = pos * base^(-2j/head_size), pos < t, j < head_size/2."""
    pos = torch.arange(t, dtype=torch.float64)[:, None]
    inverse_wavelength = base ** (-2.0 * torch.arange(head_size // 2, dtype=torch.float64) / head_size)
    theta = pos * inverse_wavelength[None, :]
    return torch.polar(torch.ones_like(theta), theta).to(torch.complex64)


def rotate(z, turn):
    """(B, nh, T, hs): the pair (z[j], z[j + hs/2]) read as the complex number z[j] + i z[j + hs/2], times e^(i theta)."""
    half = z.shape[-1] // 2
    turned = torch.complex(z[..., :half].contiguous(), z[..., half:].contiguous()) * turn
    return torch.cat((turned.real, turned.imag), dim=-1)


def plain_forward(folder, ids, rotation=rotate):
    """Logits (B, T, vocab) of the RoPE model in an export folder, written out step by step."""
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    assert c["positions"] == "rope"
    w = read_safetensors(os.path.join(folder, "model.safetensors"))
    d, nh = c["n_embd"], c["n_head"]
    hs = d // nh
    b, t = ids.shape
    scale = math.sqrt(d) if c["scale_embedding"] else 1.0
    turn = turns(t, hs, c["rope_base"])
    x = w["transformer.wte.weight"][ids] * scale  # no position vector is added
    causal = torch.ones(t, t, dtype=torch.bool).triu(1)

    def norm(z, name):
        return F.layer_norm(z, (d,), w[name + ".weight"], w[name + ".bias"], 1e-5)

    def linear(z, name):
        return z @ w[name + ".weight"].T + w[name + ".bias"]

    for layer in range(c["n_layer"]):
        p = f"transformer.h.{layer}."
        q, k, v = linear(norm(x, p + "ln_1"), p + "attn.c_attn").split(d, dim=-1)
        q, k, v = (z.reshape(b, t, nh, hs).permute(0, 2, 1, 3) for z in (q, k, v))
        q, k = rotation(q, turn), rotation(k, turn)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hs)
        weights = scores.masked_fill(causal, float("-inf")).softmax(dim=-1)
        y = (weights @ v).permute(0, 2, 1, 3).reshape(b, t, d)
        x = x + linear(y, p + "attn.c_proj")
        x = x + linear(F.gelu(linear(norm(x, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
    hidden = norm(x, "transformer.ln_f")
    if c["tie_weights"]:
        return (hidden / scale) @ w["transformer.wte.weight"].T
    return hidden @ w["lm_head.weight"].T


def plain_loss(logits, targets, padding_idx):
    counted = targets >= 0
    if padding_idx is not None:
        counted &= targets != padding_idx
    losses = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.clamp(min=0).reshape(-1), reduction="none")
    return float((losses * counted.reshape(-1)).sum() / counted.sum())


class RopeFromTheFormula(unittest.TestCase):
    """Rotary positions checked independently: plain_forward, written from the convention alone
    (GPT-NeoX / Llama "rotate half": dimension j pairs with j + head_size/2 and turns by
    position * base^(-2j/head_size)) and sharing no model code with jgpt_model.py, gives the logits
    and loss jgpt computed for the RoPE models it exported: the default base with an untied head,
    and base 500 with a tied head (both with jgpt's default token embedding, scaled by sqrt(n_embd))."""

    def check(self, name, base):
        folder = os.path.join(FIXTURES, name)
        with open(os.path.join(folder, "config.json")) as f:
            config = json.load(f)
        self.assertEqual(("rope", base), (config["positions"], config["rope_base"]))
        with open(os.path.join(folder, "expected.json")) as f:
            want = json.load(f)
        ids, targets = torch.tensor(want["ids"]), torch.tensor(want["targets"])
        with torch.no_grad():
            logits = plain_forward(folder, ids)
            port, _ = load_export(folder)[0](ids, targets)
        diff = (logits.reshape(-1) - torch.tensor(want["logits"])).abs().max().item()
        self.assertLessEqual(diff, TOLERANCE, f"{name}: largest logit difference from jgpt {diff:.2e}")
        self.assertAlmostEqual(want["loss"], plain_loss(logits, targets, config["padding_idx"]), delta=ROPE_LOSS_TOLERANCE)
        self.assertLessEqual((port - logits).abs().max().item(), TOLERANCE, f"{name}: jgpt_model.py differs")

    def test_default_base_untied_head_gives_jgpts_logits_and_loss(self):
        self.check("jgpt_rope", 10000.0)

    def test_base_500_tied_head_gives_jgpts_logits_and_loss(self):
        self.check("jgpt_rope_tied", 500.0)

    def test_pytorch_made_rope_models_follow_the_formula_too(self):
        """Random weights of 0.3 (PyTorchParityTest checks jgpt against these logits): the positions matter."""
        self.check("torch_rope", 10000.0)
        self.check("torch_rope_tied", 500.0)

    def test_a_wrong_pairing_would_show(self):
        """Pairing neighbours (2j, 2j+1), the GPT-J convention, gives other logits: the check can fail."""
        folder = os.path.join(FIXTURES, "torch_rope")
        with open(os.path.join(folder, "expected.json")) as f:
            want = json.load(f)

        def interleaved(z, turn):
            pairs = torch.view_as_complex(z.reshape(*z.shape[:-1], -1, 2).contiguous()) * turn
            return torch.view_as_real(pairs).reshape(z.shape)
        with torch.no_grad():
            logits = plain_forward(folder, torch.tensor(want["ids"]), interleaved)
        self.assertGreater((logits.reshape(-1) - torch.tensor(want["logits"])).abs().max().item(), 1e-3)

    def test_to_nanogpt_refuses_a_rope_run_in_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([sys.executable, os.path.join(INTEROP, "to_nanogpt.py"), "--export",
                                os.path.join(FIXTURES, "jgpt_rope_tied"), "--out", tmp], capture_output=True, text=True)
        self.assertEqual(1, p.returncode)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(1, len(lines), p.stderr)
        self.assertTrue(lines[0].startswith("to_nanogpt: nanoGPT cannot represent this model (rotary positions, which nanoGPT"
                                            " does not have, "), lines[0])
        self.assertTrue(lines[0].endswith("train it with --positions learned --no-scale-embedding to make it representable"),
                        lines[0])

class Converters(unittest.TestCase):

    def run_script(self, *args):
        return subprocess.run([sys.executable, *args], capture_output=True, text=True)

    def test_safetensors_written_here_read_back_equal(self):
        tensors = read_safetensors(os.path.join(FIXTURES, "jgpt_nanogpt", "model.safetensors"))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "copy.safetensors")
            write_safetensors(path, tensors)
            again = read_safetensors(path)
        self.assertEqual(sorted(tensors), sorted(again))
        for name in tensors:
            self.assertTrue(torch.equal(tensors[name], again[name]), name)

    def test_to_nanogpt_refuses_jgpts_default_architecture_in_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = self.run_script(os.path.join(INTEROP, "to_nanogpt.py"), "--export", os.path.join(FIXTURES, "jgpt_default"),
                                "--out", tmp)
        self.assertEqual(1, p.returncode)
        self.assertEqual(["to_nanogpt: nanoGPT cannot represent this model (sinusoidal positions, an untied output head,"
                          " a token embedding scaled by sqrt(n_embd)): train it with --positions learned --tie-weights"
                          " --no-scale-embedding to make it representable"], p.stderr.strip().splitlines())

    @unittest.skipUnless(os.path.exists(os.path.join(NANOGPT, "model.py")), "nanoGPT's model.py is not in ../shared/nanogpt")
    def test_nanogpt_loads_the_converted_model_strictly_and_both_ways_agree(self):
        sys.path.insert(0, NANOGPT)
        from model import GPT, GPTConfig
        want = expected("jgpt_nanogpt")
        with tempfile.TemporaryDirectory() as tmp:
            nano, back = os.path.join(tmp, "nano"), os.path.join(tmp, "back")
            p = self.run_script(os.path.join(INTEROP, "to_nanogpt.py"), "--export", os.path.join(FIXTURES, "jgpt_nanogpt"), "--out", nano)
            self.assertEqual(0, p.returncode, p.stderr)
            ckpt = torch.load(os.path.join(nano, "ckpt.pt"), map_location="cpu")
            model = GPT(GPTConfig(**ckpt["model_args"]))
            model.load_state_dict(ckpt["model"], strict=True)
            model.eval()
            optimizer = model.configure_optimizers(0.1, 3e-3, (0.9, 0.99), "cpu")
            optimizer.load_state_dict(ckpt["optimizer"])
            self.assertEqual(3, int(optimizer.state[model.transformer.wte.weight]["step"]))
            with torch.no_grad():
                logits, _ = model(torch.tensor(want["ids"]), torch.tensor(want["targets"]))
            diff = (logits.reshape(-1) - torch.tensor(want["logits"])).abs().max().item()
            self.assertLessEqual(diff, TOLERANCE)

            p = self.run_script(os.path.join(INTEROP, "from_nanogpt.py"), "--ckpt", os.path.join(nano, "ckpt.pt"),
                                "--meta", os.path.join(nano, "meta.pkl"), "--out", back)
            self.assertEqual(0, p.returncode, p.stderr)
            original = read_safetensors(os.path.join(FIXTURES, "jgpt_nanogpt", "model.safetensors"))
            returned = read_safetensors(os.path.join(back, "model.safetensors"))
            self.assertEqual(sorted(original), sorted(returned))
            for name in original:
                self.assertTrue(torch.equal(original[name], returned[name]), name)
            with open(os.path.join(nano, "meta.pkl"), "rb") as f:
                meta = pickle.load(f)
            with open(os.path.join(back, "vocab.json")) as f:
                self.assertEqual([meta["itos"][i] for i in range(meta["vocab_size"])], json.load(f))

    def test_to_nanogpt_carries_the_runs_lr_decay_iters(self):
        for decay, want in ((9, 9), (None, 3)):  # the fixture's max-iters is 3; runs saved before the key decayed over it
            with tempfile.TemporaryDirectory() as tmp:
                export, nano = os.path.join(tmp, "export"), os.path.join(tmp, "nano")
                shutil.copytree(os.path.join(FIXTURES, "jgpt_nanogpt"), export)
                with open(os.path.join(export, "config.json")) as f:
                    config = json.load(f)
                self.assertEqual(3, config["training"]["config"]["max-iters"])
                if decay is not None:
                    config["training"]["config"]["lr-decay-iters"] = decay
                with open(os.path.join(export, "config.json"), "w") as f:
                    json.dump(config, f)
                p = self.run_script(os.path.join(INTEROP, "to_nanogpt.py"), "--export", export, "--out", nano)
                self.assertEqual(0, p.returncode, p.stderr)
                self.assertEqual(want, torch.load(os.path.join(nano, "ckpt.pt"), map_location="cpu")["config"]["lr_decay_iters"])
                with open(os.path.join(nano, "jgpt_run.py")) as f:
                    self.assertIn(f"lr_decay_iters = {want}\n", f.read())


@unittest.skipUnless(os.path.exists(os.path.join(NANOGPT, "model.py")), "nanoGPT's model.py is not in ../shared/nanogpt")
class NanoGptCharacterModel(unittest.TestCase):
    """A model nanoGPT's model.py trained on a text full of newlines, with prepare.py's vocabulary
    (sorted characters: "\n" is id 0, "a" id 3), read by jgpt through from_nanogpt.py."""

    BLOCK = 32

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, NANOGPT)
        from model import GPT, GPTConfig
        random = __import__("random").Random(17)
        words = ["a", "at", "sat", "cat", "hat", "the", "tea", "then", "nest", "he", "she", "ate"]
        text = "\n, "
        while len(text) < 3000:
            text += random.choice(words) + random.choice(["\n", "\n", " ", " ", " ", ", ", ",\n", "\n\n"])
        cls.text = text
        chars = sorted(set(text))  # nanoGPT's shakespeare_char/prepare.py
        assert chars[0] == "\n" and chars[3] == "a", chars
        cls.stoi = {c: i for i, c in enumerate(chars)}
        ids = [cls.stoi[c] for c in text]
        torch.manual_seed(0)
        args = dict(n_layer=1, n_head=2, n_embd=32, block_size=cls.BLOCK, bias=True, vocab_size=len(chars), dropout=0.0)
        model = GPT(GPTConfig(**args))
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
        data = torch.tensor(ids)
        for _ in range(150):  # enough that a newline read as "a" would cost loss
            starts = torch.randint(len(ids) - cls.BLOCK - 1, (16,))
            x = torch.stack([data[i:i + cls.BLOCK] for i in starts])
            y = torch.stack([data[i + 1:i + 1 + cls.BLOCK] for i in starts])
            _, loss = model(x, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        cls.nano_loss, cls.targets = cls.nanogpt_loss(model, ids)
        cls.work = tempfile.mkdtemp(prefix="jgpt-nanogpt-chars-")
        cls.text_file = os.path.join(cls.work, "text.txt")
        with open(cls.text_file, "w", encoding="utf-8") as f:
            f.write(text)
        torch.save({"model": model.state_dict(), "model_args": args, "iter_num": 150, "best_val_loss": torch.tensor(9.0)},
                   os.path.join(cls.work, "ckpt.pt"))
        with open(os.path.join(cls.work, "meta.pkl"), "wb") as f:
            pickle.dump({"vocab_size": len(chars), "itos": dict(enumerate(chars)), "stoi": cls.stoi}, f)
        cls.export = os.path.join(cls.work, "export")
        p = subprocess.run([sys.executable, os.path.join(INTEROP, "from_nanogpt.py"), "--ckpt", os.path.join(cls.work, "ckpt.pt"),
                            "--meta", os.path.join(cls.work, "meta.pkl"), "--out", cls.export], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def nanogpt_loss(cls, model, ids):
        """nanoGPT's own loss (its forward, ignore_index=-1) over the windows `jgpt eval --data` scores:
        block_size + 1 tokens from every block_size-th, the last one shorter; every target once."""
        total, count = 0.0, 0
        with torch.no_grad():
            for start in range(0, len(ids) - 1, cls.BLOCK):
                window = ids[start:start + cls.BLOCK + 1]
                _, loss = model(torch.tensor([window[:-1]]), torch.tensor([window[1:]]))
                total += loss.item() * (len(window) - 1)
                count += len(window) - 1
        return total / count, count

    def jgpt(self, *args):
        env = dict(os.environ, OPT_OUT_TRACKING="true")
        return subprocess.run([os.path.join(ROOT, "jgpt"), *args], capture_output=True, text=True, cwd=self.work, env=env)

    def test_jgpt_eval_gives_nanogpts_loss_on_every_target(self):
        p = self.jgpt("eval", "--checkpoint", self.export, "--data", self.text_file, "--json", "--eval-tokens", "0")
        self.assertEqual(0, p.returncode, p.stderr)
        self.assertNotIn("warning", p.stderr)
        result = json.loads(p.stdout)
        self.assertEqual(len(self.text) - 1, self.targets)
        self.assertEqual(self.targets, result["tokens"])
        self.assertLessEqual(abs(result["loss"] - self.nano_loss), 2e-4,
                             f"jgpt eval {result['loss']:.6f}, nanoGPT's model.py {self.nano_loss:.6f}")

    def test_train_init_from_reads_every_newline_and_warns_of_nothing(self):
        out = os.path.join(self.work, "tuned")
        p = self.jgpt("train", "--init-from", self.export, "--data", self.text_file, "--out-dir", out, "--batch-size", "4",
                      "--max-iters", "2", "--eval-interval", "0", "--eval-iters", "1", "--no-plot")
        self.assertEqual(0, p.returncode, p.stderr)
        self.assertEqual([], [line for line in p.stderr.splitlines() if "warning" in line.lower()], p.stderr)


if __name__ == "__main__":
    unittest.main()
