package dev.jgpt.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * A scope in which torch records no autograd graph, like {@code torch.no_grad()}. libtorch's grad
 * mode belongs to each thread and is on in a new one (DJL turns it off only on the thread that
 * loads the engine), so evaluation and sampling open this scope on whatever thread calls them.
 */
public final class NoGrad implements AutoCloseable {

    private final boolean previous;

    /** Turns grad mode off on this thread until closed. */
    public NoGrad() {
        Engine.getInstance(); // loads libtorch
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
