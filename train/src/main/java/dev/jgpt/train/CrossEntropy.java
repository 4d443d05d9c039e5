package dev.jgpt.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Batch;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.Scalars;

/**
 * Mean cross-entropy of logits (B, T, V) against targets (B, T), over targets that are neither
 * the padding id nor negative ({@link #IGNORED}). DJL's SoftmaxCrossEntropyLoss neither takes
 * (B, T, V) logits nor ignores an index, so the loss is written out: log-softmax, pick each
 * target's entry, mask, average.
 */
final class CrossEntropy {

    /** A target that does not count, for a vocabulary without a padding token (as nanoGPT's -1). */
    static final long IGNORED = Batch.IGNORED;

    private CrossEntropy() {}

    /** The loss of {@code gpt} on {@code batch}, in training mode (dropout on) or eval mode; its arrays live in {@code scope}. */
    static NDArray of(Gpt gpt, ParameterStore parameterStore, NDManager scope, Batch batch, boolean training) {
        Shape shape = new Shape(batch.batchSize(), batch.blockSize());
        NDArray logits = gpt.logits(parameterStore, scope.create(batch.inputs(), shape), training);
        return loss(logits, scope.create(batch.targets(), shape), batch.countedTargets(), gpt.config().paddingIdx());
    }

    /**
     * @param countedTargets how many targets count (known on the host, so no sync)
     * @param paddingId the padding id, whose targets do not count, or null for none
     */
    static NDArray loss(NDArray logits, NDArray targets, int countedTargets, Integer paddingId) {
        long vocab = logits.getShape().get(2);
        NDArray flatTargets = targets.reshape(-1, 1); // (N, 1)
        if (countedTargets == flatTargets.size()) {
            NDArray picked = logits.reshape(-1, vocab).logSoftmax(1).gather(flatTargets, 1); // (N, 1)
            return picked.sum().div(Scalars.of(picked, -Math.max(countedTargets, 1)));
        }
        NDArray counts = flatTargets.gte(0);
        if (paddingId != null) {
            counts = counts.logicalAnd(flatTargets.neq(paddingId));
        }
        NDArray picked = logits.reshape(-1, vocab).logSoftmax(1).gather(flatTargets.maximum(0), 1); // (N, 1)
        picked = picked.mul(counts.toType(DataType.FLOAT32, false));
        return picked.sum().div(Scalars.of(picked, -Math.max(countedTargets, 1)));
    }
}
