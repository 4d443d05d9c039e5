package dev.jgpt.model.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Element-wise comparison with the golden tolerance |a - e| <= atol + rtol * |e|; an expected NaN
 * wants NaN at the same position, an expected inf wants inf of the same sign, and a NaN or inf
 * where a finite value is expected fails.
 */
final class Close {

    private Close() {}

    static void assertClose(float[] expected, NDArray actual, Shape expectedShape, double tol, String what) {
        assertEquals(expectedShape, actual.getShape(), what + ": shape");
        assertClose(expected, actual.toFloatArray(), tol, what);
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": number of elements");
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i]) || Float.isInfinite(expected[i])) {
                if (Float.compare(expected[i], actual[i]) != 0) { // NaN equals NaN here, -inf not inf
                    fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
                }
                continue;
            }
            double error = Math.abs((double) actual[i] - expected[i]);
            if (!(error <= tol + tol * Math.abs(expected[i]))) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }
}
