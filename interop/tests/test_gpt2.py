"""GPT-2 in Hugging Face's layout, through jgpt and back, against GPT-2's forward written in PyTorch
(interop/make_gpt2_fixtures.py: Conv1D weights (in, out), tanh GELU): a random GPT-2 folder made
here from a seed is imported (`jgpt import`), scored (`jgpt eval`), read by interop/jgpt_model.py,
and exported again (`jgpt export --format hf`) into a folder GPT-2's forward reads as
GPT2LMHeadModel's. Skips without PyTorch.

  python3 -m unittest discover -s interop/tests -v
"""
import json
import os
import shutil
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
sys.path.insert(0, INTEROP)
from export_folder import read_safetensors  # noqa: E402
from jgpt_model import load_export  # noqa: E402
import make_gpt2_fixtures as gpt2  # noqa: E402

TOLERANCE = 1e-5
SHAPE = (2, 4, 16, 32)  # n_layer, n_head, n_embd, n_positions


class Gpt2RoundTripTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="jgpt-gpt2-")
        cls.ids = gpt2.gpt2_ids(gpt2.TEXT)
        cls.original = os.path.join(cls.work, "gpt2")
        gpt2.write_folder(cls.original, 2021, cls.ids, *SHAPE, prefixed=False)
        with open(os.path.join(cls.original, "expected.json")) as f:
            cls.expected = json.load(f)
        cls.weights = {name: t for name, t in read_safetensors(os.path.join(cls.original, "model.safetensors")).items()
                       if not name.endswith((".attn.bias", ".attn.masked_bias"))}
        with open(os.path.join(cls.original, "config.json")) as f:
            cls.config = json.load(f)
        cls.imported = os.path.join(cls.work, "imported")
        cls.check(cls.jgpt("import", "--from", cls.original, "--out", cls.imported))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def jgpt(cls, *args):
        env = dict(os.environ, OPT_OUT_TRACKING="true")
        return subprocess.run([os.path.join(ROOT, "jgpt"), *args], capture_output=True, text=True, cwd=cls.work, env=env)

    @staticmethod
    def check(p):
        if p.returncode != 0:
            raise AssertionError(f"exit {p.returncode}: {p.stderr}")
        return p

    def test_eval_of_the_import_is_gpt2s_loss_over_the_same_targets(self):
        p = self.check(self.jgpt("eval", "--checkpoint", self.imported, "--data", os.path.join(self.original, "text.txt"), "--json"))
        result = json.loads(p.stdout)
        self.assertEqual(self.expected["targets"], result["tokens"])
        self.assertAlmostEqual(self.expected["loss"], result["loss"], delta=TOLERANCE)

    def test_jgpt_model_reads_the_import_with_gpt2s_activation(self):
        model, tokens = load_export(self.imported)
        self.assertIsNone(tokens)  # GPT-2's encoding: tokenizer.json, no vocab.json
        ids = torch.tensor([self.ids[:SHAPE[3]]])
        with torch.no_grad():
            diff = (model(ids)[0] - gpt2.gpt2_forward(self.weights, self.config, ids)).abs().max().item()
        self.assertLessEqual(diff, TOLERANCE)

    def test_export_format_hf_is_gpt2lmheadmodels_file_and_gives_the_same_loss(self):
        hf = os.path.join(self.work, "hf")
        self.check(self.jgpt("export", "--format", "hf", "--checkpoint", self.imported, "--out", hf))
        with open(os.path.join(hf, "config.json")) as f:
            config = json.load(f)
        for key in ("model_type", "n_layer", "n_head", "n_embd", "n_positions", "vocab_size", "activation_function",
                    "layer_norm_epsilon", "tie_word_embeddings"):
            self.assertEqual(self.config[key], config[key], key)
        tensors = read_safetensors(os.path.join(hf, "model.safetensors"))
        self.assertEqual(sorted("transformer." + name for name in self.weights), sorted(tensors))  # tied: no lm_head.weight
        bare = {name[len("transformer."):]: t for name, t in tensors.items()}
        for name, tensor in self.weights.items():
            self.assertTrue(torch.equal(tensor, bare[name]), name)  # Conv1D (in, out), as GPT-2 stores it
        loss, targets = gpt2.eval_loss(bare, config, self.ids)
        self.assertEqual(self.expected["targets"], targets)
        self.assertAlmostEqual(self.expected["loss"], loss, delta=1e-6)

    def test_to_nanogpt_warns_in_one_line_that_its_gelu_is_exact(self):
        p = subprocess.run([sys.executable, os.path.join(INTEROP, "to_nanogpt.py"), "--export", self.imported,
                            "--out", os.path.join(self.work, "nano")], capture_output=True, text=True)
        self.assertEqual(0, p.returncode, p.stderr)
        warnings = [line for line in p.stderr.splitlines() if "gelu_new" in line]
        self.assertEqual(1, len(warnings), p.stderr)


if __name__ == "__main__":
    unittest.main()
