package dev.jgpt.model.embedding;

import ai.djl.ndarray.NDArray;
import dev.jgpt.model.Scalars;

/**
 * The token embedding of a transformer: an {@link Embedding} with padding_idx 1 whose output is
 * multiplied by sqrt(d_model), as in fairseq; or, for nanoGPT's architecture, one without the
 * factor (and, for a vocabulary with no padding token, without padding_idx).
 *
 * <p>Scaled, new weights are drawn from N(0, 1/d_model) with the padding row zeroed, so that the
 * scaled output has unit variance per component, matching the scale of the positional encoding
 * added to it. Unscaled, they are drawn from N(0, 0.02²), GPT-2's and nanoGPT's init.
 */
public class TokenEmbedding extends Embedding {

    /** The padding id of the vocabulary: 0 is {@code <s>}, 1 is {@code <pad>}. */
    public static final int PADDING_IDX = 1;

    /** GPT-2's initialisation scale for an unscaled embedding. */
    private static final double UNSCALED_INIT_STD = 0.02;

    private final Float scale; // null: the output is not scaled

    /**
     * Builds a token embedding for a vocabulary of {@code vocabSize} ids (at least 2, so that the
     * padding id exists) and vectors of size {@code dModel}, scaled by sqrt(d_model).
     */
    public TokenEmbedding(int vocabSize, int dModel) {
        this(vocabSize, dModel, PADDING_IDX, true);
    }

    /**
     * Builds a token embedding with the given padding id (null for none), its output scaled by
     * sqrt(d_model) or not.
     */
    public TokenEmbedding(int vocabSize, int dModel, Integer paddingIdx, boolean scaled) {
        super(
                Embedding.builder()
                        .setNumEmbeddings(vocabSize)
                        .setEmbeddingDim(dModel)
                        .optPaddingIdx(paddingIdx),
                scaled ? 1 / Math.sqrt(dModel) : UNSCALED_INIT_STD,
                null,
                false);
        scale = scaled ? (float) Math.sqrt(dModel) : null;
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray lookup(NDArray table, NDArray indices, long[] ids) {
        NDArray rows = super.lookup(table, indices, ids);
        return scale == null ? rows : rows.muli(Scalars.of(indices, scale)); // in place: backward needs only the scale
    }
}
