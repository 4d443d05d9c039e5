package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    @Test
    void rowsAreABatchOfTheirOwnCountingNeitherPaddingNorIgnoredTargets() {
        long[] inputs = {5, 6, 7, 8, 9, 10};
        long[] targets = {6, 7, 8, Vocabulary.PAD, Batch.IGNORED, 11};
        Batch batch = new Batch(3, 2, inputs, targets, 4);

        Batch last = batch.rows(1, 3, Vocabulary.PAD);

        assertEquals(2, last.batchSize());
        assertArrayEquals(new long[] {7, 8, 9, 10}, last.inputs());
        assertArrayEquals(new long[] {8, Vocabulary.PAD, Batch.IGNORED, 11}, last.targets());
        assertEquals(2, last.countedTargets());
        assertEquals(3, batch.rows(1, 3, null).countedTargets(), "without a padding id, only negative targets are ignored");
        assertEquals(2, batch.rows(0, 1, Vocabulary.PAD).countedTargets());
    }
}
