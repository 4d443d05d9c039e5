package dev.jgpt.model.embedding;

import ai.djl.ndarray.types.Shape;

/** The length T of token ids shaped (..., T), checked against a position table's size. */
public final class SequenceLength {

    private SequenceLength() {}

    /** T, after checking that positions {@code start .. start+T-1} are in the table. */
    public static int of(Shape tokens, int start, int maxLen) {
        if (tokens.dimension() == 0) {
            throw new IllegalArgumentException(
                    "positions need token ids with a sequence axis, got a 0-d array");
        }
        long length = tokens.tail();
        if (start + length > maxLen) {
            String what =
                    start == 0
                            ? "sequence length " + length
                            : "positions " + start + " to " + (start + length - 1);
            throw new IllegalArgumentException(what + " exceeds the " + maxLen + " positions of the table");
        }
        return (int) length;
    }
}
