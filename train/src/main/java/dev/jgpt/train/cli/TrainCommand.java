package dev.jgpt.train.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.jgpt.data.Corpora;
import dev.jgpt.data.Corpus;
import dev.jgpt.data.Split;
import dev.jgpt.train.Checkpoint;
import dev.jgpt.train.CheckpointStore;
import dev.jgpt.train.Evaluation;
import dev.jgpt.train.TrainConfig;
import dev.jgpt.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code jgpt train}: trains a model and writes checkpoints, or resumes a run. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Train a character-level GPT. Defaults are nanoGPT's CPU config.")
final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", paramLabel = "PATH|shakespeare", description = "Corpus: a UTF-8 text or CSV file, 'shakespeare' (downloaded once into data/), or nothing for the built-in stories.")
    String data;

    @Option(names = "--column", description = "CSV column holding the documents.")
    String column;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "Run folder (default: checkpoints/<corpus name>).")
    String outDir;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON file of flag-named keys, e.g. {\"n-layer\": 6}; flags win.")
    Path config;

    @Option(names = "--resume", description = "Continue the run in --out-dir from its latest checkpoint.")
    boolean resume;

    @Option(names = "--n-layer", description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
    int nLayer = 4;

    @Option(names = "--n-head", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int nHead = 4;

    @Option(names = "--n-embd", description = "Model width (default: ${DEFAULT-VALUE}).")
    int nEmbd = 128;

    @Option(names = "--block-size", description = "Context length (default: ${DEFAULT-VALUE}).")
    int blockSize = 64;

    @Option(names = "--batch-size", description = "Sequences per micro-batch (default: ${DEFAULT-VALUE}).")
    int batchSize = 12;

    @Option(names = "--dropout", description = "Dropout rate (default: ${DEFAULT-VALUE}).")
    float dropout = 0f;

    @Option(names = "--positions", paramLabel = "sinusoidal|learned", description = "Position encoding (default: ${DEFAULT-VALUE}).")
    String positions = "sinusoidal";

    @Option(names = "--tie-weights", arity = "0..1", description = "Share the token embedding with the output head.")
    boolean tieWeights;

    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr = 1e-3f;

    @Option(names = "--min-lr", description = "Learning rate at the end of the cosine decay (default: ${DEFAULT-VALUE}).")
    float minLr = 1e-4f;

    @Option(names = "--warmup-iters", description = "Linear warm-up iterations (default: ${DEFAULT-VALUE}).")
    int warmupIters = 100;

    @Option(names = "--max-iters", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int maxIters = 2000;

    @Option(names = "--weight-decay", description = "AdamW decay on 2-D weights (default: ${DEFAULT-VALUE}).")
    float weightDecay = 0.1f;

    @Option(names = "--beta1", description = "AdamW beta1 (default: ${DEFAULT-VALUE}).")
    float beta1 = 0.9f;

    @Option(names = "--beta2", description = "AdamW beta2 (default: ${DEFAULT-VALUE}).")
    float beta2 = 0.99f;

    @Option(names = "--grad-clip", description = "Global gradient-norm limit, 0 for none (default: ${DEFAULT-VALUE}).")
    float gradClip = 1.0f;

    @Option(names = "--grad-accum", description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int gradAccum = 1;

    @Option(names = "--eval-interval", description = "Evaluate and checkpoint every N iterations; 0: only at the end (default: ${DEFAULT-VALUE}).")
    int evalInterval = 250;

    @Option(names = "--eval-iters", description = "Batches per loss estimate (default: ${DEFAULT-VALUE}).")
    int evalIters = 20;

    @Option(names = "--log-interval", description = "Print and record a line every N iterations (default: ${DEFAULT-VALUE}).")
    int logInterval = 10;

    @Option(names = "--seed", description = "Seed of weights, data order and dropout (default: ${DEFAULT-VALUE}).")
    long seed = 1337;

    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", description = "Where to train (default: ${DEFAULT-VALUE}).")
    String device = "cpu";

    @Override
    public Integer call() {
        PrintStream out = System.out;
        TrainConfig requested = requestedConfig();
        Path runDir = Path.of(requested.outDir());
        Trainer trainer;
        Corpus corpus;
        if (resume) {
            Checkpoint checkpoint = CheckpointStore.open(runDir, "latest");
            TrainConfig config = resumedConfig(checkpoint.config(), requested);
            corpus = Corpora.open(config.data(), config.column(), null, Path.of("data"));
            if (!corpus.vocabulary().equals(checkpoint.vocabulary())) {
                throw new IllegalArgumentException(
                        "the corpus's vocabulary (" + corpus.vocabulary().size() + " tokens) is not the checkpoint's ("
                                + checkpoint.vocabulary().size() + " tokens): resume with the data the run was trained on");
            }
            out.println("resuming " + checkpoint.dir() + " at iteration " + checkpoint.iter() + " on " + corpus.describe());
            trainer = Trainer.resume(config, corpus, checkpoint, out);
        } else {
            if (new CheckpointStore(runDir).hasCheckpoint()) {
                throw new IllegalArgumentException(
                        runDir + " already holds a run: pass --resume to continue it, or --out-dir to start another");
            }
            corpus = Corpora.open(requested.data(), requested.column(), null, Path.of("data"));
            corpus.checkBlockSize(requested.blockSize());
            out.println("training on " + corpus.describe());
            trainer = Trainer.start(requested, corpus, out);
        }
        try (trainer; NDManager scope = NDManager.newBaseManager(Device.fromName(requested.device()))) {
            trainer.train();
            // The eval_iters estimate is noisy; the whole split gives the number to compare runs by.
            Evaluation.Result whole = Evaluation.evaluate(trainer.model(), scope, corpus.tokens(Split.VAL), 32);
            out.printf(Locale.ROOT, "val loss over the whole val split: %.4f, perplexity %.2f (%,d tokens)%n",
                    whole.loss(), whole.perplexity(), whole.targets());
        }
        out.println("done: checkpoints in " + runDir);
        return 0;
    }

    private TrainConfig requestedConfig() {
        String runDir = outDir != null ? outDir : Path.of("checkpoints", runName(data)).toString();
        return new TrainConfig(
                data, column, runDir, nLayer, nHead, nEmbd, blockSize, batchSize, dropout, positions, tieWeights,
                lr, minLr, warmupIters, maxIters, weightDecay, beta1, beta2, gradClip, gradAccum,
                evalInterval, evalIters, logInterval, seed, device);
    }

    /** A run's default folder name: "stories", "shakespeare", or the data file's name without extension. */
    static String runName(String data) {
        if (data == null || data.isBlank()) {
            return "stories";
        }
        String file = Path.of(data).getFileName().toString();
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }

    /**
     * The checkpoint's config with the flags typed now; a typed flag may change only what {@link
     * TrainConfig#CHANGEABLE_ON_RESUME} names.
     */
    private TrainConfig resumedConfig(TrainConfig saved, TrainConfig requested) {
        JsonObject merged = saved.toJson();
        JsonObject typed = requested.toJson();
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (String key : typed.keySet()) {
            if (!parsed.hasMatchedOption("--" + key) || typed.get(key).equals(merged.get(key))) {
                continue;
            }
            if (!TrainConfig.CHANGEABLE_ON_RESUME.contains(key)) {
                throw new IllegalArgumentException(
                        "--" + key + " " + typed.get(key) + " does not match the checkpoint's " + merged.get(key)
                                + ": a resumed run keeps its settings (only " + String.join(", ", TrainConfig.CHANGEABLE_ON_RESUME) + " may change)");
            }
            merged.add(key, typed.get(key));
        }
        merged.addProperty("out-dir", requested.outDir());
        return TrainConfig.fromJson(merged);
    }
}
