package dev.jgpt.train.sample;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * torch's intra-op threads for sampling, by the model's size (bench/NOTES.md). One token at a
 * time, a small model's ops are so small that a second OpenMP thread only spins between them and
 * slows the first: the default model (0.8M parameters) samples at about 600 tokens/s with two
 * threads, 1,400 when switched to one, and 2,150 when the engine starts with one, so that no
 * second thread ever exists. A large model's token reads all its weights from memory, which two
 * cores read faster than one: 10.7M parameters sample 1.3 times as fast on two threads, GPT-2's
 * 124M 1.6 times (2-core Intel Xeon; about even at 3.2M). So a model of more than {@link
 * #MANY_PARAMETERS} samples on every core, a smaller one on one thread, unless the user chose
 * (--threads).
 */
public final class SamplingThreads implements AutoCloseable {

    /** The system property DJL reads for libtorch's intra-op threads when the engine starts. */
    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
    /** Set when {@link #beforeEngineStarts} chose one thread, not the user. */
    private static final String NOT_CHOSEN_PROPERTY = "jgpt.sampling.threads.automatic";
    /** Parameters above which sampling reads weights faster on every core than it loses waiting on them. */
    static final long MANY_PARAMETERS = 4_000_000;

    private final int previous;

    /** Runs torch on the threads a model of {@code parameters} samples fastest with, until closed. */
    public SamplingThreads(long parameters) {
        Engine.getInstance(); // loads libtorch
        previous = JniUtils.getNumThreads();
        JniUtils.setNumThreads(count(parameters));
    }

    /** The user's --threads, else every core for a model of more than {@link #MANY_PARAMETERS}, else 1. */
    static int count(long parameters) {
        String chosen = System.getProperty(THREADS_PROPERTY);
        if (chosen != null && !Boolean.getBoolean(NOT_CHOSEN_PROPERTY)) {
            return Integer.parseInt(chosen);
        }
        return parameters > MANY_PARAMETERS ? Runtime.getRuntime().availableProcessors() : 1;
    }

    /**
     * Makes the engine start with one intra-op thread, unless it has started or the user chose a
     * number: call it first thing in a process that samples. A large model's sampler adds threads.
     */
    public static void beforeEngineStarts() {
        if (System.getProperty(THREADS_PROPERTY) == null) {
            System.setProperty(THREADS_PROPERTY, "1");
            System.setProperty(NOT_CHOSEN_PROPERTY, "true");
        }
    }

    @Override
    public void close() {
        JniUtils.setNumThreads(previous);
    }
}
