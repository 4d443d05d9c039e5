package dev.jgpt.model.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A trained position table, as GPT-2 and nanoGPT's {@code wpe}: an {@link Embedding} of {@code
 * maxLen} rows initialised from N(0, 0.02²). Given token ids of shape (..., T), forward returns
 * the rows of positions {@code 0 .. T-1}, shape (T, D).
 */
public class LearnedPositionalEmbedding extends Embedding implements PositionTable {

    /** GPT-2's initialisation scale for embeddings. */
    private static final double INIT_STD = 0.02;

    private final int maxLen;

    /** Builds a table for positions up to {@code maxLen} and vectors of size {@code dModel}. */
    public LearnedPositionalEmbedding(int maxLen, int dModel) {
        super(Embedding.builder().setNumEmbeddings(maxLen).setEmbeddingDim(dModel), INIT_STD);
        this.maxLen = maxLen;
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
        NDArray positions = tokens.getManager().arange(start, start + length, 1, DataType.INT64);
        return super.forwardInternal(parameterStore, new NDList(positions), training, null).singletonOrThrow();
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].tail(), getEmbeddingDim())};
    }
}
