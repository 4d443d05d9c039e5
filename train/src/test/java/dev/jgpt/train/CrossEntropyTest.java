package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
     * Two batches hold the same document; after it ends one is padded with {@code <pad>}, the other
     * holds arbitrary tokens, and both have pad targets there. Loss and every gradient are equal.
     */
    @Test
    void padPositionsChangeNeitherLossNorGradients() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            Gpt gpt = new Gpt(new GptConfig(12, 8, 2, 2, 16, 0f, GptConfig.Positions.LEARNED, false));
            gpt.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            long pad = Vocabulary.PAD;
            long[] targets = {5, 6, 7, 2, pad, pad, pad, pad};
            long[] padded = {0, 5, 6, 7, pad, pad, pad, pad};
            long[] garbage = {0, 5, 6, 7, 9, 4, 11, 8};

            float paddedLoss = lossAndGradients(gpt, manager, padded, targets);
            List<float[]> paddedGradients = gradients(gpt);
            float garbageLoss = lossAndGradients(gpt, manager, garbage, targets);
            List<float[]> garbageGradients = gradients(gpt);

            assertEquals(paddedLoss, garbageLoss, 1e-6);
            for (int i = 0; i < paddedGradients.size(); i++) {
                assertArrayEquals(paddedGradients.get(i), garbageGradients.get(i), 1e-6f, "gradient " + i);
            }
        }
    }

    private static float lossAndGradients(Gpt gpt, NDManager manager, long[] inputs, long[] targets) {
        for (Parameter parameter : gpt.getParameters().values()) {
            try (NDArray gradient = parameter.getArray().getGradient()) {
                gradient.subi(gradient);
            }
        }
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray logits = gpt.logits(new ParameterStore(manager, false), manager.create(inputs, new Shape(1, 8)), true);
            NDArray loss = CrossEntropy.loss(logits, manager.create(targets, new Shape(1, 8)), 4, Vocabulary.PAD);
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
