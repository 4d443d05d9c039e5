package dev.jgpt.model;

/**
 * The shape of a {@link Gpt}: vocabulary, context length, depth and width.
 *
 * @param vocabSize number of token ids, reserved ones included
 * @param blockSize longest context the model sees
 * @param nLayer number of transformer blocks
 * @param nHead attention heads per block; must divide nEmbd
 * @param nEmbd width of the residual stream
 * @param dropout dropout rate in [0, 1), active only in training
 * @param positions sinusoidal (fixed) or learned position table
 * @param tieWeights whether the output head reuses the token embedding's weight
 */
public record GptConfig(
        int vocabSize,
        int blockSize,
        int nLayer,
        int nHead,
        int nEmbd,
        float dropout,
        Positions positions,
        boolean tieWeights) {

    /** How positions are encoded. */
    public enum Positions {
        SINUSOIDAL,
        LEARNED
    }

    /** Checks the numbers; a bad one gets a message naming it. */
    public GptConfig {
        requirePositive("vocab_size", vocabSize);
        requirePositive("block_size", blockSize);
        requirePositive("n_layer", nLayer);
        requirePositive("n_head", nHead);
        requirePositive("n_embd", nEmbd);
        if (vocabSize < 2) {
            throw new IllegalArgumentException("vocab_size must be at least 2 (id 1 is <pad>), got " + vocabSize);
        }
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
