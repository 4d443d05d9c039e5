package dev.jgpt.model.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Element-wise comparison with the golden tolerance |a - e| <= atol + rtol * |e|. */
final class Close {

    private Close() {}

    static void assertClose(float[] expected, NDArray actual, Shape expectedShape, double tol, String what) {
        assertEquals(expectedShape, actual.getShape(), what + ": shape");
        assertClose(expected, actual.toFloatArray(), tol, what);
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": number of elements");
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs((double) actual[i] - expected[i]);
            if (!(error <= tol + tol * Math.abs(expected[i]))) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }
}
