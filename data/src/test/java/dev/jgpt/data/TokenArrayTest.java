package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenArrayTest {

    private static final long BEYOND_INT = (1L << 31) + 64;

    @TempDir
    Path folder;

    @Test
    void eachWidthRoundTripsItsLargestId() throws IOException {
        for (int width : new int[] {1, 2, 4, 8}) {
            long largest = width == 8 ? Long.MAX_VALUE : (1L << (8 * width)) - 1;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TokenWriter writer = new TokenWriter(bytes, width)) {
                writer.write(0);
                writer.write(largest);
                writer.write(7);
            }
            assertEquals(3 * width, bytes.size());
            TokenArray array = TokenArray.of(bytes.toByteArray(), width);
            long[] ids = new long[3];
            array.read(0, ids, 0, 3);
            assertArrayEquals(new long[] {0, largest, 7}, ids, width + "-byte ids");
        }
    }

    @Test
    void theWidthFollowsTheVocabularySize() {
        assertEquals(1, TokenWriter.widthFor(256));
        assertEquals(2, TokenWriter.widthFor(257));
        assertEquals(2, TokenWriter.widthFor(65_536));
        assertEquals(4, TokenWriter.widthFor(65_537));
    }

    @Test
    void anIdBeyondTheWidthIsRefused() {
        TokenWriter writer = new TokenWriter(new ByteArrayOutputStream(), 1);

        CorpusException e = assertThrows(CorpusException.class, () -> writer.write(256));

        assertEquals("token id 256 does not fit in 1-byte tokens (ids below 256): the vocabulary is beyond the token"
                + " width", e.getMessage());
    }

    @Test
    void aFileOfMoreThan2To31TokensIsReadAtLongPositions() throws IOException {
        Path file = sparse("train.bin", BEYOND_INT, Map.of((1L << 31) - 2, 11, (1L << 31) - 1, 12, 1L << 31, 13,
                (1L << 31) + 1, 14, BEYOND_INT - 1, 15));

        TokenArray array = TokenArray.open(file, 1);

        assertEquals(BEYOND_INT, array.length());
        long[] window = new long[4];
        array.read((1L << 31) - 2, window, 0, 4);
        assertArrayEquals(new long[] {11, 12, 13, 14}, window, "a window across 2^31");
        assertEquals(15, array.get(BEYOND_INT - 1));
        assertEquals(0, array.get(1L << 30));
        assertThrows(IndexOutOfBoundsException.class, () -> array.get(BEYOND_INT));
    }

    @Test
    void aCorpusOfMoreThan2To31TokensDrawsAndEvaluatesWindowsBeyondThem() throws IOException {
        // Id 0 everywhere (the file is sparse) but the last 64, which are 5: a window from there is seen.
        Map<Long, Integer> bytes = new java.util.HashMap<>();
        for (long i = BEYOND_INT - 64; i < BEYOND_INT; i++) {
            bytes.put(i, 5);
        }
        Path train = sparse("train.bin", BEYOND_INT, bytes);
        Path val = Files.write(folder.resolve("val.bin"), new byte[16]);
        Vocabulary vocabulary = Vocabulary.fromText("ab");
        PreparedCorpus.Facts facts = new PreparedCorpus.Facts("sparse", null, BEYOND_INT + 16, 2, 1, 0, 1,
                BEYOND_INT, 16, "x");
        PreparedCorpus corpus = new PreparedCorpus(facts, vocabulary,
                Map.of(Split.TRAIN, TokenArray.open(train, 1), Split.VAL, TokenArray.open(val, 1)), Map.of());

        Batch batch = corpus.batch(Split.TRAIN, 64, 8, new Random(1));
        EvaluationWindows windows = corpus.evaluationWindows(Split.TRAIN, 8, 80);
        List<Window> picked = new java.util.ArrayList<>();
        windows.forEachRemaining(picked::add);

        assertEquals(BEYOND_INT - 1, windows.splitTargets());
        assertEquals(10, picked.size(), "80 targets are 10 windows of 8");
        long windowCount = (BEYOND_INT - 1 + 7) / 8;
        for (int i = 0; i < 10; i++) {
            assertEquals(new Window(i * windowCount / 10 * 8, 9), picked.get(i), "evenly spaced window " + i);
        }
        Batch last = corpus.batch(Split.TRAIN, List.of(new Window(BEYOND_INT - 9, 9)), 8);
        assertArrayEquals(new long[] {5, 5, 5, 5, 5, 5, 5, 5}, last.targets());
        assertTrue(java.util.Arrays.stream(batch.inputs()).allMatch(id -> id == 0 || id == 5));
    }

    private Path sparse(String name, long length, Map<Long, Integer> bytes) throws IOException {
        Path file = folder.resolve(name);
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(length);
            for (Map.Entry<Long, Integer> entry : bytes.entrySet()) {
                out.seek(entry.getKey());
                out.write(entry.getValue());
            }
        }
        return file;
    }
}
