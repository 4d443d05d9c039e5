package dev.jgpt.train.chart;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * What a run's {@code metrics.csv} holds, as series against iteration: the step losses, the
 * evaluation estimates of train and val loss, the whole-split val loss and the learning rate.
 *
 * <p>Columns are found by name, so every version of the file reads: the first one,
 * {@code iter,lr,train_loss,val_loss,ms_per_iter,tokens_per_s}, where a row without val_loss is a
 * step (its train_loss the batch loss) and a row with one is an evaluation; and the later one,
 * {@code iter,lr,loss,train_loss,val_loss,val_loss_full,...}, one row per iteration, where {@code
 * loss} is the step's and train_loss/val_loss are estimates. A resumed run appends rows for
 * iterations it had already logged before it was killed; the later rows replace them.
 *
 * @param name the run's name in a legend
 */
public record RunMetrics(
        String name, Series stepLoss, Series trainLoss, Series valLoss, Series valLossFull, Series lr) {

    /** Points (iteration, value) in increasing iteration order. */
    public static final class Series {
        private final List<Integer> iters = new ArrayList<>();
        private final List<Double> values = new ArrayList<>();

        /** Appends a point; a restart (an iteration not after the last) first drops the points from there on. */
        void add(int iter, double value) {
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
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(name, file, reader);
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

    static RunMetrics parse(String name, Path file, Reader reader) throws IOException {
        var parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setIgnoreEmptyLines(true).get().parse(reader);
        Map<String, Integer> columns = parser.getHeaderMap();
        for (String required : new String[] {"iter", "lr", "train_loss", "val_loss"}) {
            if (!columns.containsKey(required)) {
                throw new IllegalArgumentException(
                        file + " has no " + required + " column (its columns: " + String.join(",", parser.getHeaderNames()) + ")");
            }
        }
        boolean hasStepColumn = columns.containsKey("loss"); // the later format
        RunMetrics metrics = new RunMetrics(name, new Series(), new Series(), new Series(), new Series(), new Series());
        for (CSVRecord row : parser) {
            if (!row.isConsistent()) {
                continue; // a line cut short by a kill mid-write
            }
            Double iterValue = number(row, "iter", file);
            if (iterValue == null) {
                continue;
            }
            int iter = iterValue.intValue();
            Double lr = number(row, "lr", file);
            Double train = number(row, "train_loss", file);
            Double val = number(row, "val_loss", file);
            if (lr != null) {
                metrics.lr.add(iter, lr);
            }
            if (hasStepColumn) {
                Double step = number(row, "loss", file);
                if (step != null) {
                    metrics.stepLoss.add(iter, step);
                }
                if (train != null) {
                    metrics.trainLoss.add(iter, train);
                }
                Double full = columns.containsKey("val_loss_full") ? number(row, "val_loss_full", file) : null;
                if (full != null) {
                    metrics.valLossFull.add(iter, full);
                }
            } else if (val == null) {
                if (train != null) {
                    metrics.stepLoss.add(iter, train);
                }
            } else if (train != null) {
                metrics.trainLoss.add(iter, train);
            }
            if (val != null) {
                metrics.valLoss.add(iter, val);
            }
        }
        return metrics;
    }

    private static Double number(CSVRecord row, String column, Path file) {
        String cell = row.get(column).strip();
        if (cell.isEmpty()) {
            return null;
        }
        try {
            double value = Double.parseDouble(cell);
            return Double.isFinite(value) ? value : null;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    file + " line " + (row.getRecordNumber() + 1) + ": " + column + " is not a number: '" + cell + "'");
        }
    }

    /** Whether the file held no point at all. */
    public boolean isEmpty() {
        return stepLoss.isEmpty() && trainLoss.isEmpty() && valLoss.isEmpty();
    }
}
