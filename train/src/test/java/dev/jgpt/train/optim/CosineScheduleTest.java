package dev.jgpt.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CosineScheduleTest {

    private static final float LR = 6e-4f;
    private static final float MIN_LR = 6e-5f;
    private final CosineSchedule schedule = new CosineSchedule(LR, MIN_LR, 10, 110);

    @Test
    void warmsUpLinearlyFromTheFirstIteration() {
        assertEquals(LR / 11, schedule.at(0), 1e-10);
        assertEquals(LR * 5 / 11, schedule.at(4), 1e-10);
        assertEquals(LR * 10 / 11, schedule.at(9), 1e-10);
    }

    @Test
    void decaysAlongACosineFromThePeakToTheMinimum() {
        assertEquals(LR, schedule.at(10), 1e-10, "the warmup's end");
        double quarter = 0.5 * (1 + Math.cos(Math.PI / 4));
        assertEquals(MIN_LR + quarter * (LR - MIN_LR), schedule.at(35), 1e-10);
        assertEquals((LR + MIN_LR) / 2, schedule.at(60), 1e-10, "the midpoint");
        assertEquals(MIN_LR, schedule.at(110), 1e-10, "the decay's end");
    }

    @Test
    void staysAtTheMinimumAfterTheDecay() {
        assertEquals(MIN_LR, schedule.at(111));
        assertEquals(MIN_LR, schedule.at(1_000_000));
    }

    @Test
    void aDecayOfNoLengthDropsStraightToTheMinimum() {
        CosineSchedule noDecay = new CosineSchedule(1f, 0.1f, 5, 5);
        assertEquals(5f / 6, noDecay.at(4), 1e-7);
        assertEquals(0.1f, noDecay.at(5));
        assertEquals(0.1f, noDecay.at(6));
        assertEquals(1f, new CosineSchedule(1f, 0.1f, 0, 100).at(0), "no warmup starts at the peak");
    }

    @Test
    void refusesNegativeWarmupsAndRates() {
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(LR, MIN_LR, -1, 100));
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(-LR, MIN_LR, 10, 100));
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(LR, Float.NaN, 10, 100));
    }
}
