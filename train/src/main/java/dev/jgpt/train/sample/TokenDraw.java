package dev.jgpt.train.sample;

import java.util.Arrays;
import java.util.Random;

/**
 * Draws the next token from a position's logits, as nanoGPT's sample.py: divided by the
 * temperature, cut to the top-k and to the top-p nucleus, then drawn with a seeded Java RNG
 * (DJL's randomMultinomial is not supported by the PyTorch engine).
 */
final class TokenDraw {

    private TokenDraw() {}

    /** Draws one id from the logits after temperature, top-k and top-p; a logit of -inf is never drawn. */
    static int draw(float[] logits, float temperature, int topK, float topP, Random random) {
        int vocab = logits.length;
        int kept = topK > 0 ? Math.min(topK, vocab) : vocab;
        int[] order = mostLikelyFirst(logits, kept);

        double max = logits[order[0]] / temperature;
        double[] weights = new double[kept];
        double total = 0;
        for (int r = 0; r < kept; r++) {
            weights[r] = Math.exp(logits[order[r]] / temperature - max);
            total += weights[r];
        }
        while (kept > 1 && weights[kept - 1] == 0) {
            kept--; // so that rounding at the end of the loop below cannot land on a left-out token
        }
        if (topP < 1) {
            double cumulative = 0;
            int nucleus = 0;
            while (nucleus < kept && cumulative < topP * total) {
                cumulative += weights[nucleus++];
            }
            kept = Math.max(nucleus, 1);
            total = cumulative;
        }
        double u = random.nextDouble() * total;
        for (int r = 0; r < kept; r++) {
            u -= weights[r];
            if (u < 0) {
                return order[r];
            }
        }
        return order[kept - 1];
    }

    /**
     * The {@code count} ids of largest logit, largest first, equal logits in id order
     * (Float.compare's order, as a stable sort gives it). Each id goes into a long under its
     * logit's bits, so that sorting primitives does what sorting boxed ids with a comparator did at
     * 30% of a 124M model's token; and only the {@code count} smallest keys are sorted, after a
     * selection puts them first: sorting all 50,257 of GPT-2's ids took half of a small model's
     * token, where top-k keeps 200.
     */
    static int[] mostLikelyFirst(float[] logits, int count) {
        long[] keys = new long[logits.length];
        for (int id = 0; id < logits.length; id++) {
            int bits = Float.floatToIntBits(logits[id]);
            int ascending = bits ^ ((bits >> 31) & 0x7fffffff); // as an int, ordered as Float.compare orders the floats
            keys[id] = ((long) ~ascending << 32) | id; // ~: largest logit first
        }
        if (count < keys.length) {
            selectSmallest(keys, count);
        }
        Arrays.sort(keys, 0, count);
        int[] order = new int[count];
        for (int rank = 0; rank < count; rank++) {
            order[rank] = (int) keys[rank]; // the low 32 bits: the id
        }
        return order;
    }

    /** Reorders {@code keys}, all distinct, so that its {@code count} smallest come first, in any order (quickselect). */
    private static void selectSmallest(long[] keys, int count) {
        int low = 0;
        int high = keys.length - 1;
        while (low < high) {
            long pivot = medianOfThree(keys[low], keys[(low + high) >>> 1], keys[high]);
            int i = low;
            int j = high;
            while (i <= j) { // Hoare's partition: keys[low..j] <= pivot <= keys[i..high]
                while (keys[i] < pivot) {
                    i++;
                }
                while (keys[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long swapped = keys[i];
                    keys[i++] = keys[j];
                    keys[j--] = swapped;
                }
            }
            if (count - 1 <= j) {
                high = j;
            } else if (count - 1 >= i) {
                low = i;
            } else {
                return; // keys[j+1..i-1] equal the pivot, and position count-1 lies among them
            }
        }
    }

    private static long medianOfThree(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
