package dev.jgpt.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Batch;
import dev.jgpt.model.Gpt;

/**
 * The loss of a model over a whole token stream, in eval mode: the stream is cut into consecutive
 * windows of block_size + 1 tokens (each predicting the next block_size), batched, and the
 * per-token losses averaged over every target that is not the model's padding id.
 */
public final class Evaluation {

    /** Mean loss per token, its perplexity, and how many targets it counted. */
    public record Result(double loss, long targets) {
        public double perplexity() {
            return Math.exp(loss);
        }
    }

    private Evaluation() {}

    public static Result evaluate(Gpt gpt, NDManager manager, int[] tokens, int batchSize) {
        int blockSize = gpt.config().blockSize();
        Integer paddingId = gpt.config().paddingIdx();
        ParameterStore parameterStore = new ParameterStore(manager, false);
        double lossSum = 0;
        long counted = 0;
        int windows = Math.max(0, (tokens.length - 1 + blockSize - 1) / blockSize);
        for (int first = 0; first < windows; first += batchSize) {
            int rows = Math.min(batchSize, windows - first);
            Batch batch = windows(tokens, first, rows, blockSize, paddingId);
            if (batch.countedTargets() == 0) {
                continue;
            }
            try (NDManager scope = manager.newSubManager()) {
                Shape shape = new Shape(rows, blockSize);
                NDArray logits = gpt.logits(parameterStore, scope.create(batch.inputs(), shape), false);
                float meanLoss = CrossEntropy.loss(logits, scope.create(batch.targets(), shape), batch.countedTargets(), paddingId).getFloat();
                lossSum += (double) meanLoss * batch.countedTargets();
                counted += batch.countedTargets();
            }
        }
        if (counted == 0) {
            throw new IllegalArgumentException("nothing to evaluate: the text has fewer than 2 tokens");
        }
        return new Result(lossSum / counted, counted);
    }

    /**
     * Rows of consecutive windows starting at window {@code first}; the last one padded with the
     * padding id, or, without one, with inputs 0 and ignored targets (after the text, so that no
     * real position attends to them).
     */
    private static Batch windows(int[] tokens, int first, int rows, int blockSize, Integer paddingId) {
        long fillerInput = paddingId == null ? 0 : paddingId;
        long fillerTarget = paddingId == null ? CrossEntropy.IGNORED : paddingId;
        long[] inputs = new long[rows * blockSize];
        long[] targets = new long[rows * blockSize];
        int counted = 0;
        for (int r = 0; r < rows; r++) {
            int start = (first + r) * blockSize;
            for (int t = 0; t < blockSize; t++) {
                int position = start + t;
                boolean inside = position + 1 < tokens.length;
                inputs[r * blockSize + t] = inside ? tokens[position] : fillerInput;
                targets[r * blockSize + t] = inside ? tokens[position + 1] : fillerTarget;
                counted += inside && (paddingId == null || tokens[position + 1] != paddingId) ? 1 : 0;
            }
        }
        return new Batch(rows, blockSize, inputs, targets, counted);
    }
}
