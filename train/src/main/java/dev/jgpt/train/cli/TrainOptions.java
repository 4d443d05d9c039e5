package dev.jgpt.train.cli;

import dev.jgpt.model.GptConfig;
import dev.jgpt.train.TrainConfig;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The knobs of a training run, shared by {@code jgpt train} and {@code jgpt bench}. */
final class TrainOptions {

    @Option(names = "--data", paramLabel = "PATH|shakespeare", description = "Corpus: a UTF-8 text or CSV file, a folder of text files, 'shakespeare' (downloaded once into data/), or nothing for the built-in stories.")
    String data;

    @Option(names = "--column", description = "CSV column holding the documents.")
    String column;

    @Mixin PreparedDirOption prepared;

    @Mixin TokenizerOptions tokenizer;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "Run folder (default: checkpoints/<corpus name>).")
    String outDir;

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

    @Option(names = "--positions", paramLabel = "sinusoidal|learned|rope", description = "Position encoding (default: ${DEFAULT-VALUE}).")
    String positions = "sinusoidal";

    @Option(names = "--rope-base", description = "Base of the rotary angles, with --positions rope (default: ${DEFAULT-VALUE}).")
    double ropeBase = GptConfig.DEFAULT_ROPE_BASE;

    @Option(names = "--tie-weights", arity = "0..1", description = "Share the token embedding with the output head.")
    boolean tieWeights;

    @Option(names = "--no-scale-embedding", description = "Do not multiply the token embedding by sqrt(n-embd) (nanoGPT's architecture).")
    boolean noScaleEmbedding;

    @Option(names = "--activation", paramLabel = "gelu|gelu_new", description = "The MLP's GELU: gelu (exact, nanoGPT's) or gelu_new (GPT-2's tanh approximation) (default: ${DEFAULT-VALUE}).")
    String activation = "gelu";

    @Option(names = "--init", paramLabel = "gpt2|plain", description = "New weights: gpt2 (residual projections 0.02/sqrt(2*n-layer), nanoGPT's) or plain (all 0.02) (default: ${DEFAULT-VALUE}).")
    String init = "gpt2";

    @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr = 1e-3f;

    @Option(names = "--min-lr", description = "Learning rate at the end of the cosine decay (default: ${DEFAULT-VALUE}).")
    float minLr = 1e-4f;

    @Option(names = "--warmup-iters", description = "Linear warm-up iterations (default: ${DEFAULT-VALUE}).")
    int warmupIters = 100;

    @Option(names = "--max-iters", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int maxIters = 2000;

    @Option(names = "--lr-decay-iters", description = "Iteration at which the cosine decay reaches --min-lr, fixed when a run starts (default: --max-iters).")
    Integer lrDecayIters;

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

    @Option(names = "--keep-checkpoints", paramLabel = "N|all", converter = KeepCheckpoints.class,
            description = "Keep the N newest checkpoints (and best), or all; older ones are deleted (default: " + TrainConfig.DEFAULT_KEEP_CHECKPOINTS + ").")
    int keepCheckpoints = TrainConfig.DEFAULT_KEEP_CHECKPOINTS;

    @Option(names = "--max-nonfinite-steps", description = "Steps in a row with a NaN or infinite loss or gradient norm (each skipped) that stop the run (default: ${DEFAULT-VALUE}).")
    int maxNonfiniteSteps = TrainConfig.DEFAULT_MAX_NONFINITE_STEPS;

    @Option(names = "--seed", description = "Seed of weights, data order and dropout (default: ${DEFAULT-VALUE}).")
    long seed = 1337;

    @Mixin DeviceOption device;

    String initFrom; // set by TrainCommand's --init-from; bench has none

    /** The config these flags describe; the run folder defaults to checkpoints/<corpus name>. */
    TrainConfig requestedConfig() {
        String runDir = outDir != null ? outDir : Path.of("checkpoints", runName(data)).toString();
        return new TrainConfig(
                data, column, runDir, nLayer, nHead, nEmbd, blockSize, batchSize, dropout, positions, tieWeights,
                noScaleEmbedding, init, initFrom, lr, minLr, warmupIters, maxIters, weightDecay, beta1, beta2, gradClip, gradAccum,
                evalInterval, evalIters, logInterval, keepCheckpoints, seed, device.name,
                lrDecayIters != null ? lrDecayIters : maxIters, maxNonfiniteSteps, ropeBase, activation);
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

    /** {@code --keep-checkpoints}: a count of at least 1, or {@code all}. */
    static final class KeepCheckpoints implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            if (value.equalsIgnoreCase("all")) {
                return TrainConfig.KEEP_ALL;
            }
            try {
                int count = Integer.parseInt(value);
                if (count >= 1) {
                    return count;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is neither a count of at least 1 nor 'all'");
        }
    }

}
