package dev.jgpt.train.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import dev.jgpt.data.BytePairTokenizer;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.data.Utf8Pieces;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.sample.Sampler;
import dev.jgpt.train.sample.SamplingThreads;
import dev.jgpt.train.store.SavedModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jgpt sample}: generates text from a checkpoint. */
@Command(
        name = "sample",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Generate text from a trained model.")
final class SampleCommand implements Callable<Integer> {

    static final String RULE = "---------------";

    @Mixin SavedModelOption checkpoint;

    @Option(names = "--start", paramLabel = "TEXT|FILE:path", description = "Text to continue; FILE:path reads it from a file, FILE:- from standard input (default: a new line; <s> for a model trained on documents: CSV rows or a folder's files).")
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

    @Option(names = "--ignore-eos", description = "Always generate --max-new-tokens characters; do not stop at </s> (a model trained on text never does).")
    boolean ignoreEos;

    @Option(names = "--no-kv-cache", description = "Recompute the whole window for every token (same text, slower).")
    boolean noKvCache;

    @Mixin DeviceOption device;

    @Mixin ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        threads.apply();
        Devices.require(device.name);
        SamplingThreads.beforeEngineStarts();
        checkOptions();
        PrintStream out = System.out;
        SavedModel loaded = checkpoint.open();
        Tokenizer tokenizer = loaded.tokenizer();
        String prompt = prompt();
        int[] context = prompt.isEmpty() ? freshStart(loaded)
                : tokenizer instanceof Vocabulary vocabulary ? encode(prompt, vocabulary) : tokenizer.ids(prompt);
        try (NDManager manager = NDManager.newBaseManager(Device.fromName(device.name))) {
            Gpt gpt = loaded.loadModel(manager);
            // Text runs never saw </s>: like <unk>, it is left out of their draw.
            boolean stopAtEos = !ignoreEos && loaded.documents();
            Sampler sampler = new Sampler(gpt, manager, !noKvCache, stopAtEos, tokenizer.size());
            Random random = new Random(seed);
            for (int n = 0; n < numSamples; n++) {
                if (n > 0) {
                    out.println(RULE);
                }
                out.print(prompt); // as typed: a character the vocabulary lacks is shown, not its <unk>
                out.flush();
                // A BPE may split a character over tokens: it is printed once its bytes are complete.
                Utf8Pieces text = new Utf8Pieces();
                sampler.generate(context, maxNewTokens, temperature, topK, topP, random, id -> {
                    out.print(text.add(tokenizer.bytes(id)));
                    out.flush();
                });
                out.println(text.finish());
            }
        }
        return 0;
    }

    private void checkOptions() {
        if (numSamples <= 0) {
            throw new IllegalArgumentException("--num-samples must be > 0, got " + numSamples);
        }
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("--max-new-tokens must be > 0, got " + maxNewTokens);
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("--temperature must be > 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("--top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        }
    }

    /** The text of --start: as typed, or read from FILE:path, or from standard input with FILE:-. */
    private String prompt() throws IOException {
        if (!start.startsWith("FILE:")) {
            return start;
        }
        String name = start.substring("FILE:".length());
        if (name.equals("-")) {
            return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path file = Path.of(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--start file " + file + " does not exist");
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /**
     * Where a sample starts without --start: documents (CSV rows, a folder's files) begin with {@code <s>}, as in
     * training; a text run never saw {@code <s>}, so it starts after a newline (else a space), as
     * if at the start of a line.
     */
    private static int[] freshStart(SavedModel loaded) {
        if (loaded.tokenizer() instanceof BytePairTokenizer bpe) {
            return !loaded.documents() ? bpe.ids("\n") : new int[] {bpe.documentStart()};
        }
        Vocabulary vocabulary = loaded.vocabulary();
        if (!loaded.documents() || !vocabulary.hasSpecials()) {
            for (String character : new String[] {"\n", " "}) {
                int id = vocabulary.tokens().indexOf(character); // never a reserved token: those are longer
                if (id >= 0) {
                    return new int[] {id};
                }
            }
        }
        return new int[] {vocabulary.hasSpecials() ? Vocabulary.BOS : 0};
    }

    /** The ids of the prompt; characters the vocabulary lacks become <unk>, with one warning that names them. */
    private static int[] encode(String prompt, Vocabulary vocabulary) {
        Vocabulary.Encoded encoded = vocabulary.encode(prompt);
        if (encoded.unknownCount() > 0) {
            String missing = prompt.codePoints()
                    .distinct()
                    .mapToObj(Character::toString)
                    .filter(c -> vocabulary.encode(c).unknownCount() > 0)
                    .map(c -> new Gson().toJson(c))
                    .collect(Collectors.joining(", "));
            System.err.println("warning: " + encoded.unknownCount() + " character(s) of --start are not in the model's vocabulary ("
                    + missing + ") and were read as <unk>");
        }
        return encoded.ids();
    }
}
