package dev.jgpt.train.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.jgpt.data.Corpora;
import dev.jgpt.data.Corpus;
import dev.jgpt.data.CorpusOptions;
import dev.jgpt.data.Split;
import dev.jgpt.train.Evaluation;
import dev.jgpt.train.store.Checkpoint;
import dev.jgpt.train.store.SavedModel;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jgpt eval}: loss and perplexity of a checkpoint on its val split or on a file. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Loss and perplexity of a trained model on its validation split, or on a whole file.")
final class EvalCommand implements Callable<Integer> {

    @Mixin SavedModelOption checkpoint;

    @Option(names = "--data", paramLabel = "PATH", description = "Evaluate on this whole UTF-8 text or CSV file instead of the run's val split.")
    String data;

    @Option(names = "--column", description = "CSV column holding the documents (default: the run's, for a CSV file).")
    String column;

    @Option(names = "--eval-tokens", paramLabel = "N", description = "Most tokens to score, on evenly spaced windows; 0: all (default: ${DEFAULT-VALUE}).")
    long evalTokens = Evaluation.DEFAULT_MAX_TARGETS;

    @Mixin PreparedDirOption prepared;

    @Option(names = "--batch-size", description = "Windows per forward pass, fewer where their logits would pass 256 MiB (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--json", description = "Print one JSON object (loss, perplexity, tokens, bytes, bits_per_byte, checkpoint, iter, data) instead of a sentence.")
    boolean json;

    @Mixin DeviceOption device;

    @Mixin ThreadsOption threads;

    @Override
    public Integer call() {
        threads.apply();
        Devices.require(device.name);
        if (batchSize <= 0) {
            throw new IllegalArgumentException("--batch-size must be > 0, got " + batchSize);
        }
        if (evalTokens < 0) {
            throw new IllegalArgumentException("--eval-tokens must be >= 0 (0: all), got " + evalTokens);
        }
        SavedModel loaded = checkpoint.open();
        if (data == null && loaded.data() == null) {
            throw new IllegalArgumentException(checkpoint.dir + " does not name the corpus it was trained on: pass --data");
        }
        String source = data != null ? data : loaded.data();
        String csvColumn = csvColumn(loaded.column());
        // The seed picks a corpus's val documents: the run's, or the default for a model from elsewhere.
        long seed = loaded instanceof Checkpoint run ? run.config().seed() : new TrainOptions().seed;
        CorpusOptions options = prepared.corpusOptions(seed);
        Corpus corpus = Corpora.open(source, csvColumn, loaded.tokenizer(), options);
        if (corpus.unknownCount() > 0) {
            System.err.println("warning: " + corpus.unknownCount() + " character(s) are not in the model's vocabulary and were read as <unk>");
        }
        // A file named with --data is scored whole, every token after its first a target.
        Corpus scored = data != null ? corpus.whole() : corpus;
        try (NDManager manager = NDManager.newBaseManager(Device.fromName(device.name))) {
            Evaluation.Result result = Evaluation.evaluate(loaded.loadModel(manager), manager, scored, List.of(Split.VAL), evalTokens, batchSize);
            if (json) {
                JsonObject object = new JsonObject();
                object.addProperty("loss", result.loss());
                object.addProperty("perplexity", result.perplexity());
                object.addProperty("tokens", result.targets());
                object.addProperty("bytes", result.bytes());
                object.addProperty("bits_per_byte", result.bitsPerByte());
                object.addProperty("checkpoint", loaded.dir().toString());
                object.addProperty("iter", loaded.iter());
                object.addProperty("data", data != null ? data : "val");
                System.out.println(object);
                return 0;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s loss %.4f, perplexity %.2f, %.4f bits per byte (%s, checkpoint %s at iteration %d)%n",
                    data != null ? data : "val",
                    result.loss(),
                    result.perplexity(),
                    result.bitsPerByte(),
                    result.tokensScored(),
                    loaded.dir(),
                    loaded.iter());
        }
        return 0;
    }

    /**
     * The CSV column to read: --column when typed (empty: none), else the run's own when the data
     * is the run's or another CSV file; a text file has none, whatever the run was trained on.
     */
    private String csvColumn(String runColumn) {
        if (column != null) {
            return column.isEmpty() ? null : column;
        }
        boolean csv = data == null || data.toLowerCase(Locale.ROOT).endsWith(".csv");
        return csv ? runColumn : null;
    }
}
