package dev.jgpt.train;

import java.util.Locale;

/**
 * How far a run is and how fast it goes, from the time of the training steps themselves: the
 * caller times each step and each evaluation and hands the durations in, so that evaluating and
 * saving never leak into ms/iter. Speed is the mean over the steps since the last log line; the
 * ETA uses a moving average of step times plus the last evaluation's time for each evaluation left.
 */
final class Progress {

    /** Weight of the newest step in the moving average: about the last 50 steps count. */
    private static final double SMOOTHING = 0.02;

    private final int maxIters;
    private final int evalInterval;

    private long windowNanos;
    private int windowSteps;
    private double averageStepNanos = Double.NaN;
    private long lastEvaluationNanos;

    Progress(int maxIters, int evalInterval) {
        this.maxIters = maxIters;
        this.evalInterval = evalInterval;
    }

    /** One training step took {@code nanos}. */
    void stepDone(long nanos) {
        windowNanos += nanos;
        windowSteps++;
        averageStepNanos = Double.isNaN(averageStepNanos) ? nanos : averageStepNanos + SMOOTHING * (nanos - averageStepNanos);
    }

    /** One evaluation (with its save) took {@code nanos}. */
    void evaluationDone(long nanos) {
        lastEvaluationNanos = nanos;
    }

    /** Mean milliseconds per step since the last call, which starts a new window. */
    double takeMsPerStep() {
        double ms = windowSteps == 0 ? Double.NaN : windowNanos / 1e6 / windowSteps;
        windowNanos = 0;
        windowSteps = 0;
        return ms;
    }

    /** "iter 250/2000 (12%)" for the step of iteration {@code iter}. */
    String position(int iter) {
        return String.format(Locale.ROOT, "iter %d/%d (%d%%)", iter, maxIters, (int) (100L * (iter + 1) / maxIters));
    }

    /** Estimated time left once the step of iteration {@code iter} is done, as "m:ss" or "h:mm:ss". */
    String eta(int iter) {
        int stepsLeft = maxIters - (iter + 1);
        // Evaluations come at every multiple of eval_interval after this step, and at max_iters.
        int evaluationsLeft = evalInterval > 0
                ? maxIters / evalInterval - iter / evalInterval + (maxIters % evalInterval == 0 ? 0 : 1)
                : 1;
        double nanos = stepsLeft * (Double.isNaN(averageStepNanos) ? 0 : averageStepNanos) + (double) evaluationsLeft * lastEvaluationNanos;
        long seconds = Math.round(nanos / 1e9);
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
