package dev.jgpt.train.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Temperature, top-k and top-p as they shape the draw of the next token. */
class TokenDrawTest {

    private static final float[] LOGITS = {0.5f, 2.0f, 1.0f, -1.0f, 1.9f};

    private static int[] counts(float temperature, int topK, float topP) {
        Random random = new Random(3);
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < 20_000; i++) {
            counts[TokenDraw.draw(LOGITS, temperature, topK, topP, random)]++;
        }
        return counts;
    }

    @Test
    void neverDrawsAMinusInfinityLogit() {
        float[] logits = {Float.NEGATIVE_INFINITY, 3f, Float.NEGATIVE_INFINITY, 1f};
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            int id = TokenDraw.draw(logits, 1f, 0, 1f, random);
            assertTrue(id == 1 || id == 3, "drew " + id);
        }
    }

    @Test
    void drawsFollowTheSoftmaxOfTheLogits() {
        int[] counts = counts(1f, 0, 1f);
        double total = 0;
        for (float logit : LOGITS) {
            total += Math.exp(logit);
        }
        for (int i = 0; i < LOGITS.length; i++) {
            assertEquals(Math.exp(LOGITS[i]) / total, counts[i] / 20_000.0, 0.01, "token " + i);
        }
    }

    @Test
    void topKKeepsOnlyTheMostLikely() {
        int[] counts = counts(1f, 2, 1f);
        assertEquals(20_000, counts[1] + counts[4]);
        double expected = Math.exp(2.0) / (Math.exp(2.0) + Math.exp(1.9));
        assertEquals(expected, counts[1] / 20_000.0, 0.01);
    }

    @Test
    void topPKeepsTheSmallestNucleus() {
        // p(1) = 0.39, p(4) = 0.35: a nucleus of 0.5 needs both, and nothing else.
        int[] counts = counts(1f, 0, 0.5f);
        assertEquals(20_000, counts[1] + counts[4]);
        assertEquals(20_000, counts(1f, 0, 0.3f)[1], "0.3 is reached by the top token alone");
    }

    @Test
    void lowTemperatureSharpensTheDistribution() {
        int[] cold = counts(0.1f, 0, 1f);
        int[] hot = counts(10f, 0, 1f);
        assertTrue(cold[1] > 0.7 * 20_000, "cold draws mostly the top token: " + cold[1]);
        assertTrue(hot[3] > 0.1 * 20_000, "hot draws the unlikely token too: " + hot[3]);
    }

    /**
     * The primitive sort orders ids as a stable sort of boxed ids by Float.compare, largest first,
     * does; the first k of them come out the same when only k are asked for (top-k).
     */
    @Test
    void mostLikelyFirstIsTheStableSortByLogit() {
        Random random = new Random(7);
        float[] special = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, -0.0f, 0.0f, Float.MIN_VALUE, -Float.MIN_VALUE};
        float[] logits = new float[5_000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = i % 10 == 0 ? special[random.nextInt(special.length)] : Math.round(random.nextGaussian() * 20) / 4f; // many ties
        }
        Integer[] expected = new Integer[logits.length];
        for (int i = 0; i < logits.length; i++) {
            expected[i] = i;
        }
        Arrays.sort(expected, (a, b) -> Float.compare(logits[b], logits[a]));
        int[] sorted = Arrays.stream(expected).mapToInt(Integer::intValue).toArray();
        for (int count : new int[] {logits.length, 1, 2, 200, 499, 500, 501, 4_999}) {
            assertArrayEquals(Arrays.copyOf(sorted, count), TokenDraw.mostLikelyFirst(logits, count), "the first " + count);
        }
    }
}
