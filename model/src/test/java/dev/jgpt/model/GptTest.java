package dev.jgpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.embedding.TokenEmbedding;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GPT's shapes, causality, initial loss and save/load. */
class GptTest {

    private static final GptConfig TINY = new GptConfig(40, 16, 2, 2, 32, 0f, GptConfig.Positions.SINUSOIDAL, false);

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(3);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private Gpt initialized(GptConfig config) {
        Gpt gpt = new Gpt(config);
        gpt.initialize(manager, DataType.FLOAT32, new Shape(1, config.blockSize()));
        return gpt;
    }

    private NDArray randomTokens(GptConfig config, int batch, int time) {
        return manager.randomInteger(4, config.vocabSize(), new Shape(batch, time), DataType.INT64);
    }

    /** Sample standard deviation of every value of {@code array}. */
    private static double std(NDArray array) {
        float[] values = array.toFloatArray();
        double mean = 0;
        for (float value : values) {
            mean += value / (double) values.length;
        }
        double sum = 0;
        for (float value : values) {
            sum += (value - mean) * (value - mean);
        }
        return Math.sqrt(sum / (values.length - 1));
    }

    @Test
    void initDrawsResidualProjectionsSmallerOnlyForGpt2() {
        for (GptConfig.Init init : GptConfig.Init.values()) {
            GptConfig config = new GptConfig(40, 16, 8, 4, 128, 0f, GptConfig.Positions.SINUSOIDAL, false, true, 1, init,
                    GptConfig.DEFAULT_ROPE_BASE);
            java.util.Map<String, ai.djl.nn.Parameter> named = initialized(config).namedParameters();
            double expected = init == GptConfig.Init.GPT2 ? 0.02 / Math.sqrt(2 * 8) : 0.02;
            assertEquals(expected, std(named.get("transformer.h.3.attn.c_proj.weight").getArray()), expected * 0.05, init.name());
            assertEquals(expected, std(named.get("transformer.h.5.mlp.c_proj.weight").getArray()), expected * 0.05, init.name());
            assertEquals(0.02, std(named.get("transformer.h.3.mlp.c_fc.weight").getArray()), 0.001, init.name());
        }
    }

    /**
     * nanoGPT's architecture: no sqrt(C) factor (token weights start at N(0, 0.02²)), no padding id
     * (row 1 is drawn like the rest), and the parameters named and ordered as nanoGPT's.
     */
    @Test
    void anUnscaledEmbeddingWithoutPaddingIsNanoGpts() {
        GptConfig config = new GptConfig(40, 16, 2, 2, 32, 0f, GptConfig.Positions.LEARNED, true, false, null, GptConfig.Init.GPT2,
                GptConfig.DEFAULT_ROPE_BASE);
        Gpt gpt = initialized(config);
        java.util.Map<String, ai.djl.nn.Parameter> named = gpt.namedParameters();
        NDArray wte = named.get("transformer.wte.weight").getArray();
        assertEquals(0.02, std(wte), 0.002);
        assertFalse(wte.get(1).abs().sum().getFloat() == 0, "row 1 is not a padding row");
        assertEquals(java.util.List.of("transformer.wte.weight", "transformer.wpe.weight",
                "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias", "transformer.h.0.attn.c_attn.weight",
                "transformer.h.0.attn.c_attn.bias", "transformer.h.0.attn.c_proj.weight", "transformer.h.0.attn.c_proj.bias",
                "transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias", "transformer.h.0.mlp.c_fc.weight",
                "transformer.h.0.mlp.c_fc.bias", "transformer.h.0.mlp.c_proj.weight", "transformer.h.0.mlp.c_proj.bias"),
                java.util.List.copyOf(named.keySet()).subList(0, 14));
        assertEquals(2 + 12 * 2 + 2, named.size()); // tied: no lm_head of its own
        for (boolean scaled : new boolean[] {false, true}) { // unscaled, a lookup returns the row itself
            TokenEmbedding token = new TokenEmbedding(10, 4, null, scaled);
            token.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
            NDArray rows = token.forward(new ParameterStore(manager, false), new NDList(manager.create(new long[] {7, 1}, new Shape(1, 2))), false)
                    .singletonOrThrow();
            NDArray weight = token.getWeight().getArray();
            NDArray expected = weight.get(new NDIndex("{}", manager.create(new long[] {7, 1}))).mul(scaled ? 2f : 1f);
            assertArrayEquals(expected.toFloatArray(), rows.toFloatArray());
            assertEquals("TokenEmbedding(10, 4)", token.toString());
        }
    }

    @Test
    void logitsHaveOneRowPerPositionAndVocabularyEntry() {
        Gpt gpt = initialized(TINY);
        NDArray logits = gpt.logits(new ParameterStore(manager, false), randomTokens(TINY, 3, 10), false);
        assertEquals(new Shape(3, 10, 40), logits.getShape());
    }

    @Test
    void aPositionSeesOnlyThePast() {
        Gpt gpt = initialized(TINY);
        NDArray tokens = randomTokens(TINY, 1, 12);
        float[] before = gpt.logits(new ParameterStore(manager, false), tokens, false).get(":, :7").toFloatArray();
        NDArray changed = tokens.duplicate();
        changed.set(new NDIndex(0, 9), 5L);
        float[] after = gpt.logits(new ParameterStore(manager, false), changed, false).get(":, :7").toFloatArray();
        assertArrayEquals(before, after);
    }

    @Test
    void initialLossIsNearLogVocabulary() {
        for (boolean tied : new boolean[] {false, true}) {
            for (GptConfig.Positions positions : GptConfig.Positions.values()) {
                GptConfig config = new GptConfig(65, 32, 4, 4, 128, 0f, positions, tied);
                Gpt gpt = initialized(config);
                NDArray tokens = randomTokens(config, 8, 32);
                NDArray logits = gpt.logits(new ParameterStore(manager, false), tokens, false).reshape(-1, 65);
                NDArray targets = randomTokens(config, 8, 32).reshape(-1);
                float loss = logits.logSoftmax(1).mul(targets.oneHot(65)).sum(new int[] {1}).neg().mean().getFloat();
                assertEquals(Math.log(65), loss, 0.15, positions + " positions, tied " + tied);
            }
        }
    }

    @Test
    void cachedLogitsEqualTheFullForward() {
        for (GptConfig.Positions positions : GptConfig.Positions.values()) {
            GptConfig config = new GptConfig(40, 16, 2, 2, 32, 0f, positions, true);
            Gpt gpt = initialized(config);
            NDArray tokens = randomTokens(config, 2, 12);
            ParameterStore store = new ParameterStore(manager, false);
            float[] full = gpt.logits(store, tokens, false).toFloatArray();
            try (KvCache cache = gpt.newCache(manager)) {
                float[] prompt = gpt.nextLogits(store, tokens.get(":, :5"), cache).toFloatArray();
                for (int b = 0; b < 2; b++) {
                    for (int t = 0; t < 5; t++) {
                        assertRowClose(full, b, t, prompt, b * 5 + t, 40, positions + " prompt position " + t);
                    }
                }
                for (int t = 5; t < 12; t++) {
                    float[] step = gpt.nextLogits(store, tokens.get(":, " + t + ":" + (t + 1)), cache).toFloatArray();
                    assertEquals(t + 1, cache.length());
                    for (int b = 0; b < 2; b++) {
                        assertRowClose(full, b, t, step, b, 40, positions + " position " + t);
                    }
                }
            }
        }
    }

    /** Row (b, t) of full (B, 12, V) against row r of part. */
    private static void assertRowClose(float[] full, int b, int t, float[] part, int r, int vocab, String what) {
        float[] expected = java.util.Arrays.copyOfRange(full, (b * 12 + t) * vocab, (b * 12 + t + 1) * vocab);
        float[] actual = java.util.Arrays.copyOfRange(part, r * vocab, (r + 1) * vocab);
        assertArrayEquals(expected, actual, 1e-5f, what);
    }

    @Test
    void tiedWeightsShareTheTokenTable() {
        GptConfig tied = new GptConfig(40, 16, 2, 2, 32, 0f, GptConfig.Positions.SINUSOIDAL, true);
        assertEquals(initialized(TINY).parameterCount() - 40L * 32, initialized(tied).parameterCount());
    }

    @Test
    void savedAndLoadedModelGivesIdenticalLogits() throws IOException, MalformedModelException {
        Gpt gpt = initialized(TINY);
        NDArray tokens = randomTokens(TINY, 2, 16);
        float[] logits = gpt.logits(new ParameterStore(manager, false), tokens, false).toFloatArray();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        gpt.saveParameters(new DataOutputStream(bytes));

        Engine.getInstance().setRandomSeed(99);
        Gpt fresh = initialized(TINY);
        assertFalse(java.util.Arrays.equals(logits, fresh.logits(new ParameterStore(manager, false), tokens, false).toFloatArray()));
        fresh.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertArrayEquals(logits, fresh.logits(new ParameterStore(manager, false), tokens, false).toFloatArray());
    }

    @Test
    void badShapesAreRefusedWithTheirValues() {
        IllegalArgumentException heads =
                assertThrows(IllegalArgumentException.class, () -> new GptConfig(40, 16, 2, 3, 32, 0f, GptConfig.Positions.SINUSOIDAL, false));
        assertEquals("n_embd must be a multiple of n_head, got n_embd 32 and n_head 3", heads.getMessage());
        Gpt gpt = initialized(TINY);
        IllegalArgumentException tooLong =
                assertThrows(IllegalArgumentException.class, () -> gpt.logits(new ParameterStore(manager, false), randomTokens(TINY, 1, 17), false));
        assertEquals("sequence length 17 exceeds the 16 positions of the table", tooLong.getMessage());
    }

    @Test
    void attentionWeightsAreCausalDistributionsThatDoNotSeeTheFuture() {
        Gpt gpt = initialized(TINY);
        ParameterStore store = new ParameterStore(manager, false);
        NDArray tokens = randomTokens(TINY, 2, 9);
        NDList weights = gpt.attentionWeights(store, tokens);
        assertEquals(TINY.nLayer(), weights.size());
        for (NDArray layer : weights) {
            assertEquals(new Shape(2, TINY.nHead(), 9, 9), layer.getShape());
            float[] rowSums = layer.sum(new int[] {-1}).toFloatArray();
            for (float sum : rowSums) {
                assertEquals(1f, sum, 1e-5f);
            }
            float[] values = layer.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                int row = (i / 9) % 9;
                int column = i % 9;
                if (column > row) {
                    assertEquals(0f, values[i], "position " + row + " must not see position " + column);
                }
            }
        }
        // Changing the last token changes no earlier row; the first 5 rows are those of the 5-token prefix.
        NDArray changed = tokens.duplicate();
        changed.set(new NDIndex(":, 8"), 5);
        NDArray prefix = tokens.get(new NDIndex(":, :5"));
        NDList changedWeights = gpt.attentionWeights(store, changed);
        NDList prefixWeights = gpt.attentionWeights(store, prefix);
        for (int layer = 0; layer < TINY.nLayer(); layer++) {
            NDArray firstRows = weights.get(layer).get(new NDIndex(":, :, :8, :"));
            assertArrayEquals(firstRows.toFloatArray(), changedWeights.get(layer).get(new NDIndex(":, :, :8, :")).toFloatArray(), 1e-6f);
            assertArrayEquals(weights.get(layer).get(new NDIndex(":, :, :5, :5")).toFloatArray(), prefixWeights.get(layer).toFloatArray(), 1e-5f);
        }
    }
}
