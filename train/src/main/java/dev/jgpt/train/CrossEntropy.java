package dev.jgpt.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Scalars;

/**
 * Mean cross-entropy of logits (B, T, V) against targets (B, T), over targets that are not
 * {@code <pad>}. DJL's SoftmaxCrossEntropyLoss neither takes (B, T, V) logits nor ignores an index,
 * so the loss is written out: log-softmax, pick each target's entry, mask, average.
 */
final class CrossEntropy {

    private CrossEntropy() {}

    /**
     * @param countedTargets how many targets are not {@code <pad>} (known on the host, so no sync)
     */
    static NDArray loss(NDArray logits, NDArray targets, int countedTargets) {
        long vocab = logits.getShape().get(2);
        NDArray flatTargets = targets.reshape(-1, 1); // (N, 1)
        NDArray picked = logits.reshape(-1, vocab).logSoftmax(1).gather(flatTargets, 1); // (N, 1)
        if (countedTargets < flatTargets.size()) {
            picked = picked.mul(flatTargets.neq(Vocabulary.PAD).toType(DataType.FLOAT32, false));
        }
        return picked.sum().div(Scalars.of(picked, -Math.max(countedTargets, 1)));
    }
}
