package dev.jgpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The plain-Java decoder gives the logits of the model's own forward pass, position by position. */
class JavaDecoderTest {

    private static final int VOCAB = 23;
    private static final int BLOCK = 12;

    /** Every architecture choice the decoder reads: positions, tied head, embedding scale, padding, GELU. */
    private static List<GptConfig> configs() {
        return List.of(
                new GptConfig(VOCAB, BLOCK, 2, 2, 16, 0.1f, GptConfig.Positions.SINUSOIDAL, true),
                new GptConfig(VOCAB, BLOCK, 3, 4, 16, 0f, GptConfig.Positions.LEARNED, false),
                new GptConfig(VOCAB, BLOCK, 2, 2, 24, 0f, GptConfig.Positions.ROPE, true, true, 1, GptConfig.Init.PLAIN, 500),
                new GptConfig(VOCAB, BLOCK, 2, 3, 24, 0f, GptConfig.Positions.LEARNED, true, false, null, GptConfig.Init.GPT2,
                        GptConfig.DEFAULT_ROPE_BASE, GptConfig.Activation.GELU_NEW),
                new GptConfig(VOCAB, BLOCK, 1, 2, 16, 0f, GptConfig.Positions.ROPE, false, false, null, GptConfig.Init.GPT2,
                        GptConfig.DEFAULT_ROPE_BASE, GptConfig.Activation.GELU_NEW));
    }

    @Test
    void givesTheModelsLogitsAtEveryPosition() {
        for (GptConfig config : configs()) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Gpt gpt = randomModel(config, manager, 5);
                int[] tokens = new Random(config.hashCode()).ints(BLOCK, 0, VOCAB).toArray();
                float[][] expected = modelLogits(gpt, manager, tokens);
                JavaDecoder decoder = new JavaDecoder(gpt);
                for (int t = 0; t < BLOCK; t++) {
                    assertEquals(t, decoder.length());
                    assertClose(expected[t], decoder.run(tokens, t, t + 1), config + ", position " + t);
                }
            }
        }
    }

    /** Several positions in one call (a prompt, a jumped window) give what one at a time gives. */
    @Test
    void runsSeveralPositionsAtOnce() {
        for (GptConfig config : configs()) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Gpt gpt = randomModel(config, manager, 8);
                int[] tokens = new Random(config.hashCode() + 1).ints(BLOCK, 0, VOCAB).toArray();
                float[][] expected = modelLogits(gpt, manager, tokens);
                JavaDecoder decoder = new JavaDecoder(gpt);
                assertClose(expected[4], decoder.run(tokens, 0, 5), config + ", positions 0 to 4");
                assertClose(expected[5], decoder.run(tokens, 5, 6), config + ", position 5");
                assertClose(expected[BLOCK - 1], decoder.run(tokens, 6, BLOCK), config + ", positions 6 to 11");
                decoder.clear();
                assertClose(expected[BLOCK - 1], decoder.run(tokens, 0, BLOCK), config + ", the whole window");
            }
        }
    }

    @Test
    void startsOverAfterClearAndRefusesAFullWindow() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = randomModel(configs().get(2), manager, 6);
            JavaDecoder decoder = new JavaDecoder(gpt);
            int[] tokens = new Random(2).ints(BLOCK, 0, VOCAB).toArray();
            float[] first = decoder.run(tokens, 0, 1);
            decoder.run(tokens, 1, BLOCK - 1);
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> decoder.run(tokens, 0, 2));
            assertEquals("the cache holds 11 of block_size (12) positions: 2 more do not fit", full.getMessage());
            decoder.run(tokens, 0, 1);
            decoder.clear();
            assertEquals(0, decoder.length());
            assertArrayEquals(first, decoder.run(tokens, 0, 1));
            IllegalArgumentException outside = assertThrows(IllegalArgumentException.class, () -> decoder.run(new int[] {VOCAB}, 0, 1));
            assertEquals("token id 23 is outside the vocabulary of 23", outside.getMessage());
        }
    }

    /** The decoder copies the weights: training the model afterwards does not change its logits. */
    @Test
    void keepsTheWeightsItWasMadeWith() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = randomModel(configs().get(1), manager, 7);
            JavaDecoder decoder = new JavaDecoder(gpt);
            int[] token = {3};
            float[] before = new JavaDecoder(gpt).run(token, 0, 1);
            gpt.getParameters().values().forEach(p -> p.getArray().muli(2));
            assertArrayEquals(before, decoder.run(token, 0, 1));
        }
    }

    /**
     * Within 1e-6: both compute 1 + erf(x/√2) in float, each its own way, which keeps only a few
     * digits of the small values of large negative x (at x = -4 libtorch's is 0.4% off the true one).
     */
    @Test
    void geluMatchesLibtorchs() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] inputs = new float[4001];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = -10f + i * 0.005f;
            }
            float[] torch = Activation.gelu(manager.create(inputs)).toFloatArray();
            float[] java = inputs.clone();
            JavaDecoder.gelu(java);
            for (int i = 0; i < inputs.length; i++) {
                assertEquals(torch[i], java[i], 1e-6 + 1e-6 * Math.abs(torch[i]), "gelu(" + inputs[i] + ")");
            }
        }
    }

    /** erf against its values to 16 digits (Python's math.erf). */
    @Test
    void erfIsAccurateToAFewFloatSteps() {
        double[][] known = {{0, 0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
                {2, 0.9953222650189527}, {3, 0.9999779095030014}, {5, 0.9999999999984626}};
        for (double[] pair : known) {
            float x = (float) pair[0];
            assertEquals(pair[1], JavaDecoder.erf(x), 3e-7 * pair[1] + 1e-9, "erf(" + x + ")");
            assertEquals(-pair[1], JavaDecoder.erf(-x), 3e-7 * pair[1] + 1e-9, "erf(" + -x + ")");
        }
    }

    /** A model of {@code config} whose every weight, norm and bias is random, so that none can be read wrong unnoticed. */
    private static Gpt randomModel(GptConfig config, NDManager manager, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        Gpt gpt = new Gpt(config);
        gpt.initialize(manager, DataType.FLOAT32, new Shape(1, BLOCK));
        for (Parameter parameter : gpt.getParameters().values().stream().distinct().toList()) {
            NDArray array = parameter.getArray();
            array.addi(manager.randomNormal(0, 0.3f, array.getShape(), DataType.FLOAT32));
        }
        return gpt;
    }

    /** The model's own eval-mode logits (T, vocab) for the whole sequence at once. */
    private static float[][] modelLogits(Gpt gpt, NDManager manager, int[] tokens) {
        try (NDManager scope = manager.newSubManager()) {
            long[] ids = new long[tokens.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = tokens[i];
            }
            float[] all = gpt.logits(new ParameterStore(scope, false), scope.create(ids, new Shape(1, ids.length)), false)
                    .toFloatArray();
            float[][] rows = new float[tokens.length][VOCAB];
            for (int t = 0; t < tokens.length; t++) {
                System.arraycopy(all, t * VOCAB, rows[t], 0, VOCAB);
            }
            return rows;
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-5 * (1 + Math.abs(expected[i])), what + ", logit " + i);
        }
    }
}
