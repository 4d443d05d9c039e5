"""A jgpt run goes to nanoGPT, is continued there by nanoGPT's own train.py, and comes back with
from_nanogpt.py --out-run as a run folder that `jgpt train --resume` continues from nanoGPT's
iteration, with its optimizer state and schedule. Skips without PyTorch, nanoGPT or Java.

  python3 -m unittest discover -s interop/tests -v
"""
import math
import os
import re
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
NANOGPT = os.path.abspath(os.path.join(ROOT, "..", "shared", "nanogpt"))
sys.path.insert(0, INTEROP)
from export_folder import read_json  # noqa: E402


def run(cmd, cwd=ROOT):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p.stdout


def jgpt(*args):
    return run([os.path.join(ROOT, "jgpt"), *args])


def nanogpt_lr(config, it):
    """nanoGPT's get_lr."""
    lr, min_lr, warmup, decay = config["learning_rate"], config["min_lr"], config["warmup_iters"], config["lr_decay_iters"]
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > decay:
        return min_lr
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * (it - warmup) / (decay - warmup))) * (lr - min_lr)


@unittest.skipUnless(os.path.exists(os.path.join(NANOGPT, "train.py")), "nanoGPT's train.py is not in ../shared/nanogpt")
@unittest.skipUnless(shutil.which("java") or os.environ.get("JAVA_HOME"), "no Java to run jgpt")
class NanoGptRunComesBack(unittest.TestCase):

    def test_a_run_continued_by_nanogpt_resumes_in_jgpt_from_nanogpts_iteration(self):
        with tempfile.TemporaryDirectory() as tmp:
            text = os.path.join(tmp, "cats.txt")
            with open(text, "w", encoding="utf-8") as f:
                f.write("".join(f"the cat {w} sat on the mat {n}.\n" for n in range(400) for w in ("big", "small")))
            run_dir, export, nano, back = (os.path.join(tmp, n) for n in ("run", "export", "nano", "back"))
            jgpt("train", "--data", text, "--out-dir", run_dir, "--positions", "learned", "--tie-weights", "--no-scale-embedding",
                 "--n-layer", "1", "--n-head", "2", "--n-embd", "32", "--block-size", "32", "--batch-size", "8",
                 "--max-iters", "40", "--eval-interval", "20", "--eval-iters", "5", "--warmup-iters", "5")
            jgpt("export", "--checkpoint", run_dir, "--out", export)
            run([sys.executable, os.path.join(INTEROP, "to_nanogpt.py"), "--export", export, "--out", nano,
                 "--data", text, "--dataset", "jgpt"])
            with open(os.path.join(nano, "jgpt_run.py"), encoding="utf-8") as f:
                self.assertIn("eval_iters = 5\n", f.read(), "the run's --eval-iters, not 200")
            os.symlink(os.path.join(NANOGPT, "configurator.py"), os.path.join(nano, "configurator.py"))
            run([sys.executable, os.path.join(NANOGPT, "train.py"), "jgpt_run.py", "--max_iters=60", "--lr_decay_iters=200"], cwd=nano)
            ckpt = torch.load(os.path.join(nano, "ckpt.pt"), map_location="cpu")
            self.assertEqual(60, ckpt["iter_num"])

            out = run([sys.executable, os.path.join(INTEROP, "from_nanogpt.py"), "--ckpt", os.path.join(nano, "ckpt.pt"),
                       "--meta", os.path.join(nano, "meta.pkl"), "--out-run", back])
            self.assertIn("iteration 60; continue with: ./jgpt train --resume --out-dir " + back, out)
            resumed = jgpt("train", "--resume", "--out-dir", back, "--data", text, "--max-iters", "70")
            self.assertIn("resuming " + os.path.join(back, "latest") + " at iteration 60", resumed)
            lr = float(re.search(r"\n[^\n]*\b60/70[^\n]*: loss [0-9.]+, lr ([0-9.e+-]+)", resumed).group(1))
            self.assertAlmostEqual(nanogpt_lr(ckpt["config"], 60), lr, delta=0.01 * lr, msg="the schedule goes on: " + resumed)

            jgpt("export", "--checkpoint", back, "--out", os.path.join(tmp, "back-export"))
            training = read_json(os.path.join(tmp, "back-export", "config.json"))["training"]
            self.assertEqual(70, training["iter"])
            self.assertEqual(70, training["optimizer_step"], "AdamW's step count came back from nanoGPT")
            self.assertEqual(200, training["config"]["lr-decay-iters"])


if __name__ == "__main__":
    unittest.main()
