package dev.jgpt.train.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Temperature, top-k and top-p as they shape the draw of the next token. */
class SamplerTest {

    private static final float[] LOGITS = {0.5f, 2.0f, 1.0f, -1.0f, 1.9f};

    private static int[] counts(float temperature, int topK, float topP) {
        Random random = new Random(3);
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < 20_000; i++) {
            counts[Sampler.draw(LOGITS, temperature, topK, topP, random)]++;
        }
        return counts;
    }

    /**
     * Past block_size the window jumps; cached and recomputed windows give the same text, whatever
     * the positions (rotary keys are cached rotated, at their position in the window).
     */
    @Test
    void kvCacheGivesTheSameTextAsRecomputing() {
        for (GptConfig.Positions positions : GptConfig.Positions.values()) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(9);
                Gpt gpt = new Gpt(new GptConfig(30, 8, 2, 2, 16, 0f, positions, false));
                gpt.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
                int[] prompt = {0, 5, 9, 7};
                int longest = 0;
                for (int seed = 0; seed < 10; seed++) {
                    int[] cached = new Sampler(gpt, manager, true, true).generate(prompt, 60, 1.5f, 0, 1f, new Random(seed));
                    int[] recomputed = new Sampler(gpt, manager, false, true).generate(prompt, 60, 1.5f, 0, 1f, new Random(seed));
                    assertArrayEquals(recomputed, cached, positions + ", seed " + seed);
                    longest = Math.max(longest, cached.length);
                }
                assertTrue(longest > 3 * 8, positions + ": some sample outgrows the window several times: " + longest);
            }
        }
    }

    /**
     * A sample ends at the first </s>, unless told to ignore it, as the benchmark does; <s>, <pad>
     * and <unk> are never drawn, nor </s> when it is ignored: every other token is a character.
     */
    @Test
    void endsAtEosUnlessToldToIgnoreItAndDrawsNoOtherSpecialToken() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(4);
            Gpt gpt = new Gpt(new GptConfig(6, 8, 1, 1, 8, 0f, GptConfig.Positions.SINUSOIDAL, false));
            gpt.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            int[] prompt = {Vocabulary.BOS};
            int[] stopped = new Sampler(gpt, manager, true, true).generate(prompt, 200, 2f, 0, 1f, new Random(1));
            int[] full = new Sampler(gpt, manager, true, false).generate(prompt, 200, 2f, 0, 1f, new Random(1));

            assertTrue(stopped.length < 200, "6 tokens at temperature 2 draw </s> within 200: " + stopped.length);
            assertEquals(Vocabulary.EOS, stopped[stopped.length - 1]);
            assertTrue(Arrays.stream(stopped, 0, stopped.length - 1).allMatch(id -> id > Vocabulary.UNK), Arrays.toString(stopped));
            assertEquals(200, full.length);
            assertTrue(Arrays.stream(full).allMatch(id -> id > Vocabulary.UNK), Arrays.toString(full));
        }
    }

    /** Each id reaches the caller as soon as it is drawn, in order, so that text can be printed as it comes. */
    @Test
    void handsEachTokenOverAsItIsDrawn() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(4);
            Gpt gpt = new Gpt(new GptConfig(12, 8, 1, 1, 8, 0f, GptConfig.Positions.SINUSOIDAL, false));
            gpt.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            java.util.List<Integer> seen = new java.util.ArrayList<>();
            int[] drawn = new Sampler(gpt, manager, true, false).generate(new int[] {5}, 30, 1f, 0, 1f, new Random(2), seen::add);
            assertArrayEquals(drawn, seen.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void neverDrawsAMinusInfinityLogit() {
        float[] logits = {Float.NEGATIVE_INFINITY, 3f, Float.NEGATIVE_INFINITY, 1f};
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            int id = Sampler.draw(logits, 1f, 0, 1f, random);
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
            assertArrayEquals(Arrays.copyOf(sorted, count), Sampler.mostLikelyFirst(logits, count), "the first " + count);
        }
    }
}
