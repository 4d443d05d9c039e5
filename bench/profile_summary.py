"""Sorts async-profiler's collapsed stacks (bench/profile.sh) into layers and DJL native calls.

Usage: python3 bench/profile_summary.py STACKS.collapsed [FRAME]

With FRAME (a Java method, e.g. dev/jgpt/train/TrainingStep.run), only the samples under it count,
and those of libtorch's own worker threads (OpenMP's), which work for it: start-up, data and the
JIT's work outside it are left out.
"""
import collections
import sys

# The first layer whose mark is in a stack takes its samples; order matters (gemm before libtorch).
LAYERS = [
    ("MKL matmul (sgemm, with its packing)", ("mkl_blas", "sgemm")),
    ("OpenMP runtime (barriers, spinning)", ("libgomp",)),
    ("libtorch kernels (elementwise, reductions)", ("cpu_kernel", "vectorized_loop", "Sleef_", "::AVX2::", "::AVX512::", "::DEFAULT::")),
    ("libtorch autograd engine", ("torch::autograd::Engine",)),
    ("libtorch dispatch, allocation, other", ("at::", "c10::", "torch::")),
    ("malloc/free", ("malloc", "_int_free", "cfree")),
    ("JIT compiler", ("C2Compiler", "C1Compiler", "CompileBroker", "Phase", "Compile::")),
    ("GC", ("G1", "GCTask", "ParallelGC", "VM_GC")),
    ("DJL JNI glue", ("Java_ai_djl",)),
    ("Java (DJL, jgpt, JDK)", ("ai/djl/", "dev/jgpt/", "java/", "jdk/", "sun/")),
]


def layer(stack):
    for name, marks in LAYERS:
        if any(mark in stack for mark in marks):
            return name
    return "other (kernel, libc, unknown)"


def main(path, within=None):
    total = 0
    everything = 0
    layers = collections.Counter()
    calls = collections.Counter()
    for line in open(path):
        stack, count = line.rsplit(" ", 1)
        count = int(count)
        everything += count
        worker = stack.startswith("start_thread") and "libgomp" in stack
        if within and within not in stack and not worker:
            continue
        total += count
        layers[layer(stack)] += count
        native = [frame for frame in stack.split(";") if frame.startswith("ai/djl/pytorch/jni/PyTorchLibrary.")]
        calls[native[-1].rsplit(".", 1)[-1] if native else "(no DJL native call)"] += count
    print(f"{total:,} samples of CPU time (1 ms each)" + (f" under {within} and in libtorch's workers, "
          f"{100 * total / everything:.0f}% of all" if within else ", all threads"))
    for name, count in layers.most_common():
        print(f"{100 * count / total:5.1f}%  {name}")
    print("by the DJL native call they run under:")
    for name, count in calls.most_common(15):
        print(f"{100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
