package dev.jgpt.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * {@code <out-dir>/metrics.csv}: one row per logged step and per evaluation, appended and flushed
 * as they happen; a cell stays empty where the value was not measured.
 */
final class MetricsLog implements AutoCloseable {

    static final String[] HEADER = {"iter", "lr", "train_loss", "val_loss", "ms_per_iter", "tokens_per_s"};

    private final CSVPrinter printer;

    MetricsLog(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            boolean fresh = !Files.exists(file) || Files.size(file) == 0;
            Writer writer =
                    Files.newBufferedWriter(
                            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            CSVFormat format = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();
            printer = new CSVPrinter(writer, format);
            if (fresh) {
                printer.printRecord((Object[]) HEADER);
                printer.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** A training step: its learning rate, batch loss and speed. */
    void step(int iter, float lr, float loss, double msPerIter, double tokensPerSecond) {
        write(iter, lr, loss, null, msPerIter, tokensPerSecond);
    }

    /** An evaluation: the estimated train and val losses. */
    void eval(int iter, float lr, float trainLoss, float valLoss) {
        write(iter, lr, trainLoss, valLoss, null, null);
    }

    private void write(int iter, float lr, Float trainLoss, Float valLoss, Double ms, Double tokensPerSecond) {
        try {
            printer.printRecord(
                    iter,
                    lr,
                    trainLoss == null ? "" : String.format(Locale.ROOT, "%.4f", trainLoss),
                    valLoss == null ? "" : String.format(Locale.ROOT, "%.4f", valLoss),
                    ms == null ? "" : String.format(Locale.ROOT, "%.2f", ms),
                    tokensPerSecond == null ? "" : String.format(Locale.ROOT, "%.1f", tokensPerSecond));
            printer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to metrics.csv: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            printer.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
