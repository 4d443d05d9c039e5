package dev.jgpt.train.chart;

import dev.jgpt.train.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run's {@code metrics.csv} holds, as series against iteration: the step losses, the
 * evaluation estimates of train and val loss, the whole-split val loss, the learning rate, and the
 * val loss in bits per byte (estimated, and over the whole split).
 *
 * <p>{@link MetricsLog#read} reads every version of the file. A resumed run of an older jgpt
 * appended rows for iterations it had already logged before it was killed; the later rows replace
 * them.
 *
 * @param name the run's name in a legend
 */
public record RunMetrics(String name, Series stepLoss, Series trainLoss, Series valLoss, Series valLossFull, Series lr,
        Series valBpb, Series valBpbFull) {

    /** Points (iteration, value) in increasing iteration order. */
    public static final class Series {
        private final List<Integer> iters = new ArrayList<>();
        private final List<Double> values = new ArrayList<>();

        /**
         * Appends a point, unless {@code value} is null or not finite; a restart (an iteration
         * not after the last) first drops the points from there on.
         */
        void add(int iter, Double value) {
            if (value == null || !Double.isFinite(value)) {
                return;
            }
            while (!iters.isEmpty() && iters.get(iters.size() - 1) >= iter) {
                iters.remove(iters.size() - 1);
                values.remove(values.size() - 1);
            }
            iters.add(iter);
            values.add(value);
        }

        public List<Integer> iters() {
            return iters;
        }

        public List<Double> values() {
            return values;
        }

        public int size() {
            return iters.size();
        }

        public boolean isEmpty() {
            return iters.isEmpty();
        }
    }

    /**
     * Reads {@code path}: a metrics.csv, or a run folder holding one (its name then names the
     * run).
     */
    public static RunMetrics read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("metrics.csv") : path;
        Path folder = file.toAbsolutePath().normalize().getParent();
        String name = Files.isDirectory(path) || folder == null || folder.getFileName() == null
                ? displayName(path) : folder.getFileName().toString();
        try {
            return of(name, MetricsLog.read(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no metrics.csv at " + file + ": name a run folder or its metrics.csv");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String displayName(Path path) {
        Path name = path.toAbsolutePath().normalize().getFileName();
        return name == null ? path.toString() : name.toString();
    }

    private static RunMetrics of(String name, List<MetricsLog.Row> rows) {
        RunMetrics metrics = new RunMetrics(name, new Series(), new Series(), new Series(), new Series(), new Series(),
                new Series(), new Series());
        for (MetricsLog.Row row : rows) {
            metrics.lr.add(row.iter(), row.lr());
            metrics.stepLoss.add(row.iter(), row.loss());
            metrics.trainLoss.add(row.iter(), row.trainLoss());
            metrics.valLoss.add(row.iter(), row.valLoss());
            metrics.valLossFull.add(row.iter(), row.valLossFull());
            metrics.valBpb.add(row.iter(), row.valBpb());
            metrics.valBpbFull.add(row.iter(), row.valBpbFull());
        }
        return metrics;
    }

    /**
     * The val curves in bits per byte in place of the losses, which compare across tokenizers; no
     * step or train curve (their bytes are not recorded).
     */
    public RunMetrics inBitsPerByte() {
        return new RunMetrics(name, new Series(), new Series(), valBpb, valBpbFull, lr, valBpb, valBpbFull);
    }

    /** Whether the file held no point at all. */
    public boolean isEmpty() {
        return stepLoss.isEmpty() && trainLoss.isEmpty() && valLoss.isEmpty() && valLossFull.isEmpty();
    }
}
