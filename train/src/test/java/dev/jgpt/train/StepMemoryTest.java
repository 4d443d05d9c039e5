package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Training steps leave no array behind: after warm-up the number of live arrays stays put. */
class StepMemoryTest {

    private static final int WARMUP_STEPS = 20;
    private static final int STEPS = 300;
    private static final int CHECK_EVERY = 50;

    @TempDir Path dir;

    /** With dropout, so that its masks are made too, and without, where batches run in two halves on two threads. */
    @ParameterizedTest
    @ValueSource(floats = {0.1f, 0f})
    void threeHundredStepsKeepTheNumberOfLiveArrays(float dropout) {
        TrainConfig config = TrainerTest.tiny(dir, WARMUP_STEPS + STEPS, 0, dropout);
        try (Trainer trainer = Trainer.start(config, TrainerTest.STORIES, TrainerTest.QUIET)) {
            for (int i = 0; i < WARMUP_STEPS; i++) {
                trainer.benchmarkStep();
            }
            int afterWarmup = liveArrays(trainer);
            for (int i = 1; i <= STEPS; i++) {
                float loss = trainer.benchmarkStep();
                assertTrue(Float.isFinite(loss), "loss at step " + i + " is " + loss);
                if (i % CHECK_EVERY == 0) {
                    assertEquals(afterWarmup, liveArrays(trainer), "live arrays after " + i + " more steps");
                }
            }
            assertEquals(WARMUP_STEPS + STEPS, trainer.iteration());
        }
    }

    /** Every array of the trainer's manager and its sub-managers (the optimizer's moments included). */
    private static int liveArrays(Trainer trainer) {
        return trainer.manager().getManagedArrays().size();
    }
}
