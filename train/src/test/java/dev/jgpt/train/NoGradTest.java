package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.jgpt.data.Split;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.sample.Sampler;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Grad mode belongs to each thread and is on in a new one: evaluation, sampling and the optimizer
 * step turn it off themselves, on whatever thread calls them.
 */
class NoGradTest {

    @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir;

    @Test
    void aFreshThreadHasGradModeOnUntilNoGradAndGetsItsModeBack() throws Exception {
        Engine.getInstance(); // loaded here, as the engine turns grad mode off only on the thread that loads it
        CompletableFuture.runAsync(() -> {
            assertTrue(JniUtils.isGradMode(), "libtorch starts a new thread with grad mode on");
            try (NDManager manager = NDManager.newBaseManager()) {
                Gpt gpt = new Gpt(new GptConfig(TrainerTest.STORIES.vocabulary().size(), 8, 1, 2, 16, 0f, GptConfig.Positions.SINUSOIDAL, false));
                gpt.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
                gpt.getParameters().values().forEach(p -> p.getArray().setRequiresGradient(true)); // as in training
                NDArray weight = gpt.getParameters().valueAt(0).getArray();
                assertThrows(EngineException.class, () -> weight.muli(1), "outside the scope torch guards a weight that needs a gradient");
                try (NoGrad noGrad = new NoGrad()) {
                    assertFalse(JniUtils.isGradMode());
                    weight.muli(1);
                }
                assertTrue(JniUtils.isGradMode(), "closing gives the thread its mode back");

                Evaluation.evaluate(gpt, manager, TrainerTest.STORIES, java.util.List.of(Split.VAL), 200, 4);
                new Sampler(gpt, manager, true, false).generate(new int[] {0}, 5, 1f, 0, 1f, new Random(1));
                assertTrue(JniUtils.isGradMode(), "evaluation and sampling leave the caller's mode as it was");
            }
        }).get();
    }

    /** A Trainer on a thread other than the one that loaded the engine: its in-place updates run outside autograd. */
    @Test
    void aTrainerTrainsOnAFreshThread() throws Exception {
        Engine.getInstance();
        CompletableFuture.runAsync(() -> {
            assertTrue(JniUtils.isGradMode());
            try (Trainer trainer = Trainer.start(TrainerTest.tiny(dir, 6, 3, 0f), TrainerTest.STORIES, TrainerTest.QUIET)) {
                trainer.train();
            }
        }).get();
    }
}
