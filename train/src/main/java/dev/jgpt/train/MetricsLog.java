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
 * and {@code val_loss} are the evaluation's estimates; {@code val_loss_full} is the loss over the
 * whole val split that {@code jgpt train} measures at the end.
 */
final class MetricsLog implements AutoCloseable {

    static final String[] HEADER = {
        "iter", "lr", "loss", "train_loss", "val_loss", "val_loss_full", "val_bpb", "ms_per_iter", "tokens_per_s"
    };

    /** One row; null where nothing was measured. */
    private static final class Row {
        final int iter;
        Float lr;
        Float loss;
        Float trainLoss;
        Float valLoss;
        Float valLossFull;
        Float valBpb;
        Double msPerIter;
        Double tokensPerSecond;

        Row(int iter) {
            this.iter = iter;
        }

        String line() {
            return String.join(",",
                    Integer.toString(iter),
                    lr == null ? "" : Float.toString(lr),
                    loss(loss), loss(trainLoss), loss(valLoss), loss(valLossFull), loss(valBpb),
                    msPerIter == null ? "" : String.format(Locale.ROOT, "%.2f", msPerIter),
                    tokensPerSecond == null ? "" : String.format(Locale.ROOT, "%.1f", tokensPerSecond)) + "\n";
        }

        private static String loss(Float value) {
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
     * stays. A file in the old format ({@code iter,lr,train_loss,val_loss,ms_per_iter,tokens_per_s})
     * is converted.
     */
    static MetricsLog open(Path file, int resumedAt) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            List<Row> kept = new ArrayList<>();
            if (resumedAt >= 0 && Files.exists(file)) {
                for (Row row : read(file)) {
                    if (row.iter == resumedAt) {
                        row.loss = null;
                        row.msPerIter = null;
                        row.tokensPerSecond = null;
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

    /** The rows of a file in either format, merged by iteration. */
    private static List<Row> read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (CSVRecord record : CSVFormat.DEFAULT.builder().setHeader().get().parse(reader)) {
                Function<String, String> cell = name -> record.isMapped(name) && record.isSet(name) ? record.get(name) : "";
                Row row = new Row(Integer.parseInt(cell.apply("iter")));
                row.lr = floatOrNull(cell.apply("lr"));
                boolean oldStep = !record.isMapped("loss") && cell.apply("val_loss").isEmpty();
                if (oldStep) {
                    row.loss = floatOrNull(cell.apply("train_loss")); // the old format's step row
                } else {
                    row.loss = floatOrNull(cell.apply("loss"));
                    row.trainLoss = floatOrNull(cell.apply("train_loss"));
                }
                row.valLoss = floatOrNull(cell.apply("val_loss"));
                row.valLossFull = floatOrNull(cell.apply("val_loss_full"));
                row.valBpb = floatOrNull(cell.apply("val_bpb"));
                String ms = cell.apply("ms_per_iter");
                String tokens = cell.apply("tokens_per_s");
                row.msPerIter = ms.isEmpty() ? null : Double.valueOf(ms);
                row.tokensPerSecond = tokens.isEmpty() ? null : Double.valueOf(tokens);
                Row previous = rows.isEmpty() ? null : rows.get(rows.size() - 1);
                if (previous != null && previous.iter == row.iter) {
                    merge(previous, row);
                } else {
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    private static Float floatOrNull(String text) {
        return text.isEmpty() ? null : Float.valueOf(text);
    }

    private static void merge(Row into, Row from) {
        into.lr = from.lr != null ? from.lr : into.lr;
        into.loss = from.loss != null ? from.loss : into.loss;
        into.trainLoss = from.trainLoss != null ? from.trainLoss : into.trainLoss;
        into.valLoss = from.valLoss != null ? from.valLoss : into.valLoss;
        into.valLossFull = from.valLossFull != null ? from.valLossFull : into.valLossFull;
        into.valBpb = from.valBpb != null ? from.valBpb : into.valBpb;
        into.msPerIter = from.msPerIter != null ? from.msPerIter : into.msPerIter;
        into.tokensPerSecond = from.tokensPerSecond != null ? from.tokensPerSecond : into.tokensPerSecond;
    }

    /** A logged step: its learning rate, batch loss and speed. */
    void step(int iter, float lr, float loss, double msPerIter, double tokensPerSecond) {
        Row row = new Row(iter);
        row.lr = lr;
        row.loss = loss;
        row.msPerIter = msPerIter;
        row.tokensPerSecond = tokensPerSecond;
        write(row);
    }

    /** An evaluation: the estimated train and val losses. */
    void evaluation(int iter, float lr, float trainLoss, float valLoss) {
        Row row = new Row(iter);
        row.lr = lr;
        row.trainLoss = trainLoss;
        row.valLoss = valLoss;
        write(row);
    }

    /** The loss over the whole val split, and its bits per byte, measured at the end of a run. */
    void wholeValLoss(int iter, float valLossFull, float valBpb) {
        Row row = new Row(iter);
        row.valLossFull = valLossFull;
        row.valBpb = valBpb;
        write(row);
    }

    /** Appends the row, or rewrites the last one when it has the same iteration. */
    private void write(Row row) {
        try {
            if (last != null && last.iter == row.iter) {
                merge(last, row);
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
