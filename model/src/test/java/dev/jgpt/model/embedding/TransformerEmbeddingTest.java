package dev.jgpt.model.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The token embedding, the two position tables and their sum with dropout. */
class TransformerEmbeddingTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(11);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private NDArray forward(Block block, NDArray input, boolean training) {
        return block.forward(new ParameterStore(manager, false), new NDList(input), training).singletonOrThrow();
    }

    @Test
    void tokenEmbeddingIsScaledAndItsOutputHasUnitVariance() {
        int dModel = 64;
        TokenEmbedding token = new TokenEmbedding(2000, dModel);
        token.initialize(manager, DataType.FLOAT32, new Shape(1));
        NDArray weight = token.getWeight().getArray();
        assertArrayEquals(new float[dModel], weight.get(TokenEmbedding.PADDING_IDX).toFloatArray());
        assertEquals(1 / Math.sqrt(dModel), weight.square().sum().div(1999 * dModel).sqrt().getFloat(), 0.005);

        NDArray ids = manager.arange(2, 2000, 1, DataType.INT64);
        NDArray out = forward(token, ids, false);
        assertArrayEquals(weight.get("2:").mul((float) Math.sqrt(dModel)).toFloatArray(), out.toFloatArray(), 1e-6f);
        assertEquals(1, out.square().mean().sqrt().getFloat(), 0.02);
    }

    @Test
    void sinusoidalTableFollowsTheFormulaForOddWidthsAndIsNoParameter() throws IOException {
        int dModel = 7;
        SinusoidalPositionalEncoding encoding = new SinusoidalPositionalEncoding(20, dModel);
        NDArray table = forward(encoding, manager.zeros(new Shape(3, 12), DataType.INT64), false);
        assertEquals(new Shape(12, dModel), table.getShape());
        float[] values = table.toFloatArray();
        for (int pos = 0; pos < 12; pos++) {
            for (int column = 0; column < dModel; column++) {
                double angle = pos / Math.pow(10000, (column - column % 2) / (double) dModel);
                double expected = column % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
                assertEquals(expected, values[pos * dModel + column], 1e-7, "PE[" + pos + ", " + column + "]");
            }
        }
        assertTrue(encoding.getParameters().isEmpty());
        ByteArrayOutputStream saved = new ByteArrayOutputStream();
        encoding.initialize(manager, DataType.FLOAT32, new Shape(3, 12));
        encoding.saveParameters(new DataOutputStream(saved));
        assertTrue(saved.size() < 20 * dModel * Float.BYTES, "the table is not saved: " + saved.size() + " bytes");
    }

    @Test
    void positionsBeyondTheTableAreRefused() {
        IllegalArgumentException error =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> forward(new SinusoidalPositionalEncoding(8, 4), manager.zeros(new Shape(1, 9), DataType.INT64), false));
        assertEquals("sequence length 9 exceeds the 8 positions of the table", error.getMessage());
    }

    @Test
    void learnedPositionsAreTheFirstRowsOfATrainedTable() {
        LearnedPositionalEmbedding positions = new LearnedPositionalEmbedding(16, 8);
        positions.initialize(manager, DataType.FLOAT32, new Shape(2, 5));
        NDArray weight = positions.getWeight().getArray();
        assertEquals(new Shape(16, 8), weight.getShape());
        assertTrue(weight.getGradient() != null);
        assertEquals(0.02, weight.square().mean().sqrt().getFloat(), 0.005);
        NDArray out = forward(positions, manager.zeros(new Shape(2, 5), DataType.INT64), false);
        assertArrayEquals(weight.get("0:5").toFloatArray(), out.toFloatArray());
    }

    @Test
    void sumOfTokenAndPositionWithDropoutOnlyInTraining() {
        TokenEmbedding token = new TokenEmbedding(10, 6);
        TransformerEmbedding embedding = new TransformerEmbedding(token, new SinusoidalPositionalEncoding(32, 6), 0.5f);
        NDArray ids = manager.create(new long[] {3, 1, 4, 1, 5, 9, 2, 6}, new Shape(2, 4));
        embedding.initialize(manager, DataType.FLOAT32, ids.getShape());

        NDArray expected = forward(token, ids, false).add(forward(new SinusoidalPositionalEncoding(32, 6), ids, false));
        NDArray eval = forward(embedding, ids, false);
        assertEquals(new Shape(2, 4, 6), eval.getShape());
        assertArrayEquals(expected.toFloatArray(), eval.toFloatArray());

        float[] kept = expected.mul(2).toFloatArray();
        float[] trained = forward(embedding, ids, true).toFloatArray();
        int dropped = 0;
        for (int i = 0; i < trained.length; i++) {
            if (trained[i] == 0) {
                dropped++;
            } else {
                assertEquals(kept[i], trained[i], 1e-5, "kept values are scaled by 1 / (1 - p)");
            }
        }
        assertTrue(dropped > 0 && dropped < trained.length, dropped + " of " + trained.length + " dropped");
        assertFalse(embedding.getParameters().isEmpty());
    }
}
