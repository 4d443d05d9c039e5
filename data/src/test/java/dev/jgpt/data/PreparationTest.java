package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming preparation against the in-memory encoding it replaced, reuse, and its errors. */
class PreparationTest {

    @TempDir
    Path folder;

    @Test
    void theBuiltInStoriesEncodeAsInMemoryFromMemoryAndFromAFile() throws IOException {
        String text = StoryGenerator.generate();
        Vocabulary vocabulary = Vocabulary.fromText(text);
        int[] ids = vocabulary.encode(text).ids();
        int trainLength = (int) (ids.length * 0.9);
        Path file = Files.writeString(folder.resolve("stories.txt"), text);

        for (Corpus corpus : List.of(StoryGenerator.corpus(), open(file.toString(), null, null))) {
            assertEquals(vocabulary, corpus.vocabulary());
            assertArrayEquals(Arrays.copyOfRange(ids, 0, trainLength), Tokens.of(corpus, Split.TRAIN));
            assertArrayEquals(Arrays.copyOfRange(ids, trainLength, ids.length), Tokens.of(corpus, Split.VAL));
        }
    }

    @Test
    void aCsvEncodesAsInMemoryDocumentByDocument() throws IOException {
        StringBuilder csv = new StringBuilder("id,text\n");
        for (int i = 0; i < 30; i++) {
            csv.append(i).append(",\"row ").append(i).append(i % 3 == 0 ? " \u00e9\uD83D\uDE00, \"\"quoted\"\"\nnext" : "")
                    .append("\"\n");
        }
        Path file = Files.writeString(folder.resolve("rows.csv"), csv);
        List<String> documents = new ArrayList<>();
        try (CSVParser parser = CSVParser.parse(csv.toString(), CSVFormat.RFC4180.builder().setHeader().get())) {
            for (CSVRecord record : parser) {
                documents.add(record.get("text"));
            }
        }
        Vocabulary vocabulary = Vocabulary.fromText(String.join("", documents));

        Corpus corpus = open(file.toString(), "text", null);

        assertEquals(vocabulary, corpus.vocabulary());
        List<String> train = Tokens.documents(corpus, Split.TRAIN);
        List<String> val = Tokens.documents(corpus, Split.VAL);
        assertEquals(27, train.size());
        assertEquals(3, val.size());
        List<String> inFileOrder = documents.stream().filter(d -> train.contains(d) || val.contains(d)).toList();
        assertEquals(documents, inFileOrder);
        assertEquals(documents.stream().filter(train::contains).toList(), train);
        for (String document : documents) {
            int[] expected = IntStream.concat(IntStream.of(Vocabulary.BOS),
                    IntStream.concat(Arrays.stream(vocabulary.encode(document).ids()), IntStream.of(Vocabulary.EOS))).toArray();
            int[] all = Tokens.all(corpus);
            assertTrue(indexOf(all, expected) >= 0, "row " + document + " is encoded as in memory");
        }
    }

    @Test
    void theTokenWidthFollowsTheVocabulary() throws IOException {
        // 252 characters: 256 ids, 1 byte. 253: 257 ids, 2 bytes. 65,533: 65,537 ids, 4 bytes.
        for (int[] distinctAndWidth : new int[][] {{252, 1}, {253, 2}, {65_533, 4}}) {
            int distinct = distinctAndWidth[0];
            String text = IntStream.range(0, distinct).map(i -> 0x4E00 + i >= 0xD800 ? 0xE000 + i : 0x4E00 + i)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString()
                    .repeat(2);
            Path file = Files.writeString(folder.resolve("width" + distinct + ".txt"), text);

            Corpus corpus = open(file.toString(), null, null);

            assertEquals(distinct + 4, corpus.vocabulary().size());
            Path prepared = preparedFolder();
            long tokens = 2L * distinct;
            long trainTokens = (long) (tokens * 0.9);
            assertEquals(trainTokens * distinctAndWidth[1], Files.size(PreparedCorpus.tokenFile(prepared, Split.TRAIN)));
            assertArrayEquals(Arrays.copyOfRange(corpus.vocabulary().encode(text).ids(), (int) trainTokens, (int) tokens),
                    Tokens.of(corpus, Split.VAL));
            deleteTree(folder.resolve("prepared"));
        }
    }

    @Test
    void aSecondOpenReusesThePreparedFiles() throws IOException {
        Path file = Files.writeString(folder.resolve("notes.txt"), "some notes\n".repeat(100));
        open(file.toString(), null, null);
        Path prepared = preparedFolder();
        Path train = PreparedCorpus.tokenFile(prepared, Split.TRAIN);
        FileTime written = FileTime.fromMillis(0);
        Files.setLastModifiedTime(train, written);

        Corpus again = open(file.toString(), null, null);

        assertEquals(written, Files.getLastModifiedTime(train), "not written again");
        assertEquals(file + ": 1,100 characters, 8 distinct, 990 train / 110 val tokens", again.describe());
    }

    @Test
    void anEditedSourceIsPreparedAgain() throws IOException {
        Path file = Files.writeString(folder.resolve("notes.txt"), "some notes\n".repeat(100));
        open(file.toString(), null, null);
        Files.writeString(file, "more notes\n".repeat(120));

        Corpus edited = open(file.toString(), null, null);

        assertEquals(1, subfolders().size(), "prepared again in place");
        assertEquals(file + ": 1,320 characters, 9 distinct, 1,188 train / 132 val tokens", edited.describe());
    }

    @Test
    void anEditThatKeepsSizeAndModificationTimeIsCaughtByTheSample() throws IOException {
        Path file = Files.writeString(folder.resolve("notes.txt"), "aaaa\n".repeat(100));
        FileTime time = Files.getLastModifiedTime(file);
        open(file.toString(), null, null);
        Files.writeString(file, "bbbb\n".repeat(100));
        Files.setLastModifiedTime(file, time);

        Corpus edited = open(file.toString(), null, null);

        assertEquals("b", edited.vocabulary().token(Tokens.of(edited, Split.VAL)[0]));
    }

    @Test
    void aTruncatedPreparedFileIsPreparedAgain() throws IOException {
        Path file = Files.writeString(folder.resolve("notes.txt"), "some notes\n".repeat(100));
        int[] expected = Tokens.of(open(file.toString(), null, null), Split.TRAIN);
        Path train = PreparedCorpus.tokenFile(preparedFolder(), Split.TRAIN);
        Files.write(train, Arrays.copyOf(Files.readAllBytes(train), 500));

        Corpus again = open(file.toString(), null, null);

        assertArrayEquals(expected, Tokens.of(again, Split.TRAIN));
        assertEquals(990, Files.size(train));
    }

    @Test
    void aCheckpointsVocabularyReusesTheSourcesOwnPreparationWhenEqualAndAnotherWhenNot() throws IOException {
        Path file = Files.writeString(folder.resolve("notes.txt"), "some notes\n".repeat(100));
        Corpus own = open(file.toString(), null, null);

        Corpus same = open(file.toString(), null, own.vocabulary());
        Corpus other = open(file.toString(), null, Vocabulary.fromText("some"));

        assertEquals(own.describe(), same.describe());
        assertEquals(2, subfolders().size(), "the other vocabulary's ids are prepared apart");
        assertEquals(400, other.unknownCount(), "a space, n, t and a newline in each of 100 lines");
    }

    @Test
    void aCsvWhoseColumnIsEmptyInEveryRowIsRefusedLikeAnEmptyText() throws IOException {
        Path csv = Files.writeString(folder.resolve("blank.csv"), "id,text\n1,\n2,\"\"\n");
        Path text = Files.writeString(folder.resolve("blank.txt"), "");

        CorpusException fromCsv = assertThrows(CorpusException.class, () -> open(csv.toString(), "text", null));
        CorpusException fromText = assertThrows(CorpusException.class, () -> open(text.toString(), null, null));

        assertEquals("corpus " + csv + " column \"text\" is empty", fromCsv.getMessage());
        assertEquals("corpus " + text + " is empty", fromText.getMessage());
    }

    @Test
    void aSourceThatChangesWhilePreparedIsRefusedAndLeavesNothing() throws IOException {
        Path file = Files.writeString(folder.resolve("growing.txt"), "abc\n".repeat(1000));
        CorpusSource growing = new CorpusSource() {
            private final TextSource text = TextSource.ofFile(file);
            private int reads;

            @Override public String name() { return text.name(); }
            @Override public String documents() { return null; }
            @Override public List<Path> files() { return text.files(); }
            @Override public String identity() { return text.identity(); }

            @Override
            public void read(TextSink sink, Progress progress) {
                text.read(sink, progress);
                if (reads++ == 0) {
                    try {
                        Files.writeString(file, "more\n", java.nio.file.StandardOpenOption.APPEND);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
        };
        PreparedStore store = new PreparedStore(folder.resolve("prepared"), Progress.SILENT, Files::newOutputStream);

        CorpusException e = assertThrows(CorpusException.class, () -> store.open(growing, null, TokenizerSpec.CHAR, 1));

        assertEquals(file + " changed while it was being prepared; run again once it no longer changes", e.getMessage());
        assertEquals(List.of(), subfolders());
    }

    @Test
    void aFullDiskRemovesThePartialFilesAndSaysSo() throws IOException {
        Path file = Files.writeString(folder.resolve("big.txt"), "abcdefgh\n".repeat(20_000));
        PreparedStore store = new PreparedStore(folder.resolve("prepared"), Progress.SILENT,
                path -> new DiskThatFills(Files.newOutputStream(path), 100_000));

        CorpusException e = assertThrows(CorpusException.class, () -> store.open(TextSource.ofFile(file), null, TokenizerSpec.CHAR, 1));

        assertTrue(e.getMessage().startsWith("cannot write the prepared corpus to " + folder.resolve("prepared")),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(": No space left on device; the partial files were removed"), e.getMessage());
        assertEquals(List.of(), subfolders());
    }

    @Test
    void progressShowsBytesRateAndTimeLeft() {
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        Progress progress = Progress.to(new PrintStream(shown, true, StandardCharsets.UTF_8), false)
                .start("preparing big.txt", 4_000_000_000L);

        progress.advance(0);
        sleep(1_100);
        progress.advance(1_000_000_000L);

        String line = shown.toString(StandardCharsets.UTF_8);
        assertTrue(line.matches("preparing big\\.txt: 1,000 of 4,000 MB \\(25%\\), \\d+ MB/s, \\d+:\\d\\d left\\n"), line);
    }

    /** Fails every write once {@code limit} bytes are written, as a full disk does. */
    private static final class DiskThatFills extends FilterOutputStream {
        private long left;

        DiskThatFills(OutputStream out, long limit) {
            super(out);
            this.left = limit;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            left -= length;
            if (left < 0) {
                throw new IOException("No space left on device");
            }
            out.write(bytes, offset, length);
        }
    }

    private Corpus open(String data, String column, Vocabulary vocabulary) {
        return Corpora.open(data, column, vocabulary, Tokens.options(folder, 1337));
    }

    private Path preparedFolder() throws IOException {
        List<Path> folders = subfolders();
        assertEquals(1, folders.size(), folders.toString());
        return folders.get(0);
    }

    private List<Path> subfolders() throws IOException {
        Path root = folder.resolve("prepared");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> paths = Files.list(root)) {
            return paths.sorted().toList();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static int indexOf(int[] haystack, int[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
