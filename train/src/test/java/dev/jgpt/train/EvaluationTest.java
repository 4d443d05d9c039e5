package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** How many windows one evaluation pass scores. */
class EvaluationTest {

    @Test
    void windowsPerPassKeepTheLogitsUnder256MiB() {
        assertEquals(32, Evaluation.windowsPerPass(32, 64, 65), "a character model: the batch asked for");
        assertEquals(16, Evaluation.windowsPerPass(32, 1024, 4096), "16 x 1,024 x 4,096 floats are 256 MiB");
        assertEquals(1, Evaluation.windowsPerPass(32, 1024, 50257), "GPT-2: one window, 206 MB, rather than 6.6 GB");
        assertEquals(2, Evaluation.windowsPerPass(2, 16, 65), "never more than asked");
    }
}
