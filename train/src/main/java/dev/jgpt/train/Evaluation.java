package dev.jgpt.train;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Batch;
import dev.jgpt.data.Corpus;
import dev.jgpt.data.EvaluationWindows;
import dev.jgpt.data.Split;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.data.Window;
import dev.jgpt.model.Gpt;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The loss of a model over whole splits, in eval mode, as training sees them: a text is cut into
 * consecutive windows of block_size + 1 tokens, a document into its own windows, never joined to
 * the next (see {@link EvaluationWindows}). On a big corpus at most {@code maxTargets} targets are
 * scored, on evenly spaced windows, so that evaluation ends in bounded time. No autograd graph is
 * recorded, on whatever thread calls it. Targets that are the model's padding id do not count.
 */
public final class Evaluation {

    /** The default bound on scored targets ({@code --eval-tokens}): a few seconds of the default model. */
    public static final long DEFAULT_MAX_TARGETS = 1_000_000;

    /**
     * The most logits one forward pass computes (256 MiB of floats): a window of GPT-2's 1,024
     * tokens over its 50,257 ids holds 51M, so 32 of them would need 6.6 GB, with as much again
     * for the loss.
     */
    static final long MAX_LOGITS_PER_PASS = 64L << 20;

    /**
     * Mean loss per token, its perplexity, how many targets it counted and how many the splits hold.
     *
     * @param targets the targets scored
     * @param splitTargets the targets of the whole splits, scored or not
     */
    public record Result(double loss, long targets, long splitTargets, long bytes) {
        public double perplexity() {
            return Math.exp(loss);
        }

        /** The loss in bits per UTF-8 byte of the targets' text, which compares across tokenizers: Σ nats / (ln 2 · bytes). */
        public double bitsPerByte() {
            return loss * targets / (Math.log(2) * bytes);
        }

        /**
         * "111,539 targets" (every token of a split but its first is a target), or "1,000,000 of
         * 223,000,000 targets, evenly spaced windows" when bounded.
         */
        public String tokensScored() {
            return targets == splitTargets
                    ? String.format(Locale.ROOT, "%,d targets", targets)
                    : String.format(Locale.ROOT, "%,d of %,d targets, evenly spaced windows", targets, splitTargets);
        }
    }

    private Evaluation() {}

    /**
     * Scores {@code splits} of {@code corpus}, {@code batchSize} windows per forward pass, fewer
     * where their logits would pass {@link #MAX_LOGITS_PER_PASS} (at least one).
     *
     * @param maxTargets the most targets to score over all the splits, shared in proportion to their
     *     sizes; 0 for all of them
     */
    public static Result evaluate(Gpt gpt, NDManager manager, Corpus corpus, List<Split> splits, long maxTargets,
            int batchSize) {
        if (maxTargets < 0) {
            throw new IllegalArgumentException("--eval-tokens must be >= 0 (0: all), got " + maxTargets);
        }
        int blockSize = gpt.config().blockSize();
        int windowsPerPass = windowsPerPass(batchSize, blockSize, gpt.config().vocabSize());
        ParameterStore parameterStore = new ParameterStore(manager, false);
        long total = splits.stream().mapToLong(corpus::tokenCount).sum();
        double lossSum = 0;
        long counted = 0;
        long bytes = 0;
        long splitTargets = 0;
        try (NoGrad noGrad = new NoGrad()) {
            for (Split split : splits) {
                long share = maxTargets == 0 ? 0
                        : Math.max(1, (long) ((double) maxTargets * corpus.tokenCount(split) / Math.max(1, total)));
                EvaluationWindows windows = corpus.evaluationWindows(split, blockSize, share);
                splitTargets += windows.splitTargets();
                List<Window> rows = new ArrayList<>(windowsPerPass);
                while (windows.hasNext()) {
                    rows.add(windows.next());
                    if (rows.size() == windowsPerPass || !windows.hasNext()) {
                        Batch batch = corpus.batch(split, rows, blockSize);
                        rows.clear();
                        if (batch.countedTargets() == 0) {
                            continue;
                        }
                        try (NDManager scope = manager.newSubManager()) {
                            float meanLoss = CrossEntropy.of(gpt, parameterStore, scope, batch, false).getFloat();
                            lossSum += (double) meanLoss * batch.countedTargets();
                            counted += batch.countedTargets();
                            bytes += targetBytes(batch, corpus.tokenizer(), gpt.config().paddingIdx());
                        }
                    }
                }
            }
        }
        if (counted == 0) {
            throw new IllegalArgumentException("nothing to evaluate: the text has fewer than 2 tokens");
        }
        return new Result(lossSum / counted, counted, splitTargets, bytes);
    }

    /** {@code batchSize}, or fewer windows where their logits would pass {@link #MAX_LOGITS_PER_PASS}; at least one. */
    static int windowsPerPass(int batchSize, int blockSize, int vocabSize) {
        return (int) Math.max(1, Math.min(batchSize, MAX_LOGITS_PER_PASS / ((long) blockSize * vocabSize)));
    }

    /** The UTF-8 bytes of the text of the targets that count (not padding, not ignored). */
    static long targetBytes(Batch batch, Tokenizer tokenizer, Integer paddingId) {
        long bytes = 0;
        for (long target : batch.targets()) {
            if (target != Batch.IGNORED && (paddingId == null || target != paddingId)) {
                bytes += tokenizer.bytes((int) target).length;
            }
        }
        return bytes;
    }
}
