package dev.jgpt.model.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;

/**
 * The fixed sinusoidal position table of "Attention Is All You Need": {@code PE[pos, 2i] =
 * sin(pos / 10000^(2i/d))} and {@code PE[pos, 2i+1] = cos(pos / 10000^(2i/d))}.
 *
 * <p>It has no parameters and saves nothing: the table is computed once, in double precision and
 * rounded to float, for positions {@code 0 .. maxLen-1}. An odd {@code dModel} works; its last
 * column is a sine. Given token ids of shape (..., T), forward returns the first T rows, (T, D),
 * which broadcast over the batch when added to the token embeddings; {@link #rows} gives later
 * positions too.
 */
public class SinusoidalPositionalEncoding extends AbstractBlock implements PositionTable {

    private final int maxLen;
    private final int dModel;
    private final float[] table;

    /** Builds the table for positions up to {@code maxLen} and vectors of size {@code dModel}. */
    public SinusoidalPositionalEncoding(int maxLen, int dModel) {
        if (maxLen <= 0 || dModel <= 0) {
            throw new IllegalArgumentException(
                    "max_len and d_model must be > 0, got " + maxLen + " and " + dModel);
        }
        this.maxLen = maxLen;
        this.dModel = dModel;
        table = new float[maxLen * dModel];
        for (int pos = 0; pos < maxLen; pos++) {
            for (int column = 0; column < dModel; column++) {
                int twoI = column - column % 2;
                double angle = pos / Math.pow(10000, (double) twoI / dModel);
                table[pos * dModel + column] =
                        (float) (column % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return new NDList(rows(parameterStore, inputs.singletonOrThrow(), 0, training));
    }

    /** {@inheritDoc} */
    @Override
    public NDArray rows(ParameterStore parameterStore, NDArray tokens, int start, boolean training) {
        int length = SequenceLength.of(tokens.getShape(), start, maxLen);
        float[] rows = Arrays.copyOfRange(table, start * dModel, (start + length) * dModel);
        return tokens.getManager().create(rows, new Shape(length, dModel));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].tail(), dModel)};
    }

    @Override
    public String toString() {
        return "SinusoidalPositionalEncoding(" + maxLen + ", " + dModel + ")";
    }
}
