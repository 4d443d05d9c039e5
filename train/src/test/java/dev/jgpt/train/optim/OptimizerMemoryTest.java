package dev.jgpt.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.junit.jupiter.api.Test;

/** A training step must not leave arrays behind: every temporary and gradient wrapper is closed. */
class OptimizerMemoryTest {

    @Test
    void twoHundredStepsKeepTheNumberOfLiveArrays() {
        try (NDManager manager = NDManager.newBaseManager();
                AdamW optimizer = new AdamW(0.9f, 0.95f, 0.1f)) {
            SequentialBlock block = new SequentialBlock()
                    .add(Linear.builder().setUnits(4).build())
                    .add(LayerNorm.builder().build());
            Shape inputShape = new Shape(2, 3);
            block.initialize(manager, DataType.FLOAT32, inputShape);
            PairList<String, Parameter> parameters = block.getParameters();

            trainingStep(manager, block, parameters, optimizer, inputShape);
            int liveAfterFirstStep = manager.getManagedArrays().size();
            // The parameters, and AdamW's two moments per parameter in a sub-manager of the model's.
            assertEquals(3 * parameters.size(), liveAfterFirstStep);
            for (int i = 1; i < 200; i++) {
                trainingStep(manager, block, parameters, optimizer, inputShape);
            }
            assertEquals(liveAfterFirstStep, manager.getManagedArrays().size());
            assertEquals(200, optimizer.stepCount());
        }
    }

    private static void trainingStep(
            NDManager manager,
            SequentialBlock block,
            PairList<String, Parameter> parameters,
            AdamW optimizer,
            Shape inputShape) {
        try (NDManager scope = manager.newSubManager()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray input = scope.randomNormal(inputShape);
                NDArray output = block.forward(new ParameterStore(scope, false), new NDList(input), true)
                        .singletonOrThrow();
                collector.backward(output.square().sum());
            }
        }
        GradientClipping.clipGlobalNorm(parameters, 0.1f);
        optimizer.step(parameters, 1e-3f);
        optimizer.zeroGradients(parameters);
    }
}
