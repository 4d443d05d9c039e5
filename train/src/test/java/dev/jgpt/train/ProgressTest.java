package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The log line's numbers from step and evaluation times handed in. */
class ProgressTest {

    private static final long MS = 1_000_000;

    @Test
    void msPerStepIsTheMeanSinceTheLastLine() {
        Progress progress = new Progress(100, 50);
        progress.stepDone(10 * MS);
        progress.stepDone(30 * MS);
        assertEquals(20.0, progress.takeMsPerStep(), 1e-9);
        progress.evaluationDone(5000 * MS); // not a step: changes no step time
        progress.stepDone(12 * MS);
        assertEquals(12.0, progress.takeMsPerStep(), 1e-9);
    }

    @Test
    void positionAndEtaCountStepsAndEvaluationsLeft() {
        Progress progress = new Progress(2000, 250);
        assertEquals("iter 250/2000 (12%)", progress.position(250));
        for (int i = 0; i < 10; i++) {
            progress.stepDone(20 * MS);
        }
        progress.evaluationDone(1000 * MS);
        // After the step of iteration 249: 1,750 steps of 20 ms and evaluations at 250, 500, ..., 2000.
        assertEquals("0:43", progress.eta(249));
        assertEquals("0:01", progress.eta(1999), "the last evaluation, at 2000, is still to come");
        Progress slow = new Progress(10, 0);
        slow.stepDone(3600L * 1000 * MS);
        assertEquals("9:00:00", slow.eta(0));
    }
}
