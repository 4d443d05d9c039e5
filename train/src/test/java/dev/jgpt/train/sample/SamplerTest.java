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

/** Generation: windows, the KV cache against recomputing, </s>, and handing tokens over as they come. */
class SamplerTest {

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
}
