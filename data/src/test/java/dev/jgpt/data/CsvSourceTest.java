package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSourceTest {

    private static final long BOS = Vocabulary.BOS;
    private static final long PAD = Vocabulary.PAD;
    private static final long EOS = Vocabulary.EOS;

    @TempDir
    Path folder;

    @Test
    void eachRowIsADocumentBetweenBoundaryTokens() throws IOException {
        Path file = csv("id,text\n1,ab\n2,ba\n");

        Corpus corpus = open(file, "text", null);

        // <s>=0 <pad>=1 </s>=2 <unk>=3 a=4 b=5
        assertEquals(6, corpus.vocabulary().size());
        int[] train = Tokens.of(corpus, Split.TRAIN);
        int[] val = Tokens.of(corpus, Split.VAL);
        assertEquals(4, train.length);
        assertArrayEquals(new int[] {0, 4, 5, 2, 0, 5, 4, 2}, train[1] == 4 ? Tokens.all(corpus) : concat2(val, train));
    }

    @Test
    void splitsNinetyTenByRows() throws IOException {
        Path file = csv("n\n" + IntStream.range(0, 25).mapToObj(i -> "row" + i).collect(Collectors.joining("\n")));

        Corpus corpus = open(file, "n", null);

        assertEquals(file + " column \"n\": 25 rows, 115 characters, 13 distinct, 22 train / 3 val documents",
                corpus.describe());
        List<String> train = Tokens.documents(corpus, Split.TRAIN);
        List<String> val = Tokens.documents(corpus, Split.VAL);
        assertEquals(3, val.size());
        List<String> all = new ArrayList<>(train);
        all.addAll(val);
        all.sort(Comparator.comparingInt((String row) -> Integer.parseInt(row.substring(3))));
        assertEquals(IntStream.range(0, 25).mapToObj(i -> "row" + i).toList(), all);
        assertEquals(train.stream().sorted(Comparator.comparingInt((String row) -> Integer.parseInt(row.substring(3)))).toList(),
                train, "each split keeps the file's order");
    }

    @Test
    void theSeedChoosesTheValRowsReproducibly() throws IOException {
        Path file = csv("n\n" + IntStream.range(0, 40).mapToObj(i -> "row" + i).collect(Collectors.joining("\n")));

        List<String> first = Tokens.documents(openWithSeed(file, 1), Split.VAL);
        List<String> again = Tokens.documents(openWithSeed(file, 1), Split.VAL);
        List<String> other = Tokens.documents(openWithSeed(file, 2), Split.VAL);

        assertEquals(4, first.size());
        assertEquals(first, again);
        assertFalse(first.equals(other), "another seed, another split: " + first + " and " + other);
    }

    private Corpus openWithSeed(Path file, long seed) {
        return Corpora.open(file.toString(), "n", null, Tokens.options(folder, seed));
    }

    @Test
    void tenRowsGiveOneToVal() throws IOException {
        Path file = csv("n\n" + "x\n".repeat(10));

        assertTrue(open(file, "n", null).describe().endsWith("9 train / 1 val documents"));
    }

    @Test
    void aSingleRowIsUsedByBothSplits() throws IOException {
        Path file = csv("text\nhi\n");

        Corpus corpus = open(file, "text", null);

        assertArrayEquals(Tokens.of(corpus, Split.TRAIN), Tokens.of(corpus, Split.VAL));
        assertTrue(corpus.describe().endsWith("1 rows, 2 characters, 2 distinct, 1 train / 1 val documents"));
    }

    @Test
    void shortDocumentsArePaddedAndPaddingIsNotCounted() throws IOException {
        Path file = csv("text\nhi\n");
        Corpus corpus = open(file, "text", null);
        long h = 4;
        long i = 5;

        Batch batch = corpus.batch(Split.TRAIN, 2, 6, new Random(0));

        long[] inputs = {BOS, h, i, PAD, PAD, PAD};
        long[] targets = {h, i, EOS, PAD, PAD, PAD};
        assertArrayEquals(concat(inputs, inputs), batch.inputs());
        assertArrayEquals(concat(targets, targets), batch.targets());
        assertEquals(6, batch.countedTargets());
    }

    @Test
    void aDocumentOfExactlyBlockSizePlusOneTokensFillsTheRow() throws IOException {
        Corpus corpus = open(csv("text\nabc\n"), "text", null);

        Batch batch = corpus.batch(Split.TRAIN, 1, 4, new Random(0));

        assertArrayEquals(new long[] {BOS, 4, 5, 6}, batch.inputs());
        assertArrayEquals(new long[] {4, 5, 6, EOS}, batch.targets());
        assertEquals(4, batch.countedTargets());
    }

    @Test
    void longDocumentsGiveRandomWindowsWithShiftedTargets() throws IOException {
        String text = "abcdefghijklmnopqrstuvwxyz";
        Corpus corpus = open(csv("text\n" + text + "\n"), "text", null);
        int[] document = Tokens.of(corpus, Split.TRAIN); // 28 tokens: <s>, a..z, </s>

        Batch batch = corpus.batch(Split.TRAIN, 16, 5, new Random(11));

        assertEquals(80, batch.countedTargets());
        Random expected = new Random(11);
        for (int row = 0; row < 16; row++) {
            expected.nextInt(1); // the document
            int start = expected.nextInt(28 - 5);
            for (int t = 0; t < 5; t++) {
                assertEquals(document[start + t], batch.inputs()[row * 5 + t]);
                assertEquals(document[start + t + 1], batch.targets()[row * 5 + t]);
            }
        }
    }

    @Test
    void countedTargetsAddUpAcrossDocumentsOfDifferentLengths() throws IOException {
        Path file = csv("text\na\nabcdefghij\nab\nabc\nabcdefghij\nb\nba\nabcd\nc\nabcdefghij\n");
        Corpus corpus = open(file, "text", null);

        Batch batch = corpus.batch(Split.TRAIN, 32, 8, new Random(5));

        long notPad = Arrays.stream(batch.targets()).filter(id -> id != PAD).count();
        assertEquals(notPad, batch.countedTargets());
        assertTrue(batch.countedTargets() < 32 * 8, "some rows are padded");
        for (int k = 0; k < batch.inputs().length; k++) {
            assertEquals(batch.inputs()[k] == PAD, batch.targets()[k] == PAD, "inputs and targets pad together");
        }
    }

    @Test
    void theSameSeedGivesTheSameBatch() throws IOException {
        Path file = csv("text\none\ntwo\nthree\nfour\nfive\nsix\n");
        Corpus corpus = open(file, "text", null);

        Batch first = corpus.batch(Split.TRAIN, 8, 3, new Random(9));
        Batch second = corpus.batch(Split.TRAIN, 8, 3, new Random(9));
        Batch other = corpus.batch(Split.TRAIN, 8, 3, new Random(10));

        assertArrayEquals(first.inputs(), second.inputs());
        assertArrayEquals(first.targets(), second.targets());
        assertFalse(Arrays.equals(first.inputs(), other.inputs()));
    }

    @Test
    void quotedFieldsHoldCommasQuotesAndNewlines() throws IOException {
        Path file = csv("id,text\r\n1,\"He said \"\"hi\"\", then\nleft.\"\r\n2,plain\r\n");

        Corpus corpus = open(file, "text", null);

        assertTrue(corpus.vocabulary().decode(Tokens.all(corpus)).contains("He said \"hi\", then\nleft."));
    }

    @Test
    void aGivenVocabularyCountsUnknownCharacters() throws IOException {
        Vocabulary vocabulary = Vocabulary.fromText("ab");

        Corpus corpus = open(csv("text\nabc\ncab\n"), "text", vocabulary);

        assertEquals(vocabulary, corpus.vocabulary());
        assertEquals(2, corpus.unknownCount());
        int[] abc = {0, 4, 5, 3, 2};
        assertTrue(Arrays.equals(abc, Tokens.of(corpus, Split.TRAIN)) || Arrays.equals(abc, Tokens.of(corpus, Split.VAL)));
    }

    @Test
    void aMissingColumnIsNamedWithTheHeader() throws IOException {
        Path file = csv("id,text,lang\n1,hi,en\n");

        assertEquals("corpus file " + file + " has no column \"body\"; its columns are \"id\", \"text\", \"lang\"",
                error(file, "body"));
    }

    @Test
    void noColumnAsksForOneAndListsTheHeader() throws IOException {
        Path file = csv("id,text\n1,hi\n");

        assertEquals("corpus file " + file + " is a CSV file, so --column is needed to say which column holds"
                + " the text; its columns are \"id\", \"text\"", error(file, null));
    }

    @Test
    void aHeaderWithoutRowsIsRefused() throws IOException {
        Path file = csv("id,text\n");

        assertEquals("corpus file " + file + " has a header line but no rows", error(file, "text"));
    }

    @Test
    void anEmptyFileIsRefused() throws IOException {
        Path file = csv("");

        assertEquals("corpus file " + file + " is empty: a CSV file needs a header line naming its columns",
                error(file, "text"));
    }

    @Test
    void aRowTooShortForTheColumnIsNamed() throws IOException {
        Path file = csv("id,text\n1,hi\n2\n");

        assertEquals("corpus file " + file + ": row 2 has 1 fields, too few to hold column \"text\"", error(file, "text"));
    }

    @Test
    void anUnterminatedQuoteIsNotValidCsv() throws IOException {
        Path file = csv("id,text\n1,\"never closed\n");

        assertTrue(error(file, "text").startsWith("corpus file " + file + " is not valid CSV: "));
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = folder.resolve("absent.csv");

        assertEquals("corpus file " + file + " does not exist", error(file, "text"));
    }

    @Test
    void invalidUtf8IsNamed() throws IOException {
        Path file = Files.write(folder.resolve("bad.csv"), new byte[] {'t', '\n', 'a', (byte) 0xFF, '\n'});

        assertEquals("corpus file " + file + " is not valid UTF-8: byte 0xFF at byte offset 3 (line 2) does not decode",
                error(file, "t"));
    }

    @Test
    void malformedCsvIsOneLineInTheUsersWords() throws IOException {
        Path file = csv("id,text\n1,\"unterminated\n2,ok\n");
        String message = error(file, "text");
        assertTrue(message.startsWith("corpus file " + file + " is not valid CSV: "), message);
        assertFalse(message.contains("org.apache") || message.contains("Exception"), message);
    }

    private Corpus open(Path file, String column, Vocabulary vocabulary) {
        return Corpora.open(file.toString(), column, vocabulary, Tokens.options(folder, 1337));
    }

    private Path csv(String content) throws IOException {
        return Files.writeString(folder.resolve("data.csv"), content);
    }

    private String error(Path file, String column) {
        return assertThrows(CorpusException.class, () -> open(file, column, null)).getMessage();
    }

    private static int[] concat2(int[] first, int[] second) {
        int[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static long[] concat(long[] first, long[] second) {
        long[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
