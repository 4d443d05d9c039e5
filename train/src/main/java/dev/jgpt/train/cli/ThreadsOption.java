package dev.jgpt.train.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.jgpt.train.sample.SamplingThreads;
import picocli.CommandLine.Option;

/** {@code --threads N}: libtorch's intra-op threads, for the commands that run a model. */
final class ThreadsOption {

    @Option(names = "--threads", paramLabel = "N", description = "libtorch's intra-op threads (default: one per core; sample: 1, or one per core for a model of more than 4M parameters; a model of up to 12M parameters samples in Java on one thread). On cores busy with other work, 1 is often faster (docs/first-hour.md).")
    Integer threads;

    /** Starts the engine with --threads N where given: call it first thing, before anything touches libtorch. */
    void apply() {
        if (threads == null) {
            return;
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        System.setProperty(SamplingThreads.THREADS_PROPERTY, threads.toString()); // read when the engine starts
        Engine.getInstance();
        JniUtils.setNumThreads(threads); // where it had started already
    }
}
