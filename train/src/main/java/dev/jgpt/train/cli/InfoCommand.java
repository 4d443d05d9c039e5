package dev.jgpt.train.cli;

import ai.djl.ndarray.NDManager;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.chart.RunMetrics;
import dev.jgpt.train.inspect.TokenLabels;
import dev.jgpt.train.store.Checkpoint;
import dev.jgpt.train.store.SavedModel;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code jgpt info}: what a run or checkpoint holds: its config, parameter count, iteration, best
 * and last val loss, vocabulary, and its files with their sizes; of an export folder, what it records.
 */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Print a run's config, parameter count, iteration, best and last val loss, vocabulary and files.")
final class InfoCommand implements Callable<Integer> {

    @Mixin SavedModelOption checkpoint;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        SavedModel saved = checkpoint.open();
        if (!(saved instanceof Checkpoint loaded)) {
            out.printf(Locale.ROOT, "export folder %s%n", saved.dir());
            out.printf(Locale.ROOT, "iteration     %,d%n", saved.iter());
            printModel(out, saved);
            out.printf(Locale.ROOT, "data          %s%n", saved.data() == null ? "not recorded"
                    : saved.data().isEmpty() ? "the built-in stories" : saved.data());
            printFiles(out, saved.dir());
            return 0;
        }
        Path runDir = runDir(loaded);
        out.printf(Locale.ROOT, "checkpoint    %s%s%n", loaded.dir(), linkTarget(loaded.dir()));
        out.printf(Locale.ROOT, "iteration     %,d of %,d%n", loaded.iter(), loaded.config().maxIters());
        printModel(out, loaded);
        out.printf(Locale.ROOT, "best val loss %s%n", loaded.bestValLoss() == null ? "none yet" : String.format(Locale.ROOT, "%.4f%s", loaded.bestValLoss(), bestWhere(runDir)));
        out.printf(Locale.ROOT, "last val loss %s%n", lastValLoss(runDir, loaded.iter()));
        out.printf(Locale.ROOT, "data          %s%s%n", loaded.config().data() == null ? "the built-in stories" : loaded.config().data(),
                loaded.config().column() == null ? "" : " (column " + loaded.config().column() + ")");
        printFiles(out, runDir != null ? runDir : loaded.dir());
        out.println("config");
        loaded.config().toJsonString().lines().forEach(line -> out.println("  " + line));
        return 0;
    }

    /** The model's shape, activation and parameter count, and its vocabulary. */
    private static void printModel(PrintStream out, SavedModel saved) {
        GptConfig model = saved.modelConfig();
        long parameters;
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = saved.loadModel(manager);
            parameters = gpt.parameterCount();
        }
        out.printf(Locale.ROOT, "model         %d layers, %d heads, %d wide, block %d, %s positions%s, %s: %,d parameters%n",
                model.nLayer(), model.nHead(), model.nEmbd(), model.blockSize(), positions(model),
                model.tieWeights() ? ", tied head" : "",
                model.activation() == GptConfig.Activation.GELU ? "exact GELU" : "tanh GELU (gelu_new)", parameters);
        Tokenizer vocabulary = saved.tokenizer();
        out.printf(Locale.ROOT, "vocabulary    %d tokens: %s%n", vocabulary.size(), vocabulary instanceof Vocabulary characters
                ? preview(characters) : vocabulary.kind() + " (" + (vocabulary.kind().equals("gpt2") ? "GPT-2's r50k_base" : "a byte-level BPE") + ")");
    }

    private static void printFiles(PrintStream out, Path folder) {
        out.printf(Locale.ROOT, "files         %s, %s in all%n", folder, size(totalSize(folder)));
        for (String line : files(folder)) {
            out.println("  " + line);
        }
    }

    /** The run folder a checkpoint belongs to: its parent when that holds the run's metrics.csv. */
    private static Path runDir(Checkpoint loaded) {
        Path parent = loaded.dir().toAbsolutePath().normalize().getParent();
        return parent != null && Files.isRegularFile(parent.resolve("metrics.csv")) ? parent : null;
    }

    /** "sinusoidal", "learned", or "rope (base 10000)". */
    private static String positions(GptConfig model) {
        return model.positions() == GptConfig.Positions.ROPE
                ? "rope (base " + BigDecimal.valueOf(model.ropeBase()).stripTrailingZeros().toPlainString() + ")"
                : model.positions().label();
    }

    private static String bestWhere(Path runDir) {
        String target = runDir == null ? "" : linkTarget(runDir.resolve("best"));
        return target.isEmpty() ? "" : " (" + target.substring(" -> ".length()) + ")";
    }

    /** " -> target" for a link, else nothing. */
    private static String linkTarget(Path path) {
        if (!Files.isSymbolicLink(path)) {
            return "";
        }
        try {
            return " -> " + Files.readSymbolicLink(path);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last val loss estimate up to the checkpoint's iteration, from the run's metrics.csv. */
    private static String lastValLoss(Path runDir, int upTo) {
        if (runDir == null) {
            return "unknown (no metrics.csv beside the checkpoint)";
        }
        RunMetrics.Series val = RunMetrics.read(runDir).valLoss();
        int last = val.size() - 1;
        while (last >= 0 && val.iters().get(last) > upTo) {
            last--;
        }
        if (last < 0) {
            return "none yet";
        }
        return String.format(Locale.ROOT, "%.4f (iteration %,d)", val.values().get(last), val.iters().get(last));
    }

    /** The tokens, readable, the first 40 of them. */
    private static String preview(Vocabulary vocabulary) {
        List<String> tokens = vocabulary.tokens();
        String shown = tokens.stream().limit(40).map(TokenLabels::of).collect(Collectors.joining(" "));
        return tokens.size() > 40 ? shown + " ... (" + (tokens.size() - 40) + " more)" : shown;
    }

    /** Every file under {@code folder} (links shown as links), with its size. */
    private static List<String> files(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(path -> !path.equals(folder))
                    .sorted()
                    .map(path -> describe(folder, path))
                    .filter(line -> line != null)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    private static String describe(Path folder, Path path) {
        String name = folder.relativize(path).toString();
        try {
            if (Files.isSymbolicLink(path)) {
                return String.format(Locale.ROOT, "%-32s -> %s", name, Files.readSymbolicLink(path));
            }
            if (Files.isDirectory(path)) {
                return null;
            }
            return String.format(Locale.ROOT, "%-32s %10s", name, size(Files.size(path)));
        } catch (IOException e) {
            return name + " (unreadable: " + e.getMessage() + ")";
        }
    }

    private static long totalSize(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).mapToLong(path -> {
                try {
                    return Files.size(path);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
