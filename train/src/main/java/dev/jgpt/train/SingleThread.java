package dev.jgpt.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Runs torch's CPU ops on one thread until closed. One token at a time, the ops are so small that
 * a second OpenMP thread only spins between them and slows the first: with it, sampling the
 * default model runs at about 600 tokens/s here, without it at about 2,200 (bench/NOTES.md).
 * Training's larger ops keep both threads.
 */
final class SingleThread implements AutoCloseable {

    private final int previous;

    SingleThread() {
        Engine.getInstance(); // loads libtorch
        previous = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
    }

    @Override
    public void close() {
        JniUtils.setNumThreads(previous);
    }
}
