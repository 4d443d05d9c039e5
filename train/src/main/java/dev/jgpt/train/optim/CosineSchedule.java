package dev.jgpt.train.optim;

/**
 * nanoGPT's learning rate schedule: a linear warmup to {@code learningRate}, a cosine decay to
 * {@code minLearningRate} at {@code decayIters}, then {@code minLearningRate} for good.
 *
 * @param learningRate the peak rate, reached as the warmup ends
 * @param minLearningRate the rate from {@code decayIters} on
 * @param warmupIters iterations of linear warmup, 0 for none
 * @param decayIters the iteration at which the decay reaches {@code minLearningRate}
 */
public record CosineSchedule(float learningRate, float minLearningRate, int warmupIters, int decayIters) {

    /** Checks that the rates are finite and not negative, and that the warmup is not negative. */
    public CosineSchedule {
        if (!(learningRate >= 0 && Float.isFinite(learningRate))) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
        }
        if (!(minLearningRate >= 0 && Float.isFinite(minLearningRate))) {
            throw new IllegalArgumentException("min learning rate must be finite and >= 0, got " + minLearningRate);
        }
        if (warmupIters < 0) {
            throw new IllegalArgumentException("warmup iterations must be >= 0, got " + warmupIters);
        }
    }

    /**
     * Returns the learning rate of iteration {@code iter} (counted from 0).
     *
     * @param iter the iteration
     * @return its learning rate
     */
    public float at(int iter) {
        if (iter < warmupIters) {
            return (float) ((double) learningRate * (iter + 1) / (warmupIters + 1));
        }
        if (iter > decayIters) {
            return minLearningRate;
        }
        // With decayIters == warmupIters the decay is a single point: its end.
        double decayRatio = decayIters == warmupIters
                ? 1
                : (double) (iter - warmupIters) / (decayIters - warmupIters);
        double coefficient = 0.5 * (1 + Math.cos(Math.PI * decayRatio));
        return (float) (minLearningRate + coefficient * ((double) learningRate - minLearningRate));
    }
}
