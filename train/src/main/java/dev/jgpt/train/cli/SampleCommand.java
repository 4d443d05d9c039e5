package dev.jgpt.train.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.Sampler;
import dev.jgpt.train.SavedModel;
import dev.jgpt.train.SingleThread;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt sample}: generates text from a checkpoint. */
@Command(
        name = "sample",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Generate text from a trained model.")
final class SampleCommand implements Callable<Integer> {

    static final String RULE = "---------------";

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A run folder (its best checkpoint is used), one checkpoint folder, or an export folder.")
    Path checkpoint;

    @Option(names = "--start", paramLabel = "TEXT|FILE:path", description = "Text to continue; FILE:path reads it from a file (default: <s>, a fresh start; a newline for a vocabulary without <s>).")
    String start = "";

    @Option(names = "--num-samples", description = "Samples to draw (default: ${DEFAULT-VALUE}).")
    int numSamples = 3;

    @Option(names = "--max-new-tokens", description = "Tokens per sample (default: ${DEFAULT-VALUE}).")
    int maxNewTokens = 500;

    @Option(names = "--temperature", description = "Below 1: more conservative; above: more random (default: ${DEFAULT-VALUE}).")
    float temperature = 0.8f;

    @Option(names = "--top-k", description = "Draw only among the k most likely tokens; 0: all (default: ${DEFAULT-VALUE}).")
    int topK = 200;

    @Option(names = "--top-p", description = "Draw only within the nucleus of probability p; 1: all (default: ${DEFAULT-VALUE}).")
    float topP = 1.0f;

    @Option(names = "--seed", description = "The same seed gives the same text (default: ${DEFAULT-VALUE}).")
    long seed = 1337;

    @Option(names = "--ignore-eos", description = "Always generate --max-new-tokens tokens; do not stop at </s>.")
    boolean ignoreEos;

    @Option(names = "--no-kv-cache", description = "Recompute the whole window for every token (same text, slower).")
    boolean noKvCache;

    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", description = "Where to run (default: ${DEFAULT-VALUE}).")
    String device = "cpu";

    @Override
    public Integer call() throws IOException {
        SingleThread.beforeEngineStarts();
        checkOptions();
        PrintStream out = System.out;
        SavedModel loaded = SavedModel.open(checkpoint, "best");
        Vocabulary vocabulary = loaded.vocabulary();
        int[] context = context(vocabulary);
        try (NDManager manager = NDManager.newBaseManager(Device.fromName(device))) {
            Gpt gpt = loaded.loadModel(manager);
            Sampler sampler = new Sampler(gpt, manager, !noKvCache, !ignoreEos && vocabulary.hasSpecials());
            Random random = new Random(seed);
            for (int n = 0; n < numSamples; n++) {
                int[] generated = sampler.generate(context, maxNewTokens, temperature, topK, topP, random);
                out.println(vocabulary.decode(context) + vocabulary.decode(generated));
                out.println(RULE);
            }
        }
        return 0;
    }

    private void checkOptions() {
        if (numSamples <= 0 || maxNewTokens <= 0) {
            throw new IllegalArgumentException("--num-samples and --max-new-tokens must be > 0, got " + numSamples + " and " + maxNewTokens);
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("--temperature must be > 0, got " + temperature);
        }
        if (topK < 0 || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("--top-k must be >= 0 and --top-p in (0, 1], got " + topK + " and " + topP);
        }
    }

    /** The ids of --start; characters the vocabulary lacks become <unk>, with one warning. */
    private int[] context(Vocabulary vocabulary) throws IOException {
        String text = start;
        if (start.startsWith("FILE:")) {
            Path file = Path.of(start.substring("FILE:".length()));
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--start file " + file + " does not exist");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        if (text.isEmpty()) { // <s>; without reserved tokens, a newline as nanoGPT's sample.py, or id 0
            return new int[] {vocabulary.hasSpecials() ? Vocabulary.BOS : Math.max(0, vocabulary.tokens().indexOf("\n"))};
        }
        Vocabulary.Encoded encoded = vocabulary.encode(text);
        if (encoded.unknownCount() > 0) {
            System.err.println("warning: " + encoded.unknownCount() + " character(s) of --start are not in the model's vocabulary and were read as <unk>");
        }
        return encoded.ids();
    }
}
