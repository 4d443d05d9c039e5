package dev.jgpt.model.embedding;

import ai.djl.ndarray.types.Shape;

/** The length T of token ids shaped (..., T), checked against a position table's size. */
final class SequenceLength {

    private SequenceLength() {}

    static int of(Shape tokens, int maxLen) {
        if (tokens.dimension() == 0) {
            throw new IllegalArgumentException(
                    "positions need token ids with a sequence axis, got a 0-d array");
        }
        long length = tokens.tail();
        if (length > maxLen) {
            throw new IllegalArgumentException(
                    "sequence length " + length + " exceeds the " + maxLen + " positions of the table");
        }
        return (int) length;
    }
}
