package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training steps leave no array behind: after warm-up the number of live arrays stays put. */
class StepMemoryTest {

    private static final int WARMUP_STEPS = 20;
    private static final int STEPS = 300;
    private static final int CHECK_EVERY = 50;

    @TempDir Path dir;

    @Test
    void threeHundredStepsKeepTheNumberOfLiveArrays() {
        // Dropout on, so that its masks are made too.
        TrainConfig config = TrainerTest.tiny(dir, WARMUP_STEPS + STEPS, 0, 0.1f);
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
