package dev.jgpt.train;

/**
 * Every random draw of a run comes from a generator seeded by (run seed, iteration, stream), so
 * the data order and dropout of step i are the same whether or not the run was stopped and resumed
 * before it: a resumed run needs to know only its iteration.
 */
final class Seeds {

    /** Streams: the training batches and dropout of a step, and the eval batches of each split. */
    static final int TRAIN = 0;
    static final int EVAL_TRAIN = 1;
    static final int EVAL_VAL = 2;

    private Seeds() {}

    static long of(long runSeed, int iter, int stream) {
        // SplitMix64's finaliser spreads nearby inputs over the whole 64-bit range.
        long z = runSeed * 0x9E3779B97F4A7C15L + iter * 0xBF58476D1CE4E5B9L + stream * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
