package dev.jgpt.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * One plain text as one long sequence of character ids, split by position as nanoGPT does: the
 * first 90% of the tokens train, the last 10% validate. A batch is random windows of the split.
 */
public final class TextCorpus implements Corpus {

    private static final double TRAIN_FRACTION = 0.9;

    private final String name;
    private final Vocabulary vocabulary;
    private final int[] train;
    private final int[] val;
    private final long distinctCharacters;
    private final int unknownCount;

    private TextCorpus(String name, String text, Vocabulary vocabOrNull) {
        if (text.isEmpty()) {
            throw new CorpusException("corpus " + name + " is empty");
        }
        this.name = name;
        this.vocabulary = vocabOrNull != null ? vocabOrNull : Vocabulary.fromText(text);
        Vocabulary.Encoded encoded = vocabulary.encode(text);
        int trainLength = (int) (encoded.ids().length * TRAIN_FRACTION);
        this.train = Arrays.copyOfRange(encoded.ids(), 0, trainLength);
        this.val = Arrays.copyOfRange(encoded.ids(), trainLength, encoded.ids().length);
        this.distinctCharacters = text.codePoints().distinct().count();
        this.unknownCount = encoded.unknownCount();
    }

    /**
     * The corpus of a UTF-8 text file.
     *
     * @param vocabOrNull the vocabulary to encode with (a resumed run's), or null to build it from
     *     the text; characters it lacks become {@link Vocabulary#UNK}, counted in {@link
     *     #unknownCount()}
     * @throws CorpusException if the file is missing, unreadable, not valid UTF-8 or empty
     */
    public static TextCorpus fromFile(Path file, Vocabulary vocabOrNull) {
        return new TextCorpus(file.toString(), Utf8File.read(file), vocabOrNull);
    }

    /**
     * The corpus of {@code text}, called {@code name} in messages; see {@link #fromFile}.
     *
     * @throws CorpusException if the text is empty
     */
    public static TextCorpus fromText(String name, String text, Vocabulary vocabOrNull) {
        return new TextCorpus(name, text, vocabOrNull);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * {@code batchSize} windows of {@code blockSize + 1} consecutive tokens at random offsets of the
     * split: the first {@code blockSize} are the inputs, the last {@code blockSize} the targets. No
     * target is padding.
     */
    @Override
    public Batch batch(Split split, int batchSize, int blockSize, Random random) {
        checkBlockSize(split, blockSize);
        int[] tokens = splitTokens(split);
        long[] inputs = new long[batchSize * blockSize];
        long[] targets = new long[batchSize * blockSize];
        for (int row = 0; row < batchSize; row++) {
            int offset = random.nextInt(tokens.length - blockSize);
            for (int t = 0; t < blockSize; t++) {
                inputs[row * blockSize + t] = tokens[offset + t];
                targets[row * blockSize + t] = tokens[offset + t + 1];
            }
        }
        return new Batch(batchSize, blockSize, inputs, targets, batchSize * blockSize);
    }

    @Override
    public void checkBlockSize(int blockSize) {
        checkBlockSize(Split.TRAIN, blockSize);
        checkBlockSize(Split.VAL, blockSize);
    }

    private void checkBlockSize(Split split, int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
        }
        int length = splitTokens(split).length;
        if (length < blockSize + 1) {
            throw new CorpusException(String.format(Locale.ROOT,
                    "the %s split of %s has %,d tokens, but block size %,d needs at least %,d;"
                            + " use a smaller block size or a longer text",
                    split, name, length, blockSize, blockSize + 1));
        }
    }

    @Override
    public int[] tokens(Split split) {
        return splitTokens(split).clone();
    }

    private int[] splitTokens(Split split) {
        return split == Split.TRAIN ? train : val;
    }

    @Override
    public int unknownCount() {
        return unknownCount;
    }

    /** For example "input.txt: 1,115,394 characters, 65 distinct, 1,003,854 train / 111,540 val tokens". */
    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s: %,d characters, %,d distinct, %,d train / %,d val tokens",
                name, train.length + val.length, distinctCharacters, train.length, val.length);
    }
}
