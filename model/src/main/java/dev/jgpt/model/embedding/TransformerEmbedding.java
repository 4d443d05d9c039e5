package dev.jgpt.model.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The input of a transformer: {@code dropout(token(x) + position(x))}, or {@code dropout(token(x))}
 * without a position block (rotary positions act in attention instead). Token ids (B, T) become
 * vectors (B, T, D); the position block returns (T, D), broadcast over the batch. Dropout is
 * active only in training.
 */
public class TransformerEmbedding extends AbstractBlock {

    private final TokenEmbedding token;
    private final PositionTable position;
    private final Dropout dropout;
    private final boolean dropsOut; // dropout > 0: eval mode and rate 0 skip the native call

    /**
     * Combines a token embedding with a position block ({@link SinusoidalPositionalEncoding} or
     * {@link LearnedPositionalEmbedding}) of the same width, or null for none, and a dropout rate
     * in [0, 1).
     */
    public TransformerEmbedding(TokenEmbedding token, PositionTable position, float dropoutRate) {
        if (!(dropoutRate >= 0 && dropoutRate < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropoutRate);
        }
        this.token = addChildBlock("token", token);
        this.position = position == null ? null : addChildBlock("position", position);
        this.dropout = addChildBlock("dropout", Dropout.builder().optRate(dropoutRate).build());
        this.dropsOut = dropoutRate > 0;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return new NDList(forward(parameterStore, inputs.singletonOrThrow(), 0, training));
    }

    /** The input vectors (B, T, D) of token ids (B, T) whose first position is {@code start}. */
    public NDArray forward(ParameterStore parameterStore, NDArray tokens, int start, boolean training) {
        NDArray vectors = token.forward(parameterStore, new NDList(tokens), training).singletonOrThrow();
        NDArray sum = position == null
                ? vectors
                : vectors.addi(position.rows(parameterStore, tokens, start, training)); // in place: backward needs neither operand
        return training && dropsOut ? dropout.forward(parameterStore, new NDList(sum), training).singletonOrThrow() : sum;
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        token.initialize(manager, dataType, inputShapes);
        if (position != null) {
            position.initialize(manager, dataType, inputShapes);
        }
        dropout.initialize(manager, dataType, token.getOutputShapes(inputShapes));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return token.getOutputShapes(inputShapes);
    }

    /** Returns the position block: a fixed table, a learned one, or null for none. */
    public PositionTable getPosition() {
        return position;
    }

    /** Returns the token embedding, whose weight a tied output head can share. */
    public TokenEmbedding getToken() {
        return token;
    }
}
