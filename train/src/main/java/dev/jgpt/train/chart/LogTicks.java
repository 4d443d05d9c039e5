package dev.jgpt.train.chart;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The values at which to label a log-scale axis so that a person can read it: the coarsest of 1-2-5,
 * 1-2-3-5, 1-1.5-2-3-5-7 and 1 to 9 per decade that gives at least {@link #FEWEST} labels in the
 * range, and the coarsest even steps of 5, 2 or 1 times a power of ten when even 1 to 9 gives fewer
 * (a range inside one decade).
 * XChart labels only whole decades, so a loss from 0.3 to 4 read "1.0" and nothing else.
 */
final class LogTicks {

    static final int FEWEST = 4;
    private static final int MOST = 12;
    private static final double[][] MANTISSAS = {
        {1}, {1, 2, 5}, {1, 2, 3, 5}, {1, 1.5, 2, 3, 5, 7}, {1, 2, 3, 4, 5, 6, 7, 8, 9}
    };

    private LogTicks() {}

    /** The tick values from {@code low} to {@code high} (both > 0), ascending, exact as written. */
    static List<BigDecimal> between(double low, double high) {
        if (!(low > 0) || !(high >= low) || Double.isInfinite(high)) {
            throw new IllegalArgumentException("a log axis needs 0 < low <= high, got " + low + " to " + high);
        }
        for (double[] mantissas : MANTISSAS) {
            List<BigDecimal> ticks = perDecade(low, high, mantissas);
            if (ticks.size() >= FEWEST) {
                return ticks.size() <= MOST ? ticks : thinned(ticks);
            }
        }
        return evenlySpaced(low, high);
    }

    /** A tick value as a label: no trailing zeros, no exponent ("0.3", "1", "1.5", "20"). */
    static String label(BigDecimal value) {
        return value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
    }

    private static List<BigDecimal> perDecade(double low, double high, double[] mantissas) {
        List<BigDecimal> ticks = new ArrayList<>();
        for (int exponent = (int) Math.floor(Math.log10(low)); exponent <= (int) Math.ceil(Math.log10(high)); exponent++) {
            for (double mantissa : mantissas) {
                BigDecimal value = BigDecimal.valueOf(mantissa).scaleByPowerOfTen(exponent);
                if (inside(value, low, high)) {
                    ticks.add(value);
                }
            }
        }
        return ticks;
    }

    /** Every k-th decade, for ranges of more than {@link #MOST} decades. */
    private static List<BigDecimal> thinned(List<BigDecimal> decades) {
        int every = (decades.size() + MOST - 1) / MOST;
        List<BigDecimal> ticks = new ArrayList<>();
        for (int i = 0; i < decades.size(); i += every) {
            ticks.add(decades.get(i));
        }
        return ticks;
    }

    /** The coarsest even steps of 5, 2 or 1 times a power of ten that give at least {@link #FEWEST} ticks. */
    private static List<BigDecimal> evenlySpaced(double low, double high) {
        int exponent = (int) Math.floor(Math.log10(Math.max(high - low, high * 1e-9)));
        while (true) {
            for (int factor : new int[] {5, 2, 1}) {
                BigDecimal step = BigDecimal.valueOf(factor).scaleByPowerOfTen(exponent);
                List<BigDecimal> ticks = new ArrayList<>();
                BigDecimal value = step.multiply(BigDecimal.valueOf(Math.floor(low / step.doubleValue())));
                for (; value.doubleValue() <= high * (1 + 1e-12); value = value.add(step)) {
                    if (inside(value, low, high)) {
                        ticks.add(value);
                    }
                }
                if (ticks.size() >= FEWEST) {
                    return ticks;
                }
            }
            exponent--;
        }
    }

    private static boolean inside(BigDecimal value, double low, double high) {
        double v = value.doubleValue();
        return v >= low * (1 - 1e-12) && v <= high * (1 + 1e-12);
    }
}
