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
 * @param positions sinusoidal (fixed) or learned position table, or rotary positions in attention
 * @param tieWeights whether the output head reuses the token embedding's weight
 * @param scaleEmbedding whether the token embedding's output is multiplied by sqrt(nEmbd)
 * @param paddingIdx the id whose embedding row stays zero and gets no gradient, or null for none
 * @param init how new weights are drawn (loaded weights ignore it)
 * @param ropeBase the base of rotary positions' angles (see {@link Positions#ROPE}); other kinds ignore it
 * @param activation the MLP's GELU: exact (erf, jgpt's and nanoGPT's) or GPT-2's tanh approximation
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
        Init init,
        double ropeBase,
        Activation activation) {

    /** The rotary base of Llama and GPT-NeoX, and jgpt's default. */
    public static final double DEFAULT_ROPE_BASE = 10_000;

    /** How positions are encoded. */
    public enum Positions {
        /** A fixed sinusoidal table added to the token embedding. */
        SINUSOIDAL,
        /** A learned table added to the token embedding (GPT-2's wpe). */
        LEARNED,
        /**
         * Rotary positions (GPT-NeoX / Llama "rotate half"): nothing is added to the token embedding;
         * each head's queries and keys are rotated by angles position · ropeBase^(−2j/head_size).
         */
        ROPE;

        /** The name flags and config.json use: sinusoidal, learned or rope. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The kind a flag or config.json names, or null when {@code label} names none. */
        public static Positions of(String label) {
            for (Positions kind : values()) {
                if (kind.label().equals(label)) {
                    return kind;
                }
            }
            return null;
        }
    }

    /** The MLP's activation. */
    public enum Activation {
        /** Exact GELU, x·Φ(x) (PyTorch's F.gelu, nanoGPT's). */
        GELU,
        /** GPT-2's tanh approximation, 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))) (Hugging Face's gelu_new). */
        GELU_NEW;

        /** The name flags and config.json use: gelu or gelu_new. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The activation a flag or config.json names, or null when {@code label} names none. */
        public static Activation of(String label) {
            for (Activation kind : values()) {
                if (kind.label().equals(label)) {
                    return kind;
                }
            }
            return null;
        }
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
            throw new IllegalArgumentException("positions must be sinusoidal, learned or rope");
        }
        if (!(ropeBase > 0 && Double.isFinite(ropeBase))) {
            throw new IllegalArgumentException("rope_base must be a finite number > 0, got " + ropeBase);
        }
        if (positions == Positions.ROPE && (nEmbd / nHead) % 2 != 0) {
            throw new IllegalArgumentException(
                    "rotary positions need an even head size, got n_embd / n_head = " + nEmbd + " / " + nHead + " = " + nEmbd / nHead);
        }
        if (paddingIdx != null && (paddingIdx < 0 || paddingIdx >= vocabSize)) {
            throw new IllegalArgumentException(
                    "padding_idx must be in [0, " + vocabSize + ") or none, got " + paddingIdx);
        }
        if (init == null) {
            throw new IllegalArgumentException("init must be gpt2 or plain");
        }
        if (activation == null) {
            throw new IllegalArgumentException("activation must be gelu or gelu_new");
        }
    }

    /** A model with jgpt's exact GELU. */
    public GptConfig(
            int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, float dropout, Positions positions, boolean tieWeights,
            boolean scaleEmbedding, Integer paddingIdx, Init init, double ropeBase) {
        this(vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, positions, tieWeights, scaleEmbedding, paddingIdx, init, ropeBase,
                Activation.GELU);
    }

    /**
     * jgpt's default architecture: the token embedding scaled by sqrt(n_embd), padding id {@value
     * TokenEmbedding#PADDING_IDX}, GPT-2 init, rotary base {@value #DEFAULT_ROPE_BASE}, exact GELU.
     */
    public GptConfig(
            int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, float dropout, Positions positions, boolean tieWeights) {
        this(vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, positions, tieWeights, true, TokenEmbedding.PADDING_IDX, Init.GPT2,
                DEFAULT_ROPE_BASE);
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
