package dev.jgpt.train.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.jgpt.data.Corpora;
import dev.jgpt.data.Corpus;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.TrainConfig;
import dev.jgpt.train.Trainer;
import dev.jgpt.train.sample.Sampler;
import dev.jgpt.train.store.SavedModel;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code jgpt bench}: times training steps and sampling for a config, or for a saved model
 * ({@code --checkpoint}), after a warm-up, and prints a table and one JSON line with the same keys
 * as ../shared/bench/reference_gpt.py's summary.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Time training steps and sampling; print a table and one JSON line.")
final class BenchCommand implements Callable<Integer> {

    private static final double SAMPLE_WARMUP_SECONDS = 3;
    private static final int SAMPLE_RUNS = 3;

    @Option(names = "--checkpoint", paramLabel = "DIR", description = "Time this saved model (a run, checkpoint or export folder) instead of a new one: its sampling, and training steps from its weights at its shape.")
    Path checkpoint;

    @Option(names = "--iters", description = "Timed training steps; 0: time sampling alone (default: ${DEFAULT-VALUE}).")
    int iters = 50;

    @Option(names = "--warmup", description = "Untimed training steps first (default: ${DEFAULT-VALUE}).")
    int warmup = 10;

    @Option(names = "--sample-tokens", description = "Tokens to sample, one sequence, before training; 0: skip (default: ${DEFAULT-VALUE}).")
    int sampleTokens = 500;

    @Mixin TrainOptions options;

    /**
     * Train's flags that bench has no use for: it writes no files, runs --warmup and --iters steps
     * whatever the schedule, and never evaluates. They are removed from its command line (and
     * help), so that a user who types one is told instead of ignored.
     */
    private static final List<String> TRAINING_ONLY =
            List.of("--out-dir", "--max-iters", "--warmup-iters", "--eval-interval", "--eval-iters", "--log-interval", "--keep-checkpoints");

    /** Removes {@link #TRAINING_ONLY} from bench's {@code spec}, where the shared options put them. */
    static void dropTrainingOnlyOptions(CommandLine.Model.CommandSpec spec) {
        for (String flag : TRAINING_ONLY) {
            spec.remove(spec.findOption(flag));
        }
    }

    @Mixin ThreadsOption threads;

    @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        threads.apply();
        Devices.require(options.device.name);
        if (iters < 0) {
            throw new IllegalArgumentException("--iters must be >= 0 (0: sampling alone), got " + iters);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
        if (sampleTokens < 0) {
            throw new IllegalArgumentException("--sample-tokens must be >= 0, got " + sampleTokens);
        }
        if (iters == 0 && sampleTokens == 0) {
            throw new IllegalArgumentException("--iters 0 with --sample-tokens 0 leaves nothing to time");
        }
        SavedModel saved = checkpoint == null ? null : SavedModel.open(checkpoint, "latest");
        TrainConfig config = options.requestedConfig();
        if (saved != null) {
            options.tokenizer.checkAgainst(saved.tokenizer(), saved.dir());
            config = TrainCommand.withArchitectureOf(saved, config, spec, "--checkpoint");
        }
        // Sampling a saved model alone needs no corpus, no optimizer and no second model.
        boolean training = iters > 0 || saved == null;
        Corpus corpus = null;
        if (training) {
            corpus = Corpora.open(config.data(), config.column(), saved == null ? null : saved.tokenizer(),
                    options.tokenizer.spec(), options.prepared.corpusOptions(config.seed()));
            corpus.checkBlockSize(config.blockSize());
        }
        Tokenizer tokenizer = saved != null ? saved.tokenizer() : corpus.tokenizer();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());

        double[] stepMs = new double[iters];
        double sampleTokensPerSecond = Double.NaN;
        long parameters;
        try (NDManager manager = NDManager.newBaseManager(Device.fromName(config.device()));
                Trainer trainer = !training ? null
                        : saved == null ? Trainer.start(config, corpus, quiet) : Trainer.startFrom(config, corpus, saved, quiet)) {
            Gpt gpt = trainer != null ? trainer.model() : saved.loadModel(manager);
            parameters = gpt.parameterCount();
            // Sampling first, as in a process that only samples: after training steps, torch's
            // second thread still spins now and then and the JIT holds code compiled for training.
            if (sampleTokens > 0) {
                sampleTokensPerSecond = sampleSpeed(gpt, config, tokenizer.size());
            }
            for (int i = 0; iters > 0 && i < warmup; i++) {
                trainer.benchmarkStep();
            }
            for (int i = 0; i < iters; i++) {
                long start = System.nanoTime();
                trainer.benchmarkStep();
                stepMs[i] = (System.nanoTime() - start) / 1e6;
            }
        }

        GptConfig model = saved != null ? saved.modelConfig() : config.model(tokenizer);
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "model            %s, %,d parameters%s%n", describe(model), parameters,
                saved == null ? "" : ", from " + saved.dir());
        if (sampleTokens > 0) { // sampling ran first, so it is printed first
            out.printf(Locale.ROOT, "sampling         %,.1f tokens/s (one sequence, %d new tokens, KV cache; median of %d after %.0f s of warm-up)%n",
                    sampleTokensPerSecond, sampleTokens, SAMPLE_RUNS, SAMPLE_WARMUP_SECONDS);
        }
        JsonObject json = new JsonObject();
        json.addProperty("impl", "jgpt");
        json.addProperty("params", parameters);
        json.addProperty("vocab", model.vocabSize());
        if (iters > 0) {
            trainingFigures(config, model, parameters, median(stepMs), out, json);
        }
        json.addProperty("sample_tokens_per_s", sampleTokens > 0 ? round(sampleTokensPerSecond, 1) : null);
        out.println(json);
        return 0;
    }

    /** Prints the training figures of a median step of {@code medianMs} and adds them to {@code json}. */
    private void trainingFigures(TrainConfig config, GptConfig model, long parameters, double medianMs, PrintStream out, JsonObject json) {
        // FLOPs per iteration as reference_gpt.py counts them (6N per token plus attention).
        double flopsPerIter =
                (6.0 * parameters + 12.0 * model.nLayer() * model.nHead() * model.headSize() * model.blockSize())
                        * config.batchSize() * config.blockSize() * config.gradAccum();
        double tokensPerSecond = config.tokensPerIter() / (medianMs / 1000);
        double gflops = flopsPerIter / (medianMs / 1000) / 1e9;

        out.printf(Locale.ROOT, "training         %.2f ms/iter (median of %d after %d warm-up), %,.0f tokens/s%n", medianMs, iters, warmup, tokensPerSecond);
        out.printf(Locale.ROOT, "compute          %.3f GFLOP/iter, %.1f GFLOP/s achieved%n", flopsPerIter / 1e9, gflops);
        json.addProperty("median_ms_per_iter", round(medianMs, 2));
        json.addProperty("tokens_per_s", round(tokensPerSecond, 1));
        json.addProperty("gflops_per_iter", round(flopsPerIter / 1e9, 3));
        json.addProperty("achieved_gflops", round(gflops, 1));
    }

    /**
     * Median tokens/s of {@value #SAMPLE_RUNS} runs of the model, after warm-up runs
     * that go on for at least {@value #SAMPLE_WARMUP_SECONDS} s: the JIT takes thousands of tokens
     * to compile the per-token path. Every run generates all its tokens ({@code </s>} does not stop it).
     */
    private double sampleSpeed(Gpt gpt, TrainConfig config, int drawableIds) {
        try (NDManager manager = NDManager.newBaseManager(Device.fromName(config.device()))) {
            Sampler sampler = new Sampler(gpt, manager, true, false, drawableIds);
            int[] start = {Vocabulary.BOS};
            long warmupEnd = System.nanoTime() + (long) (SAMPLE_WARMUP_SECONDS * 1e9);
            for (int run = 0; run < SAMPLE_RUNS || System.nanoTime() < warmupEnd; run++) {
                sampler.generate(start, sampleTokens, 1f, 0, 1f, new Random(config.seed() + run));
            }
            double[] tokensPerSecond = new double[SAMPLE_RUNS];
            for (int run = 0; run < SAMPLE_RUNS; run++) {
                long begin = System.nanoTime();
                int generated = sampler.generate(start, sampleTokens, 1f, 0, 1f, new Random(config.seed() + run)).length;
                tokensPerSecond[run] = generated / ((System.nanoTime() - begin) / 1e9);
            }
            return median(tokensPerSecond);
        }
    }

    private static String describe(GptConfig model) {
        return String.format(
                Locale.ROOT, "n_layer %d, n_head %d, n_embd %d, block_size %d, vocab %d",
                model.nLayer(), model.nHead(), model.nEmbd(), model.blockSize(), model.vocabSize());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
