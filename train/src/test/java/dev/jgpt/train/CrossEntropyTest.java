package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loss over non-pad targets, and that padding changes neither loss nor gradients. */
class CrossEntropyTest {

    @Test
    void lossIsTheMeanNegativeLogLikelihoodOfCountedTargets() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] logits = {1, 2, 3, 0, 0, 0, 5, 1, 1, -1, 0, 4};
            long[] targets = {2, Vocabulary.PAD, 0, 0};
            NDArray loss = CrossEntropy.loss(manager.create(logits, new Shape(1, 4, 3)), manager.create(targets, new Shape(1, 4)), 3, Vocabulary.PAD);
            double expected = (nll(logits, 0, 2) + nll(logits, 2, 0) + nll(logits, 3, 0)) / 3;
            assertEquals(expected, loss.getFloat(), 1e-6);
        }
    }

    /** A vocabulary without padding (nanoGPT's): id 1 counts, negative targets do not. */
    @Test
    void withoutAPaddingIdOnlyIgnoredTargetsAreLeftOut() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] logits = {1, 2, 3, 0, 0, 0, 5, 1, 1, -1, 0, 4};
            long[] targets = {2, 1, CrossEntropy.IGNORED, 0};
            NDArray loss = CrossEntropy.loss(manager.create(logits, new Shape(1, 4, 3)), manager.create(targets, new Shape(1, 4)), 3, null);
            double expected = (nll(logits, 0, 2) + nll(logits, 1, 1) + nll(logits, 3, 0)) / 3;
            assertEquals(expected, loss.getFloat(), 1e-6);
        }
    }

    private static double nll(float[] logits, int row, int target) {
        double sum = 0;
        for (int v = 0; v < 3; v++) {
            sum += Math.exp(logits[row * 3 + v]);
        }
        return Math.log(sum) - logits[row * 3 + target];
    }

    /**
     * Pad tokens stand between two documents, where the second one's positions attend to them.
     * The pad row is zero and, through padding_idx, gets no gradient: so the batch behaves exactly
     * like one with another all-zero row (an id without padding_idx) in the same places. The loss
     * and every gradient are equal, except that this other row gets the gradient the pad row is
     * spared (which shows that the positions are attended to: a broken padding_idx would fail here).
     */
    @Test
    void padPositionsChangeNeitherLossNorGradients() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            Gpt gpt = new Gpt(new GptConfig(12, 8, 2, 2, 16, 0f, GptConfig.Positions.LEARNED, false));
            gpt.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            long pad = Vocabulary.PAD;
            long zero = 10; // an id whose row is zeroed below; it has no padding_idx
            int tokenTable = tokenEmbeddingIndex(gpt);
            try (NoGrad noGrad = new NoGrad()) {
                gpt.getParameters().valueAt(tokenTable).getArray().set(new NDIndex(zero), 0f);
            }
            long[] targets = {5, 6, 2, pad, pad, 8, 9, 2};
            long[] padded = {0, 5, 6, pad, pad, 7, 8, 9};
            long[] zeroed = {0, 5, 6, zero, zero, 7, 8, 9};

            float paddedLoss = lossAndGradients(gpt, manager, padded, targets);
            List<float[]> paddedGradients = gradients(gpt);
            float zeroedLoss = lossAndGradients(gpt, manager, zeroed, targets);
            List<float[]> zeroedGradients = gradients(gpt);

            assertEquals(paddedLoss, zeroedLoss, 1e-6);
            for (int i = 0; i < paddedGradients.size(); i++) {
                if (i != tokenTable) {
                    assertArrayEquals(paddedGradients.get(i), zeroedGradients.get(i), 1e-6f, "gradient " + i);
                }
            }
            int width = 16;
            float[] withPad = paddedGradients.get(tokenTable);
            float[] withZero = zeroedGradients.get(tokenTable);
            for (int row = 0; row < 12; row++) {
                float[] a = java.util.Arrays.copyOfRange(withPad, row * width, (row + 1) * width);
                float[] b = java.util.Arrays.copyOfRange(withZero, row * width, (row + 1) * width);
                if (row == pad) {
                    assertArrayEquals(new float[width], a, "the pad row gets no gradient");
                } else if (row == zero) {
                    assertArrayEquals(new float[width], a);
                    assertTrue(maxAbs(b) > 1e-4, "positions 3 and 4 are attended to, so a row without padding_idx gets a gradient there");
                } else {
                    assertArrayEquals(a, b, 1e-6f, "token row " + row);
                }
            }
        }
    }

    private static int tokenEmbeddingIndex(Gpt gpt) {
        List<String> names = gpt.getParameters().keys();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).contains("token")) {
                return i;
            }
        }
        throw new AssertionError("no token embedding among " + names);
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }

    private static float lossAndGradients(Gpt gpt, NDManager manager, long[] inputs, long[] targets) {
        for (Parameter parameter : gpt.getParameters().values()) {
            try (NDArray gradient = parameter.getArray().getGradient()) {
                gradient.subi(gradient);
            }
        }
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray logits = gpt.logits(new ParameterStore(manager, false), manager.create(inputs, new Shape(1, 8)), true);
            long counted = java.util.Arrays.stream(targets).filter(t -> t != Vocabulary.PAD).count();
            NDArray loss = CrossEntropy.loss(logits, manager.create(targets, new Shape(1, 8)), (int) counted, Vocabulary.PAD);
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    private static List<float[]> gradients(Gpt gpt) {
        List<float[]> gradients = new ArrayList<>();
        for (Parameter parameter : gpt.getParameters().values()) {
            try (NDArray gradient = parameter.getArray().getGradient()) {
                gradients.add(gradient.toFloatArray());
            }
        }
        return gradients;
    }
}
