package dev.jgpt.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

    private ToyParameters toy;
    private float[] weightGradient;
    private float[] biasGradient;
    private double norm;

    @BeforeEach
    void runBackward() {
        toy = ToyParameters.weightAndBias()
                .add("frozen", new float[] {100f, 100f}, new Shape(2), new float[] {1f, 1f}, false);
        toy.backward();
        weightGradient = toy.gradient("weight");
        biasGradient = toy.gradient("bias");
        double sumOfSquares = 0;
        for (int i = 0; i < ToyParameters.WEIGHT.length; i++) {
            double g = (double) ToyParameters.WEIGHT_COEFFICIENTS[i] * ToyParameters.WEIGHT[i];
            sumOfSquares += g * g;
        }
        for (int i = 0; i < ToyParameters.BIAS.length; i++) {
            double g = (double) ToyParameters.BIAS_COEFFICIENTS[i] * ToyParameters.BIAS[i];
            sumOfSquares += g * g;
        }
        norm = Math.sqrt(sumOfSquares); // the frozen parameter has no gradient and does not count
    }

    @AfterEach
    void close() {
        toy.close();
    }

    @Test
    void returnsTheGlobalNormAndLeavesShortGradientsAlone() {
        assertEquals(norm, GradientClipping.clipGlobalNorm(toy.parameters, (float) norm * 2), norm * 1e-6);
        assertArrayEquals(weightGradient, toy.gradient("weight"));
        assertArrayEquals(biasGradient, toy.gradient("bias"));
    }

    @Test
    void noBoundOnlyMeasures() {
        assertEquals(norm, GradientClipping.clipGlobalNorm(toy.parameters, 0f), norm * 1e-6);
        assertArrayEquals(weightGradient, toy.gradient("weight"));
    }

    @Test
    void longGradientsAreScaledTogetherToTheBound() {
        float maxNorm = (float) norm / 4;
        float returned = GradientClipping.clipGlobalNorm(toy.parameters, maxNorm);
        assertEquals(norm, returned, norm * 1e-6, "the norm before clipping");

        double coefficient = maxNorm / (returned + 1e-6);
        double sumOfSquares = 0;
        float[] clippedWeight = toy.gradient("weight");
        for (int i = 0; i < clippedWeight.length; i++) {
            assertEquals(weightGradient[i] * coefficient, clippedWeight[i], 1e-6);
            sumOfSquares += clippedWeight[i] * clippedWeight[i];
        }
        float[] clippedBias = toy.gradient("bias");
        for (int i = 0; i < clippedBias.length; i++) {
            assertEquals(biasGradient[i] * coefficient, clippedBias[i], 1e-6);
            sumOfSquares += clippedBias[i] * clippedBias[i];
        }
        assertEquals(maxNorm, Math.sqrt(sumOfSquares), maxNorm * 1e-5);
    }

    @Test
    void aNonFiniteNormIsReturnedAndNothingIsScaled() {
        float[] coefficients = {Float.POSITIVE_INFINITY, 0f};
        try (ToyParameters poisoned = ToyParameters.weightAndBias()
                .add("poisoned", new float[] {1f, 1f}, new Shape(2), coefficients, true)) {
            poisoned.backward();
            float[] before = poisoned.gradient("weight");
            assertEquals(Float.POSITIVE_INFINITY, GradientClipping.clipGlobalNorm(poisoned.parameters, 1f));
            assertArrayEquals(before, poisoned.gradient("weight"));
        }
    }
}
