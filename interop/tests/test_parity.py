"""PyTorch against numbers jgpt computed: models jgpt trained and exported
(train/src/test/resources/parity/jgpt_*, kept true to jgpt by JgptMadeFixtureTest) give jgpt's
logits and loss in interop/jgpt_model.py, the README's description of the model in PyTorch; the
converters round-trip and refuse what they cannot represent. Skips without PyTorch.

  python3 -m unittest discover -s interop/tests -v
"""
import json
import os
import pickle
import subprocess
import sys
import tempfile
import unittest

try:
    import torch
except ImportError:
    raise unittest.SkipTest("PyTorch is not installed: the Python parity tests need it (apt-get install python3-torch)")

HERE = os.path.dirname(os.path.abspath(__file__))
INTEROP = os.path.dirname(HERE)
ROOT = os.path.dirname(INTEROP)
FIXTURES = os.path.join(ROOT, "train", "src", "test", "resources", "parity")
NANOGPT = os.path.join(ROOT, "..", "shared", "nanogpt")
sys.path.insert(0, INTEROP)
from export_folder import read_safetensors, write_safetensors  # noqa: E402
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


if __name__ == "__main__":
    unittest.main()
