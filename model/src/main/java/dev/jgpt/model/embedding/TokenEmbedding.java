package dev.jgpt.model.embedding;

import ai.djl.ndarray.NDArray;
import dev.jgpt.model.Scalars;

/**
 * The token embedding of a transformer: an {@link Embedding} with padding_idx 1 whose output is
 * multiplied by sqrt(d_model), as in fairseq.
 *
 * <p>New weights are drawn from N(0, 1/d_model) with the padding row zeroed, so that the scaled
 * output has unit variance per component, matching the scale of the positional encoding added to
 * it.
 */
public class TokenEmbedding extends Embedding {

    /** The padding id of the vocabulary: 0 is {@code <s>}, 1 is {@code <pad>}. */
    public static final int PADDING_IDX = 1;

    private final float scale;

    /**
     * Builds a token embedding for a vocabulary of {@code vocabSize} ids (at least 2, so that the
     * padding id exists) and vectors of size {@code dModel}.
     */
    public TokenEmbedding(int vocabSize, int dModel) {
        super(
                Embedding.builder()
                        .setNumEmbeddings(vocabSize)
                        .setEmbeddingDim(dModel)
                        .optPaddingIdx(PADDING_IDX),
                1 / Math.sqrt(dModel),
                null,
                false);
        scale = (float) Math.sqrt(dModel);
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray lookup(NDArray table, NDArray indices, long[] ids) {
        return super.lookup(table, indices, ids).muli(Scalars.of(indices, scale)); // in place: backward needs only the scale
    }
}
