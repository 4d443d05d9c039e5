package dev.jgpt.data;

/**
 * One batch of training examples: {@code batchSize} rows of {@code blockSize} input ids and the
 * ids that follow them, both flattened row-major, so the id at row b, position t is at {@code b *
 * blockSize + t}.
 *
 * <p>A target equal to {@link Vocabulary#PAD} is padding and does not count in the loss, nor does
 * {@link #IGNORED}, the filler of a vocabulary without {@code <pad>} (nanoGPT's); {@code
 * countedTargets} is the number of targets that do.
 *
 * @param batchSize the number of rows, B
 * @param blockSize the number of positions in a row, T
 * @param inputs the B*T input ids
 * @param targets the B*T ids to predict, each the one after the input at the same place
 * @param countedTargets the number of targets that are not {@link Vocabulary#PAD}
 */
public record Batch(int batchSize, int blockSize, long[] inputs, long[] targets, int countedTargets) {

    /** A target that does not count, where the vocabulary has no {@code <pad>} (as nanoGPT's -1). */
    public static final long IGNORED = -1;

    /** Checks that both arrays hold {@code batchSize * blockSize} ids. */
    public Batch {
        int size = batchSize * blockSize;
        if (inputs.length != size || targets.length != size) {
            throw new IllegalArgumentException(
                    "a batch of " + batchSize + " x " + blockSize + " needs " + size
                            + " inputs and targets, got " + inputs.length + " and " + targets.length);
        }
    }
}
