package dev.jgpt.model.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.jgpt.model.Scalars;

/**
 * The token embedding of a transformer: an {@link Embedding} with padding_idx 1 whose output is
 * multiplied by sqrt(d_model), as in fairseq; or, for nanoGPT's architecture, one without the
 * factor (and, for a vocabulary with no padding token, without padding_idx).
 *
 * <p>Scaled, new weights are drawn from N(0, 1/d_model) with the padding row zeroed, so that the
 * scaled output has unit variance per component, matching the scale of the positional encoding
 * added to it. Unscaled, they are drawn from N(0, 0.02²), GPT-2's and nanoGPT's init. Every {@link
 * Embedding} option can be set through a {@link Builder}:
 * {@code new TokenEmbedding.Builder().setNumEmbeddings(v).setEmbeddingDim(d).optMaxNorm(1.0).build()}.
 */
public class TokenEmbedding extends Embedding {

    /** The padding id of the vocabulary: 0 is {@code <s>}, 1 is {@code <pad>}. */
    public static final int PADDING_IDX = 1;

    /** GPT-2's initialisation scale for an unscaled embedding. */
    private static final double UNSCALED_INIT_STD = 0.02;

    private final float scale;

    /**
     * Builds a token embedding for a vocabulary of {@code vocabSize} ids (at least 2, so that the
     * padding id exists) and vectors of size {@code dModel}, with every other option at its
     * default.
     */
    public TokenEmbedding(int vocabSize, int dModel) {
        this(new Builder().setNumEmbeddings(vocabSize).setEmbeddingDim(dModel));
    }

    /**
     * Builds a token embedding with the given padding id (null for none), its output scaled by
     * sqrt(d_model) or not.
     */
    public TokenEmbedding(int vocabSize, int dModel, Integer paddingIdx, boolean scaled) {
        this(new Builder().setNumEmbeddings(vocabSize).setEmbeddingDim(dModel).optPaddingIdx(paddingIdx).optScaled(scaled));
    }

    private TokenEmbedding(Builder builder) {
        super(builder, builder.scaled ? 1 / Math.sqrt(builder.embeddingDim) : UNSCALED_INIT_STD);
        scale = builder.scaled ? (float) Math.sqrt(getEmbeddingDim()) : 1f;
    }

    private TokenEmbedding(Builder builder, NDArray embeddings, boolean freeze) {
        super(builder, embeddings, freeze);
        scale = builder.scaled ? (float) Math.sqrt(getEmbeddingDim()) : 1f;
    }

    /** Returns the factor the looked-up rows are multiplied by: sqrt(d_model), or 1 unscaled. */
    public float getScale() {
        return scale;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray rows = super.forwardInternal(parameterStore, inputs, training, params).singletonOrThrow();
        // In place: backward needs only the scale. inf, NaN and -0.0 stay what they are, as in PyTorch.
        return new NDList(scale == 1f ? rows : rows.muli(Scalars.of(rows, scale)));
    }

    /** Options of a {@link TokenEmbedding}: every {@link Embedding} option, and the scaling. */
    public static final class Builder extends Embedding.BaseBuilder<Builder> {
        private boolean scaled = true;

        /** A builder with padding_idx 1 and sqrt(d_model) scaling, both of which may change. */
        public Builder() {
            optPaddingIdx(PADDING_IDX);
        }

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        /** Multiplies the output by sqrt(d_model) (the default) or leaves it as looked up. */
        public Builder optScaled(boolean scaled) {
            this.scaled = scaled;
            return this;
        }

        /** Builds a token embedding with N(0, 1/d_model) weights (N(0, 0.02²) unscaled) and the padding row zeroed. */
        public TokenEmbedding build() {
            return new TokenEmbedding(this);
        }

        /**
         * Builds a token embedding around a copy of {@code embeddings} (V×D), as {@link
         * Embedding.Builder#fromPretrained} does; the output is still scaled by sqrt(D) unless
         * {@link #optScaled} says otherwise.
         */
        public TokenEmbedding fromPretrained(NDArray embeddings, boolean freeze) {
            return new TokenEmbedding(this, embeddings, freeze);
        }
    }
}
