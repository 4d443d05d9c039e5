package dev.jgpt.model.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * inf, NaN, -0.0 and subnormals pass through forward bit for bit, as PyTorch passes them, with
 * every combination of padding and frequency scaling (the golden cases compare -0.0 and 0.0 as
 * equal; this compares bits).
 */
class EmbeddingSpecialValuesTest {

    private static final float SUBNORMAL = 1e-40f;
    /** Row 0: one of each special value; row 1 (the padding row below): likewise, reversed. */
    private static final float[] WEIGHT = {
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -0f, SUBNORMAL, -SUBNORMAL,
        -SUBNORMAL, SUBNORMAL, -0f, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
        0.5f, -1.5f, 2f, -0f, 0f, 3f,
    };

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
        }
    }

    /** The rows of WEIGHT (3×6) at ids, each multiplied by scale. */
    private static float[] rowsOf(long[] ids, float scale) {
        float[] out = new float[ids.length * 6];
        for (int i = 0; i < ids.length; i++) {
            for (int d = 0; d < 6; d++) {
                out[i * 6 + d] = WEIGHT[(int) ids[i] * 6 + d] * scale;
            }
        }
        return out;
    }

    private float[] forward(Block block, long[] ids, boolean training) {
        block.initialize(manager, DataType.FLOAT32, new Shape(ids.length));
        block.getParameters().get("weight").getArray().set(WEIGHT);
        NDArray input = manager.create(ids);
        if (!training) {
            return block.forward(new ParameterStore(manager, false), new NDList(input), false).singletonOrThrow().toFloatArray();
        }
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = block.forward(new ParameterStore(manager, false), new NDList(input), true).singletonOrThrow();
            collector.backward(out.sum());
            return out.toFloatArray();
        }
    }

    @Test
    void forwardKeepsEveryValueWithEveryOptionCombination() {
        long[] ids = {0, 1, 2, 0, 1, 0};
        for (boolean padding : new boolean[] {false, true}) {
            for (boolean scaleGradByFreq : new boolean[] {false, true}) {
                for (boolean training : new boolean[] {false, true}) {
                    Embedding embedding =
                            Embedding.builder()
                                    .setNumEmbeddings(3)
                                    .setEmbeddingDim(6)
                                    .optPaddingIdx(padding ? 1 : null)
                                    .optScaleGradByFreq(scaleGradByFreq)
                                    .build();
                    assertBits(rowsOf(ids, 1f), forward(embedding, ids, training), embedding + ", training " + training);
                }
            }
        }
    }

    @Test
    void tokenEmbeddingScalesEveryValueAsPytorchDoes() {
        long[] ids = {1, 0, 2, 1};
        TokenEmbedding token = new TokenEmbedding.Builder().setNumEmbeddings(3).setEmbeddingDim(6).optScaleGradByFreq(true).build();
        assertBits(rowsOf(ids, (float) Math.sqrt(6)), forward(token, ids, true), token.toString());
    }

    @Test
    void gradientFromPaddingPositionsIsSelectedAwayEvenWhenInfiniteOrNan() {
        Embedding embedding = Embedding.builder().setNumEmbeddings(3).setEmbeddingDim(2).optPaddingIdx(1).optScaleGradByFreq(true).build();
        embedding.initialize(manager, DataType.FLOAT32, new Shape(4));
        NDArray ids = manager.create(new long[] {1, 2, 1, 2});
        NDArray gradOutput = manager.create(new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1, 2, Float.NEGATIVE_INFINITY, 5, 3, -0f}, new Shape(4, 2));
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = embedding.forward(new ParameterStore(manager, false), new NDList(ids), true).singletonOrThrow();
            collector.backward(out.mul(gradOutput).sum());
        }
        // Row 2 occurs twice: (1 + 3) / 2 and (2 + -0) / 2; the padding row gets exactly zero.
        assertBits(new float[] {0, 0, 0, 0, 2, 1}, embedding.getWeight().getArray().getGradient().toFloatArray(), "gradient");
    }

    @Test
    void maxNormTurnsInfiniteRowsIntoNanAndLeavesNanRowsAsPytorchDoes() {
        // torch: a row with an inf has norm inf > max_norm, scale max_norm / inf = 0, and inf * 0 = NaN;
        // a NaN norm exceeds nothing, so that row is left alone.
        NDArray weight = manager.create(new float[] {Float.POSITIVE_INFINITY, -0f, -3f, Float.NaN, 1f, 0.5f, 3f, 4f}, new Shape(4, 2));
        NDArray out = EmbeddingFunction.embedding(manager.create(new long[] {0, 1, 3}), weight, null, 1.0, 2, false, false);
        float scale = (float) (1.0 / (5 + 1e-7));
        float[] expectedWeight = {Float.NaN, -0f, -3f, Float.NaN, 1f, 0.5f, 3 * scale, 4 * scale};
        assertBits(expectedWeight, weight.toFloatArray(), "weight after forward");
        assertBits(new float[] {Float.NaN, -0f, -3f, Float.NaN, 3 * scale, 4 * scale}, out.toFloatArray(), "output");
    }
}
