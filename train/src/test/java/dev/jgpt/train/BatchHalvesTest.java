package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Batch;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.optim.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Micro-batches in two halves on two threads ({@link BatchHalves}) train as the whole batch on one
 * thread does, up to float rounding, and the same way every time.
 */
class BatchHalvesTest {

    private static final GptConfig CONFIG = new GptConfig(13, 8, 2, 2, 16, 0f, GptConfig.Positions.LEARNED, true);
    private static final int VOCAB_PADDING = 1; // GptConfig's default padding id
    private static final int STEPS = 4;

    @Test
    void halvesOnTwoThreadsEndWhereTheWholeBatchDoesAndTheSameEveryTime() {
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        assumeTrue(threads >= 2, "libtorch runs on one thread here, so no step is split");
        List<Batch> batches = List.of(batch(1), batch(2));
        JniUtils.setNumThreads(1); // a step made now keeps the whole batch on this thread
        float[][] whole;
        try {
            whole = train(batches);
        } finally {
            JniUtils.setNumThreads(threads);
        }
        float[][] halves = train(batches);
        for (int i = 0; i < whole.length; i++) {
            for (int j = 0; j < whole[i].length; j++) {
                assertEquals(whole[i][j], halves[i][j], 1e-5, "parameter " + i + ", entry " + j);
            }
        }
        float[][] again = train(batches);
        for (int i = 0; i < halves.length; i++) {
            assertArrayEquals(halves[i], again[i], "parameter " + i + " differs between two equal runs");
        }
    }

    /** The weights, one array per parameter, after {@link #STEPS} steps over {@code microBatches} from a fixed init. */
    private static float[][] train(List<Batch> microBatches) {
        try (NDManager manager = NDManager.newBaseManager(); AdamW optimizer = new AdamW(0.9f, 0.95f, 0.1f)) {
            Engine.getInstance().setRandomSeed(7);
            Gpt gpt = new Gpt(CONFIG);
            gpt.initialize(manager, DataType.FLOAT32, new Shape(1, CONFIG.blockSize()));
            TrainingStep step = new TrainingStep(gpt, new ParameterStore(manager, false), optimizer, 1f);
            for (int i = 0; i < STEPS; i++) {
                try (NDManager scope = manager.newSubManager()) {
                    step.run(scope, microBatches, 1e-2f);
                }
            }
            List<float[]> weights = new ArrayList<>();
            for (Parameter parameter : gpt.getParameters().values()) {
                weights.add(parameter.getArray().toFloatArray());
            }
            return weights.toArray(float[][]::new);
        }
    }

    /** Five rows (halves of two and three), the fourth padded after three targets, the last all padding. */
    private static Batch batch(long seed) {
        int rows = 5;
        int block = CONFIG.blockSize();
        Random random = new Random(seed);
        long[] inputs = new long[rows * block];
        long[] targets = new long[rows * block];
        int counted = 0;
        for (int i = 0; i < inputs.length; i++) {
            int row = i / block;
            boolean padding = row == 4 || (row == 3 && i % block >= 3);
            inputs[i] = padding ? VOCAB_PADDING : 2 + random.nextInt(CONFIG.vocabSize() - 2);
            targets[i] = padding ? VOCAB_PADDING : 2 + random.nextInt(CONFIG.vocabSize() - 2);
            counted += padding ? 0 : 1;
        }
        return new Batch(rows, block, inputs, targets, counted);
    }
}
