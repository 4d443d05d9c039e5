package dev.jgpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rotary positions: the "rotate half" formula, relative positions, and the model they make. */
class RotaryPositionsTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(5);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static GptConfig rope(int blockSize, int nHead, int nEmbd, double base) {
        return new GptConfig(30, blockSize, 1, nHead, nEmbd, 0f, GptConfig.Positions.ROPE, false, true, 1, GptConfig.Init.GPT2, base);
    }

    private RotaryPositions initialized(GptConfig config) {
        RotaryPositions rotary = new RotaryPositions(config);
        rotary.initialize(manager);
        return rotary;
    }

    /** x (1, nh, T, hs) rotated for positions from {@code start}. */
    private float[] rotated(RotaryPositions rotary, NDArray x, int start) {
        NDArray tokens = manager.zeros(new Shape(1, x.getShape().get(2)), DataType.INT64);
        return rotary.rotation(tokens, x, start).rotate(x).toFloatArray();
    }

    @Test
    void pairsDimensionJWithJPlusHalfAndTurnsItByPositionTimesBasePower() {
        int hs = 8;
        int time = 5;
        int start = 3;
        for (double base : new double[] {GptConfig.DEFAULT_ROPE_BASE, 500}) {
            RotaryPositions rotary = initialized(rope(16, 2, 2 * hs, base));
            NDArray x = manager.randomNormal(new Shape(1, 2, time, hs));
            float[] in = x.toFloatArray();
            float[] out = rotated(rotary, x, start);
            for (int head = 0; head < 2; head++) {
                for (int t = 0; t < time; t++) {
                    int row = (head * time + t) * hs;
                    for (int j = 0; j < hs / 2; j++) {
                        double angle = (start + t) * Math.pow(base, -2.0 * j / hs);
                        double a = in[row + j];
                        double b = in[row + j + hs / 2];
                        String where = "base " + base + ", head " + head + ", position " + (start + t) + ", pair " + j;
                        assertEquals(a * Math.cos(angle) - b * Math.sin(angle), out[row + j], 1e-5, where);
                        assertEquals(b * Math.cos(angle) + a * Math.sin(angle), out[row + j + hs / 2], 1e-5, where);
                    }
                }
            }
        }
    }

    @Test
    void aScoreDependsOnlyOnHowFarApartQueryAndKeyAre() {
        RotaryPositions rotary = initialized(rope(32, 1, 16, GptConfig.DEFAULT_ROPE_BASE));
        NDArray q = manager.randomNormal(new Shape(1, 1, 1, 16));
        NDArray k = manager.randomNormal(new Shape(1, 1, 1, 16));
        double near = dot(rotated(rotary, q, 9), rotated(rotary, k, 4));
        double shifted = dot(rotated(rotary, q, 29), rotated(rotary, k, 24));
        double further = dot(rotated(rotary, q, 29), rotated(rotary, k, 4));
        assertEquals(near, shifted, 1e-4);
        assertNotEquals(near, further, 1e-2);
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    @Test
    void aRopeModelHasNoPositionParameters() {
        GptConfig config = rope(16, 2, 16, GptConfig.DEFAULT_ROPE_BASE);
        GptConfig sinusoidal =
                new GptConfig(30, 16, 1, 2, 16, 0f, GptConfig.Positions.SINUSOIDAL, false, true, 1, GptConfig.Init.GPT2, 10_000);
        Gpt gpt = new Gpt(config);
        gpt.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
        Gpt other = new Gpt(sinusoidal);
        other.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
        assertEquals(other.parameterCount(), gpt.parameterCount());
        assertEquals(other.namedParameters().keySet(), gpt.namedParameters().keySet());
    }

    @Test
    void badRopeSettingsAreRefusedWithTheirValues() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> rope(16, 4, 12, 10_000));
        assertEquals("rotary positions need an even head size, got n_embd / n_head = 12 / 4 = 3", odd.getMessage());
        IllegalArgumentException base = assertThrows(IllegalArgumentException.class, () -> rope(16, 2, 16, 0));
        assertEquals("rope_base must be a finite number > 0, got 0.0", base.getMessage());
        RotaryPositions rotary = initialized(rope(16, 2, 16, 10_000));
        NDArray x = manager.randomNormal(new Shape(1, 2, 3, 8));
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class, () -> rotated(rotary, x, 14));
        assertEquals("positions 14 to 16 exceeds the 16 positions of the table", past.getMessage());
    }
}
