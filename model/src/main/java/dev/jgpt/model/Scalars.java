package dev.jgpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar operands for ops that autograd records.
 *
 * <p>DJL's {@code array.mul(2f)} (likewise {@code div}) wraps the number in a native tensor over a
 * Java direct buffer and closes it right after the op. Autograd's MulBackward keeps that tensor to
 * compute the gradient, but once the wrapper is closed nothing on the Java side holds the buffer:
 * a garbage collection between forward and backward frees it, and backward then reads freed
 * memory, which shows up as sporadic NaN losses. A scalar made here is allocated by torch itself
 * (not over a Java buffer) and belongs to {@code like}'s (per-step) manager, so it lives at least
 * until backward.
 */
public final class Scalars {

    private Scalars() {}

    /** A float32 scalar in {@code like}'s manager, to be used as an operand of {@code like}. */
    public static NDArray of(NDArray like, float value) {
        return like.getManager().full(new Shape(), value);
    }
}
