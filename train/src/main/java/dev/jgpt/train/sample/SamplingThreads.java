package dev.jgpt.train.sample;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * torch's intra-op threads for sampling. One token at a time, the ops are so small that a second
 * OpenMP thread only spins between them and slows the first (bench/NOTES.md): sampling the
 * default model runs at about 600 tokens/s with two threads, 1,400 when switched to one, and
 * 2,150 when the engine starts with one, so that no second thread ever exists. Training's larger
 * ops want every core.
 */
public final class SingleThread implements AutoCloseable {

    /** The system property DJL reads for libtorch's intra-op threads when the engine starts. */
    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    private final int previous;

    /** Runs torch on one thread until closed, or on as many as the user chose (--threads). */
    public SingleThread() {
        Engine.getInstance(); // loads libtorch
        previous = JniUtils.getNumThreads();
        JniUtils.setNumThreads(Integer.getInteger(THREADS_PROPERTY, 1));
    }

    /**
     * Makes the engine start with one intra-op thread, unless it has started or the user chose a
     * number: call it first thing in a process that samples.
     */
    public static void beforeEngineStarts() {
        if (System.getProperty(THREADS_PROPERTY) == null) {
            System.setProperty(THREADS_PROPERTY, "1");
        }
    }

    @Override
    public void close() {
        JniUtils.setNumThreads(previous);
    }
}
