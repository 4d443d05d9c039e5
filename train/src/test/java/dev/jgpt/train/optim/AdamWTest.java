package dev.jgpt.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdamWTest {

    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.95f;
    private static final float EPS = 1e-8f;
    private static final float WEIGHT_DECAY = 0.1f;

    // A large eps as well, where adding it before or after the bias correction would show.
    @ParameterizedTest
    @ValueSource(floats = {EPS, 0.1f})
    void threeStepsMatchTheFormulaInDoubles(float eps) {
        float[] learningRates = {0.1f, 0.05f, 0.02f};
        ReferenceAdamW weight =
                new ReferenceAdamW(ToyParameters.WEIGHT, ToyParameters.WEIGHT_COEFFICIENTS, true, eps);
        ReferenceAdamW bias = new ReferenceAdamW(ToyParameters.BIAS, ToyParameters.BIAS_COEFFICIENTS, false, eps);
        try (ToyParameters toy = ToyParameters.weightAndBias();
                AdamW optimizer = new AdamW(BETA1, BETA2, eps, WEIGHT_DECAY)) {
            for (int t = 1; t <= learningRates.length; t++) {
                toy.backward();
                optimizer.step(toy.parameters, learningRates[t - 1]);
                optimizer.zeroGradients(toy.parameters);
                weight.step(learningRates[t - 1], t);
                bias.step(learningRates[t - 1], t);

                assertClose(weight.values, toy.values("weight"), "weight after step " + t);
                assertClose(bias.values, toy.values("bias"), "bias after step " + t);
            }
            assertEquals(3, optimizer.stepCount());
        }
    }

    @Test
    void frozenParameterIsNeitherUpdatedNorGivenState() throws IOException {
        float[] frozenValues = {1f, -2f, 3f, -4f};
        try (ToyParameters toy = ToyParameters.weightAndBias();
                ToyParameters withoutFrozen = ToyParameters.weightAndBias();
                AdamW optimizer = new AdamW(BETA1, BETA2, EPS, WEIGHT_DECAY);
                AdamW reloaded = new AdamW(BETA1, BETA2, EPS, WEIGHT_DECAY)) {
            toy.add("frozen", frozenValues, new Shape(2, 2), new float[] {1f, 1f, 1f, 1f}, false);
            for (int t = 0; t < 3; t++) {
                toy.backward();
                GradientClipping.clipGlobalNorm(toy.parameters, 0.5f);
                optimizer.step(toy.parameters, 0.1f);
                optimizer.zeroGradients(toy.parameters);
            }
            assertArrayEquals(frozenValues, toy.values("frozen"));
            assertFalse(Arrays.equals(ToyParameters.WEIGHT, toy.values("weight")), "the weight was trained");

            // The state loads into a model without the frozen parameter: it holds nothing for it.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            LegacyOptimizerFile.write(optimizer, new DataOutputStream(bytes));
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
            reloaded.load(in, withoutFrozen.parameters);
        }
    }

    @Test
    void withZeroGradientOnlyMatricesDecay() {
        float learningRate = 0.5f;
        float factor = (float) (1 - (double) learningRate * WEIGHT_DECAY);
        try (ToyParameters toy = ToyParameters.weightAndBias();
                AdamW optimizer = new AdamW(BETA1, BETA2, EPS, WEIGHT_DECAY)) {
            toy.backward();
            optimizer.zeroGradients(toy.parameters);
            float[] expected = ToyParameters.WEIGHT.clone();
            for (int t = 0; t < 2; t++) {
                optimizer.step(toy.parameters, learningRate);
                for (int i = 0; i < expected.length; i++) {
                    expected[i] *= factor;
                }
                assertArrayEquals(expected, toy.values("weight"), "shrinks by exactly 1 - lr·wd");
                assertArrayEquals(ToyParameters.BIAS, toy.values("bias"), "1-D parameters do not decay");
            }
        }
    }

    @Test
    void zeroGradientsClearsAccumulatedAndNonFiniteGradients() {
        float nan = Float.NaN;
        try (ToyParameters toy = ToyParameters.weightAndBias();
                AdamW optimizer = new AdamW(BETA1, BETA2, WEIGHT_DECAY)) {
            toy.add("poisoned", new float[] {1f, 2f}, new Shape(2), new float[] {nan, Float.POSITIVE_INFINITY}, true);
            toy.backward();
            toy.backward();
            float[] accumulated = toy.gradient("weight");
            for (int i = 0; i < accumulated.length; i++) {
                float once = ToyParameters.WEIGHT_COEFFICIENTS[i] * ToyParameters.WEIGHT[i];
                assertEquals(2 * once, accumulated[i], 1e-6f, "two backward passes add up");
            }
            assertTrue(Float.isNaN(toy.gradient("poisoned")[0]));

            optimizer.zeroGradients(toy.parameters);
            assertArrayEquals(new float[6], toy.gradient("weight"));
            assertArrayEquals(new float[3], toy.gradient("bias"));
            assertArrayEquals(new float[2], toy.gradient("poisoned"));
        }
    }

    @Test
    void aParameterListedTwiceIsSteppedAndMeasuredOnce() {
        try (ToyParameters listedOnce = ToyParameters.weightAndBias();
                ToyParameters listedTwice = ToyParameters.weightAndBias();
                AdamW once = new AdamW(BETA1, BETA2, WEIGHT_DECAY);
                AdamW twice = new AdamW(BETA1, BETA2, WEIGHT_DECAY)) {
            PairList<String, Parameter> sharing = new PairList<>();
            listedTwice.parameters.forEach(named -> sharing.add(named.getKey(), named.getValue()));
            sharing.add("weight_again", listedTwice.parameters.get("weight")); // as DJL lists a shared block
            listedOnce.backward();
            listedTwice.backward();
            assertEquals(GradientClipping.clipGlobalNorm(listedOnce.parameters, 0f),
                    GradientClipping.clipGlobalNorm(sharing, 0f));
            once.step(listedOnce.parameters, 0.1f);
            twice.step(sharing, 0.1f);
            assertArrayEquals(listedOnce.values("weight"), listedTwice.values("weight"));
        }
    }

    @Test
    void refusesHyperParametersOutOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdamW(1f, 0.95f, 0.1f));
        assertTrue(e.getMessage().contains("beta1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AdamW(0.9f, 0.95f, -0.1f));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(0.9f, Float.NaN, 0.1f));
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6, what + " [" + i + "]");
        }
    }

    /** torch.optim.AdamW on one parameter whose gradient is k⊙p, in doubles. */
    private static final class ReferenceAdamW {
        final double[] values;
        final double[] mean;
        final double[] variance;
        final float[] coefficients;
        final boolean decays;
        final double eps;

        ReferenceAdamW(float[] initial, float[] coefficients, boolean decays, double eps) {
            values = new double[initial.length];
            for (int i = 0; i < initial.length; i++) {
                values[i] = initial[i];
            }
            mean = new double[initial.length];
            variance = new double[initial.length];
            this.coefficients = coefficients;
            this.decays = decays;
            this.eps = eps;
        }

        void step(double learningRate, int t) {
            for (int i = 0; i < values.length; i++) {
                double gradient = coefficients[i] * values[i];
                if (decays) {
                    values[i] -= learningRate * WEIGHT_DECAY * values[i];
                }
                mean[i] = BETA1 * mean[i] + (1 - (double) BETA1) * gradient;
                variance[i] = BETA2 * variance[i] + (1 - (double) BETA2) * gradient * gradient;
                double meanHat = mean[i] / (1 - Math.pow(BETA1, t));
                double varianceHat = variance[i] / (1 - Math.pow(BETA2, t));
                values[i] -= learningRate * meanHat / (Math.sqrt(varianceHat) + eps);
            }
        }
    }
}
