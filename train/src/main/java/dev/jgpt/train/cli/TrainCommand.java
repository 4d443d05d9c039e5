package dev.jgpt.train.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.jgpt.data.Corpora;
import dev.jgpt.data.Corpus;
import dev.jgpt.data.Split;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.train.Evaluation;
import dev.jgpt.train.TrainConfig;
import dev.jgpt.train.Trainer;
import dev.jgpt.train.chart.LossPlot;
import dev.jgpt.train.store.Checkpoint;
import dev.jgpt.train.store.CheckpointStore;
import dev.jgpt.train.store.ExportFolder;
import dev.jgpt.train.store.ModelJson;
import dev.jgpt.train.store.RunLock;
import dev.jgpt.train.store.SavedModel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Option(names = "--config", paramLabel = "FILE", description = "JSON file of flag-named keys, e.g. {\"n-layer\": 6}; flags win.")
    Path config;

    @Option(names = "--resume", description = "Continue the run in --out-dir from its latest checkpoint.")
    boolean resume;

    @Option(names = "--init-from", paramLabel = "DIR", description = "Start from this model's weights (a run, checkpoint or export folder), with its architecture and vocabulary, a fresh optimizer and iteration 0.")
    Path initFrom;

    @Option(names = "--no-plot", description = "Do not redraw <out-dir>/loss.png at each evaluation.")
    boolean noPlot;

    @Mixin TrainOptions options;

    @Option(names = "--eval-tokens", paramLabel = "N", description = "Most tokens the final val loss scores, on evenly spaced windows; 0: all (default: ${DEFAULT-VALUE}).")
    long evalTokens = Evaluation.DEFAULT_MAX_TARGETS;

    /** The flags that set the architecture, which --init-from takes from the model it starts from. */
    private static final List<String> ARCHITECTURE =
            List.of("n-layer", "n-head", "n-embd", "block-size", "positions", "tie-weights", "no-scale-embedding", "rope-base",
                    "activation");

    @Mixin ThreadsOption threads;

    @Override
    public Integer call() {
        threads.apply();
        Devices.require(options.device.name);
        PrintStream out = System.out;
        if (evalTokens < 0) {
            throw new IllegalArgumentException("--eval-tokens must be >= 0 (0: all), got " + evalTokens);
        }
        options.initFrom = initFrom == null ? null : initFrom.toString();
        SavedModel weights = resume || initFrom == null ? null : SavedModel.open(initFrom, "latest");
        if (weights != null && options.data == null) {
            useRecordedCorpus(weights);
        }
        TrainConfig requested = options.requestedConfig();
        Path runDir = Path.of(requested.outDir());
        Corpus corpus = null;
        TrainConfig fresh = requested;
        if (!resume) {
            // Bad data fails before the run folder is made.
            fresh = weights == null ? requested : withArchitectureOf(weights, requested, spec, "--init-from");
            if (weights != null) {
                options.tokenizer.checkAgainst(weights.tokenizer(), weights.dir());
            }
            corpus = Corpora.open(fresh.data(), fresh.column(), weights == null ? null : weights.tokenizer(),
                    options.tokenizer.spec(), options.prepared.corpusOptions(fresh.seed()));
            corpus.checkBlockSize(fresh.blockSize());
            if (corpus.unknownCount() > 0) {
                System.err.println("warning: " + corpus.unknownCount() + " character(s) are not in the model's vocabulary and were read as <unk>");
            }
        }
        try (RunLock lock = RunLock.acquire(runDir); Interrupts interrupts = Interrupts.install(System.err)) {
            Trainer trainer;
            if (resume) {
                Checkpoint checkpoint = ExportFolder.resumable(runDir, requested.data());
                TrainConfig config = resumedConfig(checkpoint.config(), requested);
                if (config.maxIters() <= checkpoint.iter()) {
                    throw new IllegalArgumentException(
                            "the run in " + runDir + " is already at iteration " + checkpoint.iter() + " (max-iters " + config.maxIters()
                                    + "): pass --max-iters above " + checkpoint.iter() + " to train further");
                }
                options.tokenizer.checkAgainst(checkpoint.tokenizer(), runDir);
                // A character vocabulary is the corpus's own: another one means other data. A BPE is imposed.
                boolean characters = checkpoint.tokenizer() instanceof Vocabulary;
                corpus = Corpora.open(config.data(), config.column(), characters ? null : checkpoint.tokenizer(),
                        options.prepared.corpusOptions(config.seed()));
                if (!corpus.tokenizer().equals(checkpoint.tokenizer())) {
                    throw new IllegalArgumentException(
                            "the corpus's vocabulary (" + corpus.tokenizer().size() + " tokens) is not the checkpoint's ("
                                    + checkpoint.tokenizer().size() + " tokens): resume with the data the run was trained on");
                }
                out.println("resuming " + checkpoint.dir() + " at iteration " + checkpoint.iter() + " on " + corpus.describe());
                trainer = Trainer.resume(config, corpus, checkpoint, out);
            } else {
                if (new CheckpointStore(runDir).hasCheckpoint()) {
                    throw new IllegalArgumentException(
                            runDir + " already holds a run: pass --resume to continue it, or --out-dir to start another");
                }
                out.println("training on " + corpus.describe() + (weights == null ? "" : ", from the weights of " + weights.dir()));
                trainer = weights == null ? Trainer.start(fresh, corpus, out) : Trainer.startFrom(fresh, corpus, weights, out);
            }
            try (trainer; NDManager scope = NDManager.newBaseManager(Device.fromName(requested.device()))) {
                if (!noPlot) {
                    trainer.addListener(new LossPlot(runDir, out));
                }
                if (!trainer.train(interrupts::requested)) {
                    out.println("stopped by " + interrupts.signalName() + " at iteration " + trainer.iteration()
                            + "; continue with: " + Jgpt.invokedAs() + " train --resume --out-dir " + runDir);
                    return interrupts.exitCode();
                }
                // The eval_iters estimate is noisy; the whole split gives the number to compare runs by.
                Evaluation.Result whole = Evaluation.evaluate(trainer.model(), scope, corpus, List.of(Split.VAL), evalTokens, 32);
                out.printf(Locale.ROOT, "val loss over the whole val split: %.4f, perplexity %.2f, %.4f bits per byte (%s)%n",
                        whole.loss(), whole.perplexity(), whole.bitsPerByte(), whole.tokensScored());
                trainer.recordWholeValLoss((float) whole.loss(), (float) whole.bitsPerByte());
            }
            out.println("done: checkpoints in " + runDir);
            return interrupts.requested() ? interrupts.exitCode() : 0;
        }
    }

    /**
     * Without --data, --init-from goes on with the corpus its model was trained on: when that is
     * recorded and still there; else it refuses, rather than train on the built-in stories.
     */
    private void useRecordedCorpus(SavedModel weights) {
        String recorded = weights.data();
        if (recorded == null) {
            throw new IllegalArgumentException(
                    weights.dir() + " does not record the corpus it was trained on: pass --data with the corpus to train on");
        }
        boolean there = recorded.isEmpty() || recorded.equals(Corpora.SHAKESPEARE) || Files.exists(Path.of(recorded));
        if (!there) {
            throw new IllegalArgumentException(weights.dir() + " was trained on " + recorded
                    + ", which is no longer there: pass --data with the corpus to train on");
        }
        options.data = recorded;
        if (options.column == null) {
            options.column = weights.column();
        }
    }

    /**
     * The requested config with the architecture of {@code weights}; an architecture flag typed now
     * (on {@code command}'s line, where {@code flag} named the weights) must agree with it.
     */
    static TrainConfig withArchitectureOf(SavedModel weights, TrainConfig requested, CommandLine.Model.CommandSpec command, String flag) {
        JsonObject architecture = ModelJson.toFlags(weights.modelConfig());
        JsonObject merged = requested.toJson();
        CommandLine.ParseResult parsed = command.commandLine().getParseResult();
        for (String key : ARCHITECTURE) {
            if (parsed.hasMatchedOption("--" + key) && !merged.get(key).equals(architecture.get(key))) {
                throw new IllegalArgumentException("--" + key + " " + merged.get(key) + " does not match " + weights.dir() + "'s "
                        + architecture.get(key) + ": " + flag + " keeps the architecture of the model it names");
            }
            merged.add(key, architecture.get(key));
        }
        return TrainConfig.fromJson(merged);
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
                        "--" + key + " " + typed.get(key) + " does not match the checkpoint's " + shown(key, merged.get(key))
                                + ": a resumed run keeps its settings (only " + String.join(", ", TrainConfig.CHANGEABLE_ON_RESUME) + " may change)");
            }
            merged.add(key, typed.get(key));
        }
        merged.addProperty("out-dir", requested.outDir());
        return TrainConfig.fromJson(merged);
    }

    /** A saved setting as the user knows it: an unset --data is the built-in stories. */
    private static String shown(String key, JsonElement saved) {
        if (saved == null || saved.isJsonNull()) {
            return key.equals("data") ? "built-in stories" : "(unset)";
        }
        return saved.toString();
    }
}
