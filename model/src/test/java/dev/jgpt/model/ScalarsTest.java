package dev.jgpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gradients do not depend on what the garbage collector does between forward and backward. */
class ScalarsTest {

    @Test
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            Gpt gpt = new Gpt(new GptConfig(20, 8, 1, 2, 16, 0f, GptConfig.Positions.SINUSOIDAL, false));
            gpt.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            NDArray tokens = manager.randomInteger(4, 20, new Shape(2, 8), DataType.INT64);

            List<float[]> quiet = gradients(gpt, manager, tokens, false);
            List<float[]> collected = gradients(gpt, manager, tokens, true);
            for (int i = 0; i < quiet.size(); i++) {
                assertArrayEquals(quiet.get(i), collected.get(i), "gradient " + i);
            }
        }
    }

    private static List<float[]> gradients(Gpt gpt, NDManager manager, NDArray tokens, boolean collectGarbage) {
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray ids = tokens.duplicate();
            ids.attach(step);
            NDArray loss = gpt.forward(new ParameterStore(step, false), new NDList(ids), true).singletonOrThrow().square().mean();
            if (collectGarbage) {
                churnFreedMemory();
            }
            collector.backward(loss);
        }
        List<float[]> gradients = new ArrayList<>();
        for (Parameter parameter : gpt.getParameters().values()) {
            try (NDArray gradient = parameter.getArray().getGradient()) {
                gradients.add(gradient.toFloatArray());
                gradient.subi(gradient);
            }
        }
        return gradients;
    }

    /** Frees unreachable direct buffers, then refills small native blocks with NaN. */
    private static void churnFreedMemory() {
        System.gc();
        List<ByteBuffer> filler = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 20_000; i++) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(4);
                buffer.putFloat(0, Float.NaN);
                filler.add(buffer);
            }
            System.gc();
        }
        filler.clear();
    }
}
