package dev.jgpt.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A corpus encoded once into token arrays, one per split, read a window at a time: memory stays
 * flat whatever the corpus's size.
 *
 * <p>A single text is one sequence per split, as in nanoGPT: a batch row is a window of block_size +
 * 1 consecutive tokens at a random offset. Documents (CSV rows, the files of a folder) each run from
 * {@code <s>} to {@code </s>}: a batch row is a random document, a random window of it when it is
 * longer than the block, padded with {@code <pad>} when shorter.
 */
final class PreparedCorpus implements Corpus {

    /**
     * What preparing found, saved beside the token files.
     *
     * @param name the source's name
     * @param documents what the documents are called ("rows", "files"), or null for a single text
     * @param characters the characters read
     * @param distinct how many of them are distinct
     * @param documentCount how many documents there are (1 for a text)
     * @param unknown how many characters became {@code <unk>}
     * @param width bytes per token
     * @param trainTokens the tokens of the train split
     * @param valTokens the tokens of the val split
     * @param fingerprint the source's {@link Fingerprint}, or null for a text held in memory
     */
    record Facts(String name, String documents, long characters, long distinct, long documentCount, long unknown,
            int width, long trainTokens, long valTokens, String fingerprint) {}

    private final Facts facts;
    private final Tokenizer tokenizer;
    private final Map<Split, TokenArray> tokens;
    private final Map<Split, TokenArray> starts;
    private final Map<Split, EstimateWindows> estimateWindows = new EnumMap<>(Split.class); // made at the first estimate

    PreparedCorpus(Facts facts, Tokenizer tokenizer, Map<Split, TokenArray> tokens, Map<Split, TokenArray> starts) {
        this.facts = facts;
        this.tokenizer = tokenizer;
        this.tokens = new EnumMap<>(tokens);
        this.starts = starts.isEmpty() ? Map.of() : new EnumMap<>(starts);
    }

    /** The file of {@code split}'s tokens in a prepared folder. */
    static Path tokenFile(Path folder, Split split) {
        return folder.resolve(split + ".bin");
    }

    /** The file of where each document of {@code split} starts (8-byte positions) in a prepared folder. */
    static Path startsFile(Path folder, Split split) {
        return folder.resolve(split + ".idx");
    }

    Facts facts() {
        return facts;
    }

    @Override
    public boolean documents() {
        return facts.documents() != null;
    }

    @Override
    public Vocabulary vocabulary() {
        if (tokenizer instanceof Vocabulary vocabulary) {
            return vocabulary;
        }
        throw new IllegalStateException(facts.name() + " was prepared with " + tokenizer.kind() + ", not characters");
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public Batch batch(Split split, int batchSize, int blockSize, Random random) {
        checkBlockSize(blockSize);
        TokenArray ids = tokens.get(split);
        long[] inputs = new long[batchSize * blockSize];
        long[] targets = new long[batchSize * blockSize];
        long[] window = new long[blockSize + 1];
        int countedTargets = 0;
        for (int row = 0; row < batchSize; row++) {
            long first;
            long end;
            if (documents()) {
                long document = uniform(random, starts.get(split).length());
                first = start(split, document);
                end = end(split, document);
                long length = end - first;
                first += length > blockSize + 1 ? uniform(random, length - blockSize) : 0;
            } else {
                first = uniform(random, ids.length() - blockSize);
                end = ids.length();
            }
            int length = (int) Math.min(blockSize + 1, end - first);
            ids.read(first, window, 0, length);
            countedTargets += fillRow(inputs, targets, row, blockSize, window, length);
        }
        return new Batch(batchSize, blockSize, inputs, targets, countedTargets);
    }

    /**
     * For text, windows at random offsets, as {@link #batch(Split, int, int, Random)} draws them; for
     * documents, windows drawn uniformly among those that cut them (see {@link EstimateWindows}).
     */
    @Override
    public List<Window> estimateWindows(Split split, int count, int blockSize, Random random) {
        checkBlockSize(blockSize);
        Window[] windows = new Window[count];
        if (!documents()) {
            for (int row = 0; row < count; row++) {
                windows[row] = new Window(uniform(random, tokens.get(split).length() - blockSize), blockSize + 1);
            }
            return List.of(windows);
        }
        EstimateWindows drawn = estimateWindows.get(split);
        if (drawn == null || drawn.blockSize() != blockSize) {
            drawn = new EstimateWindows(tokens.get(split).length(), starts.get(split), blockSize);
            estimateWindows.put(split, drawn);
        }
        for (int row = 0; row < count; row++) {
            windows[row] = drawn.draw(random);
        }
        return List.of(windows);
    }

    /** The rows of {@code windows} of {@code split}, each padded with {@code <pad>} to {@code blockSize}. */
    @Override
    public Batch batch(Split split, List<Window> windows, int blockSize) {
        int rows = windows.size();
        long[] inputs = new long[rows * blockSize];
        long[] targets = new long[rows * blockSize];
        long[] window = new long[blockSize + 1];
        int countedTargets = 0;
        for (int row = 0; row < rows; row++) {
            Window w = windows.get(row);
            tokens.get(split).read(w.start(), window, 0, w.length());
            countedTargets += fillRow(inputs, targets, row, blockSize, window, w.length());
        }
        return new Batch(rows, blockSize, inputs, targets, countedTargets);
    }

    /**
     * Inputs are the window but its last token, targets the window but its first, padded with
     * {@code <pad>} (without one: inputs 0, after the text, and ignored targets); returns the targets.
     */
    private int fillRow(long[] inputs, long[] targets, int row, int blockSize, long[] window, int length) {
        Integer paddingId = tokenizer.paddingId();
        int predicted = Math.max(0, length - 1);
        int offset = row * blockSize;
        System.arraycopy(window, 0, inputs, offset, predicted);
        System.arraycopy(window, 1, targets, offset, predicted);
        Arrays.fill(inputs, offset + predicted, offset + blockSize, paddingId == null ? 0 : paddingId);
        Arrays.fill(targets, offset + predicted, offset + blockSize, paddingId == null ? Batch.IGNORED : paddingId);
        return predicted;
    }

    /** A uniform draw from [0, bound); below 2^31 it is the draw {@code nextInt} gives, as before long positions. */
    static long uniform(Random random, long bound) {
        return bound <= Integer.MAX_VALUE ? random.nextInt((int) bound) : random.nextLong(bound);
    }

    private long start(Split split, long document) {
        return starts.get(split).get(document);
    }

    private long end(Split split, long document) {
        TokenArray splitStarts = starts.get(split);
        return document + 1 < splitStarts.length() ? splitStarts.get(document + 1) : tokens.get(split).length();
    }

    /** For documents every positive block size works, since a short document is padded. */
    @Override
    public void checkBlockSize(int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
        }
        if (documents()) {
            return;
        }
        for (Split split : Split.values()) {
            long length = tokens.get(split).length();
            if (length < blockSize + 1) {
                throw new CorpusException(String.format(Locale.ROOT,
                        "the %s split of %s has %,d tokens, but block size %,d needs at least %,d;"
                                + " use a smaller block size or a longer text",
                        split, facts.name(), length, blockSize, blockSize + 1));
            }
        }
    }

    /**
     * A text's train tokens followed by its val tokens, so that the target across the boundary
     * counts; documents once each, the val ones after the train ones (a single document is in both
     * splits: once).
     */
    @Override
    public Corpus whole() {
        boolean single = documents() && facts.documentCount() == 1;
        TokenArray all = single ? tokens.get(Split.TRAIN) : TokenArray.joined(tokens.get(Split.TRAIN), tokens.get(Split.VAL), 0);
        Map<Split, TokenArray> wholeTokens = new EnumMap<>(Map.of(Split.TRAIN, all, Split.VAL, all));
        if (!documents()) {
            return new PreparedCorpus(facts, tokenizer, wholeTokens, Map.of());
        }
        TokenArray allStarts = single ? starts.get(Split.TRAIN)
                : TokenArray.joined(starts.get(Split.TRAIN), starts.get(Split.VAL), tokens.get(Split.TRAIN).length());
        return new PreparedCorpus(facts, tokenizer, wholeTokens, Map.of(Split.TRAIN, allStarts, Split.VAL, allStarts));
    }

    @Override
    public long tokenCount(Split split) {
        return tokens.get(split).length();
    }

    @Override
    public EvaluationWindows evaluationWindows(Split split, int blockSize, long maxTargets) {
        if (blockSize < 1 || maxTargets < 0) {
            throw new IllegalArgumentException(
                    "block size must be >= 1 and the target limit >= 0, got " + blockSize + " and " + maxTargets);
        }
        return new EvaluationWindows(tokens.get(split).length(), starts.get(split), blockSize, maxTargets);
    }

    @Override
    public long unknownCount() {
        return facts.unknown();
    }

    /**
     * For example {@code input.txt: 1,115,394 characters, 65 distinct, 1,003,854 train / 111,540 val
     * tokens}, or {@code names.csv column "name": 32,033 rows, 196,113 characters, 26 distinct, 28,829
     * train / 3,204 val documents}.
     */
    @Override
    public String describe() {
        if (!documents()) {
            return String.format(Locale.ROOT, "%s: %,d characters, %,d distinct, %,d train / %,d val tokens",
                    facts.name(), facts.characters(), facts.distinct(), tokenCount(Split.TRAIN), tokenCount(Split.VAL));
        }
        return String.format(Locale.ROOT, "%s: %,d %s, %,d characters, %,d distinct, %,d train / %,d val documents",
                facts.name(), facts.documentCount(), facts.documents(), facts.characters(), facts.distinct(),
                starts.get(Split.TRAIN).length(), starts.get(Split.VAL).length());
    }
}
