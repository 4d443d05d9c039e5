package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextSourceTest {

    /** 1,000 characters: "abcdefghij" repeated, so the next character is always known. */
    private static final String TEXT = "abcdefghij".repeat(100);

    @TempDir
    Path folder;

    @Test
    void splitsNinetyTenByPosition() {
        Corpus corpus = Corpora.fromText("letters", TEXT, null);

        int[] train = Tokens.of(corpus, Split.TRAIN);
        int[] val = Tokens.of(corpus, Split.VAL);

        assertEquals(900, train.length);
        assertEquals(100, val.length);
        int[] all = corpus.vocabulary().encode(TEXT).ids();
        assertArrayEquals(Arrays.copyOfRange(all, 0, 900), train);
        assertArrayEquals(Arrays.copyOfRange(all, 900, 1000), val);
    }

    @Test
    void splitRoundsTheTrainPartDown() {
        Corpus corpus = Corpora.fromText("short", "abcdefghijklm", null);

        assertEquals(11, Tokens.of(corpus, Split.TRAIN).length);
        assertEquals(2, Tokens.of(corpus, Split.VAL).length);
    }

    @Test
    void describesItselfInOneLine() {
        Corpus corpus = Corpora.fromText("letters", TEXT + "\u00e9\u00e9", null);

        assertEquals("letters: 1,002 characters, 11 distinct, 901 train / 101 val tokens", corpus.describe());
    }

    @Test
    void targetsAreTheInputsShiftedByOne() {
        Corpus corpus = Corpora.fromText("letters", TEXT, null);
        int[] train = Tokens.of(corpus, Split.TRAIN);

        Batch batch = corpus.batch(Split.TRAIN, 4, 8, new Random(7));

        assertEquals(4, batch.batchSize());
        assertEquals(8, batch.blockSize());
        assertEquals(32, batch.inputs().length);
        assertEquals(32, batch.countedTargets());
        for (int row = 0; row < 4; row++) {
            long[] inputs = Arrays.copyOfRange(batch.inputs(), row * 8, row * 8 + 8);
            long[] targets = Arrays.copyOfRange(batch.targets(), row * 8, row * 8 + 8);
            int offset = offsetOf(train, inputs);
            assertTrue(offset >= 0, "row " + row + " is a window of the train split");
            for (int t = 0; t < 8; t++) {
                assertEquals(train[offset + t + 1], targets[t]);
            }
        }
    }

    @Test
    void windowOffsetsComeFromTheRandomAsNanoGptDrawsThem() {
        // Distinct characters in code point order, so a token's id is its position plus 4.
        String text = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        Corpus corpus = Corpora.fromText("alphabet", text, null);
        int trainLength = Tokens.of(corpus, Split.TRAIN).length;
        Random expected = new Random(3);

        Batch batch = corpus.batch(Split.TRAIN, 3, 5, new Random(3));

        assertEquals(55, trainLength);
        for (int row = 0; row < 3; row++) {
            assertEquals(expected.nextInt(trainLength - 5), batch.inputs()[row * 5] - 4);
        }
    }

    @Test
    void theSameSeedGivesTheSameBatch() {
        Corpus corpus = Corpora.fromText("stories", StoryGenerator.generate().substring(0, 20_000), null);

        Batch first = corpus.batch(Split.TRAIN, 8, 32, new Random(42));
        Batch second = corpus.batch(Split.TRAIN, 8, 32, new Random(42));
        Batch other = corpus.batch(Split.TRAIN, 8, 32, new Random(43));

        assertArrayEquals(first.inputs(), second.inputs());
        assertArrayEquals(first.targets(), second.targets());
        assertFalse(Arrays.equals(first.inputs(), other.inputs()));
    }

    @Test
    void valBatchesComeFromTheValSplit() {
        // Train is all "a", val all "b".
        Corpus corpus = Corpora.fromText("ab", "a".repeat(90) + "b".repeat(10), null);

        Batch batch = corpus.batch(Split.VAL, 5, 4, new Random(1));

        long b = corpus.vocabulary().encode("b").ids()[0];
        assertTrue(Arrays.stream(batch.inputs()).allMatch(id -> id == b));
        assertTrue(Arrays.stream(batch.targets()).allMatch(id -> id == b));
    }

    @Test
    void aSplitOfExactlyBlockSizePlusOneTokensGivesBatches() {
        Corpus corpus = Corpora.fromText("letters", TEXT, null);

        Batch batch = corpus.batch(Split.VAL, 2, 99, new Random(0));

        assertArrayEquals(Arrays.stream(Tokens.of(corpus, Split.VAL), 0, 99).asLongStream().toArray(),
                Arrays.copyOfRange(batch.inputs(), 0, 99));
    }

    @Test
    void aSplitTooShortForTheBlockIsNamed() {
        Corpus corpus = Corpora.fromText("letters", TEXT, null);

        CorpusException e = assertThrows(CorpusException.class, () -> corpus.batch(Split.VAL, 2, 100, new Random(0)));

        assertEquals("the val split of letters has 100 tokens, but block size 100 needs at least 101;"
                + " use a smaller block size or a longer text", e.getMessage());
    }

    @Test
    void checkBlockSizeChecksBothSplits() {
        Corpus corpus = Corpora.fromText("letters", TEXT, null);

        corpus.checkBlockSize(99);
        CorpusException e = assertThrows(CorpusException.class, () -> corpus.checkBlockSize(1_000));

        assertTrue(e.getMessage().startsWith("the train split of letters has 900 tokens, but block size 1,000"),
                e.getMessage());
    }

    @Test
    void aGivenVocabularyIsKeptAndUnknownCharactersCounted() {
        Vocabulary vocabulary = Vocabulary.fromText("abc");

        Corpus corpus = Corpora.fromText("mixed", "abcxyzabcx", vocabulary);

        assertEquals(vocabulary, corpus.vocabulary());
        assertEquals(4, corpus.unknownCount());
        assertArrayEquals(new int[] {4, 5, 6, 3, 3, 3, 4, 5, 6}, Tokens.of(corpus, Split.TRAIN));
    }

    @Test
    void readsAUtf8File() throws IOException {
        Path file = Files.writeString(folder.resolve("poem.txt"), "\uFEFF" + "Sch\u00f6n ist's.\n".repeat(20));

        Corpus corpus = Corpora.open(file.toString(), null, null, Tokens.options(folder, 1337));

        assertEquals(file + ": 260 characters, 12 distinct, 234 train / 26 val tokens", corpus.describe());
        assertEquals(0, corpus.unknownCount());
        assertFalse(corpus.vocabulary().tokens().contains("\uFEFF"), "the byte order mark is not text");
    }

    @Test
    void invalidUtf8IsNamedByByteOffsetAndLine() throws IOException {
        byte[] good = "first line\nsecond \u00e9 line\nthird ".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Arrays.copyOf(good, good.length + 2);
        bytes[good.length] = (byte) 0xC3; // the start of a two-byte sequence...
        bytes[good.length + 1] = (byte) 0x28; // ...followed by "(" instead of a continuation byte
        Path file = Files.write(folder.resolve("latin1.txt"), bytes);

        CorpusException e = assertThrows(CorpusException.class, () -> Corpora.open(file.toString(), null, null, Tokens.options(folder, 1337)));

        // 11 bytes of line 1, 15 of line 2 (the e-acute takes two), 6 of line 3: the bad byte is at 32.
        assertEquals("corpus file " + file + " is not valid UTF-8: byte 0xC3 at byte offset 32 (line 3) does not decode",
                e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = folder.resolve("absent.txt");

        CorpusException e = assertThrows(CorpusException.class, () -> Corpora.open(file.toString(), null, null, Tokens.options(folder, 1337)));

        assertEquals("corpus file " + file + " does not exist", e.getMessage());
    }

    @Test
    void anEmptyFileIsNamed() throws IOException {
        Path file = Files.createFile(folder.resolve("empty.txt"));

        CorpusException e = assertThrows(CorpusException.class, () -> Corpora.open(file.toString(), null, null, Tokens.options(folder, 1337)));

        assertEquals("corpus " + file + " is empty", e.getMessage());
    }

    private static int offsetOf(int[] tokens, long[] window) {
        for (int offset = 0; offset + window.length <= tokens.length; offset++) {
            boolean matches = true;
            for (int t = 0; t < window.length && matches; t++) {
                matches = tokens[offset + t] == window[t];
            }
            if (matches) {
                return offset;
            }
        }
        return -1;
    }
}
