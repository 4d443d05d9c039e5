package dev.jgpt.model;

import dev.jgpt.model.embedding.TokenEmbedding;

/**
 * The shape of a {@link Gpt}: vocabulary, context length, depth and width, and the choices that
 * tell jgpt's default architecture from nanoGPT's.
 *
 * @param vocabSize number of token ids, reserved ones included
 * @param blockSize longest context the model sees
 * @param nLayer number of transformer blocks
 * @param nHead attention heads per block; must divide nEmbd
 * @param nEmbd width of the residual stream
 * @param dropout dropout rate in [0, 1), active only in training
 * @param positions sinusoidal (fixed) or learned position table
 * @param tieWeights whether the output head reuses the token embedding's weight
 * @param scaleEmbedding whether the token embedding's output is multiplied by sqrt(nEmbd)
 * @param paddingIdx the id whose embedding row stays zero and gets no gradient, or null for none
 * @param init how new weights are drawn (loaded weights ignore it)
 */
public record GptConfig(
        int vocabSize,
        int blockSize,
        int nLayer,
        int nHead,
        int nEmbd,
        float dropout,
        Positions positions,
        boolean tieWeights,
        boolean scaleEmbedding,
        Integer paddingIdx,
        Init init) {

    /** How positions are encoded. */
    public enum Positions {
        SINUSOIDAL,
        LEARNED
    }

    /**
     * How new linear weights are drawn: both N(0, 0.02²) with zero biases; GPT2 (nanoGPT's, the
     * default) draws the two projections per block that add into the residual stream from
     * N(0, (0.02/sqrt(2·n_layer))²) instead.
     */
    public enum Init {
        GPT2,
        PLAIN
    }

    /** Checks the numbers; a bad one gets a message naming it. */
    public GptConfig {
        requirePositive("vocab_size", vocabSize);
        requirePositive("block_size", blockSize);
        requirePositive("n_layer", nLayer);
        requirePositive("n_head", nHead);
        requirePositive("n_embd", nEmbd);
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException(
                    "n_embd must be a multiple of n_head, got n_embd " + nEmbd + " and n_head " + nHead);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (positions == null) {
            throw new IllegalArgumentException("positions must be sinusoidal or learned");
        }
        if (paddingIdx != null && (paddingIdx < 0 || paddingIdx >= vocabSize)) {
            throw new IllegalArgumentException(
                    "padding_idx must be in [0, " + vocabSize + ") or none, got " + paddingIdx);
        }
        if (init == null) {
            throw new IllegalArgumentException("init must be gpt2 or plain");
        }
    }

    /**
     * jgpt's default architecture: the token embedding scaled by sqrt(n_embd), padding id {@value
     * TokenEmbedding#PADDING_IDX}, GPT-2 init.
     */
    public GptConfig(
            int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, float dropout, Positions positions, boolean tieWeights) {
        this(vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, positions, tieWeights, true, TokenEmbedding.PADDING_IDX, Init.GPT2);
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    /** Width of one attention head. */
    public int headSize() {
        return nEmbd / nHead;
    }
}
