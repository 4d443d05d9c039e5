package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BatchTest {

    @Test
    void arraysMustHoldBatchSizeTimesBlockSizeIds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Batch(2, 3, new long[6], new long[5], 5));

        assertEquals("a batch of 2 x 3 needs 6 inputs and targets, got 6 and 5", e.getMessage());
    }
}
