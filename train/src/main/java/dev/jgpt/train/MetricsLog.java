package dev.jgpt.train;

import dev.jgpt.data.AtomicFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * {@code <out-dir>/metrics.csv}: one row per iteration that logged a step or ran an evaluation,
 * written as they happen; a step and an evaluation at the same iteration share one row, and a cell
 * stays empty where nothing was measured. {@code loss} is the step's batch loss; {@code train_loss}
 * and {@code val_loss} are the evaluation's estimates, {@code val_bpb} the val estimate in bits per
 * byte; {@code val_loss_full} and {@code val_bpb_full} are the loss and bits per byte over the whole
 * val split that {@code jgpt train} measures at the end.
 */
public final class MetricsLog implements AutoCloseable {

    static final String[] HEADER = {
        "iter", "lr", "loss", "train_loss", "val_loss", "val_loss_full", "val_bpb", "val_bpb_full", "ms_per_iter", "tokens_per_s"
    };

    /** One row; null where nothing was measured. */
    public record Row(int iter, Double lr, Double loss, Double trainLoss, Double valLoss, Double valLossFull, Double valBpb,
            Double valBpbFull, Double msPerIter, Double tokensPerSecond) {

        /** This row with what {@code later} measured at the same iteration put over it. */
        Row merge(Row later) {
            return new Row(iter,
                    either(later.lr, lr), either(later.loss, loss), either(later.trainLoss, trainLoss), either(later.valLoss, valLoss),
                    either(later.valLossFull, valLossFull), either(later.valBpb, valBpb), either(later.valBpbFull, valBpbFull),
                    either(later.msPerIter, msPerIter), either(later.tokensPerSecond, tokensPerSecond));
        }

        private static Double either(Double later, Double earlier) {
            return later != null ? later : earlier;
        }

        String line() {
            return String.join(",",
                    Integer.toString(iter),
                    lr == null ? "" : Float.toString(lr.floatValue()),
                    loss(loss), loss(trainLoss), loss(valLoss), loss(valLossFull), loss(valBpb), loss(valBpbFull),
                    msPerIter == null ? "" : String.format(Locale.ROOT, "%.2f", msPerIter),
                    tokensPerSecond == null ? "" : String.format(Locale.ROOT, "%.1f", tokensPerSecond)) + "\n";
        }

        private static String loss(Double value) {
            return value == null ? "" : String.format(Locale.ROOT, "%.4f", value);
        }
    }

    private final Path file;
    private final FileChannel channel;
    private Row last;
    private long lastStart;

    private MetricsLog(Path file, List<Row> kept) throws IOException {
        this.file = file;
        // Rewrite what is kept through a temporary file, so that a crash leaves the old file or the new one.
        StringBuilder text = new StringBuilder(String.join(",", HEADER)).append('\n');
        for (Row row : kept) {
            lastStart = text.length();
            text.append(row.line());
        }
        AtomicFiles.writeString(file, text.toString());
        last = kept.isEmpty() ? null : kept.get(kept.size() - 1);
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /**
     * Opens {@code file} for a run that starts at iteration {@code resumedAt}, or -1 for a new run.
     * Rows of a resumed run's later iterations are dropped (the run does them again), and so is the
     * step of iteration {@code resumedAt}; its evaluation, which the resumed run does not repeat,
     * stays. A file in the old format is converted.
     */
    static MetricsLog open(Path file, int resumedAt) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            List<Row> kept = new ArrayList<>();
            if (resumedAt >= 0 && Files.exists(file)) {
                for (Row row : read(file)) {
                    if (row.iter == resumedAt) {
                        row = new Row(row.iter, row.lr, null, row.trainLoss, row.valLoss, row.valLossFull, row.valBpb, row.valBpbFull, null, null);
                    }
                    if (row.iter <= resumedAt) {
                        kept.add(row);
                    }
                }
            }
            return new MetricsLog(file, kept);
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException(new IOException("cannot write " + file + ": " + e.getMessage(), e));
        }
    }

    /**
     * The rows of {@code file}, in the order written, a step and an evaluation of the same
     * iteration merged into one. Columns are found by name, so every version of the file reads:
     * the first one, {@code iter,lr,train_loss,val_loss,ms_per_iter,tokens_per_s}, where a row
     * without val_loss is a step (its train_loss the batch loss) and a row with one is an
     * evaluation; and the later one, {@link #HEADER}. A line cut short by a kill mid-write is
     * skipped.
     *
     * @throws IllegalArgumentException naming the file and a missing column or a cell that is not a number
     */
    public static List<Row> read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            var parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setIgnoreEmptyLines(true).get().parse(reader);
            for (String required : new String[] {"iter", "lr", "train_loss", "val_loss"}) {
                if (!parser.getHeaderMap().containsKey(required)) {
                    throw new IllegalArgumentException(
                            file + " has no " + required + " column (its columns: " + String.join(",", parser.getHeaderNames()) + ")");
                }
            }
            boolean oldFormat = !parser.getHeaderMap().containsKey("loss");
            // Before val_bpb_full, val_bpb held the whole split's bits per byte, written at the end.
            boolean bpbWasFull = !parser.getHeaderMap().containsKey("val_bpb_full");
            for (CSVRecord record : parser) {
                if (!record.isConsistent()) {
                    continue;
                }
                Function<String, Double> cell = name -> number(record, name, file);
                Double iter = cell.apply("iter");
                if (iter == null) {
                    continue;
                }
                Double train = cell.apply("train_loss");
                Double val = cell.apply("val_loss");
                boolean oldStep = oldFormat && val == null;
                Row row = new Row(iter.intValue(), cell.apply("lr"), oldStep ? train : cell.apply("loss"), oldStep ? null : train,
                        val, cell.apply("val_loss_full"), bpbWasFull ? null : cell.apply("val_bpb"),
                        cell.apply(bpbWasFull ? "val_bpb" : "val_bpb_full"), cell.apply("ms_per_iter"), cell.apply("tokens_per_s"));
                int previous = rows.size() - 1;
                if (previous >= 0 && rows.get(previous).iter == row.iter) {
                    rows.set(previous, rows.get(previous).merge(row));
                } else {
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /** The number in {@code column}, or null where the cell is empty or the file has no such column. */
    private static Double number(CSVRecord record, String column, Path file) {
        String cell = record.isMapped(column) && record.isSet(column) ? record.get(column).strip() : "";
        if (cell.isEmpty()) {
            return null;
        }
        try {
            return Double.valueOf(cell);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    file + " line " + (record.getRecordNumber() + 1) + ": " + column + " is not a number: '" + cell + "'");
        }
    }

    /** A logged step: its learning rate, batch loss and speed. */
    void step(int iter, float lr, float loss, double msPerIter, double tokensPerSecond) {
        write(new Row(iter, (double) lr, (double) loss, null, null, null, null, null, msPerIter, tokensPerSecond));
    }

    /** An evaluation: the estimated train and val losses, and the val bits per byte. */
    void evaluation(int iter, float lr, float trainLoss, float valLoss, float valBpb) {
        write(new Row(iter, (double) lr, null, (double) trainLoss, (double) valLoss, null, (double) valBpb, null, null, null));
    }

    /** The loss over the whole val split, and its bits per byte, measured at the end of a run. */
    void wholeValLoss(int iter, float valLossFull, float valBpb) {
        write(new Row(iter, null, null, null, null, (double) valLossFull, null, (double) valBpb, null, null));
    }

    /** Appends the row, or rewrites the last one when it has the same iteration. */
    private void write(Row row) {
        try {
            if (last != null && last.iter == row.iter) {
                last = last.merge(row);
                channel.truncate(lastStart);
            } else {
                last = row;
                lastStart = channel.size();
            }
            channel.write(ByteBuffer.wrap(last.line().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
