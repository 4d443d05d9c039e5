package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationWindowsTest {

    @TempDir
    Path folder;

    @Test
    void aTextIsCutIntoConsecutiveWindowsThatPredictEveryTokenButTheFirstOnce() {
        Corpus corpus = Corpora.fromText("letters", "abcdefghij".repeat(100), null); // val: 100 tokens

        List<Window> windows = all(corpus.evaluationWindows(Split.VAL, 8, 0));

        assertEquals(13, windows.size(), "99 targets in windows of 8");
        for (int k = 0; k < 12; k++) {
            assertEquals(new Window(8L * k, 9), windows.get(k));
        }
        assertEquals(new Window(96, 4), windows.get(12));
        Batch batch = corpus.batch(Split.VAL, windows, 8);
        assertEquals(99, batch.countedTargets());
        int[] val = Tokens.of(corpus, Split.VAL);
        assertEquals(val[1], batch.targets()[0]);
        assertEquals(Vocabulary.PAD, batch.targets()[12 * 8 + 3], "the last row is padded");
    }

    @Test
    void documentsAreScoredAsTrainingSeesThemEachOnItsOwn() throws IOException {
        // Rows of 1 to 29 characters: some shorter than the block, some longer.
        String rows = IntStream.range(1, 30).mapToObj(n -> "x".repeat(n)).collect(Collectors.joining("\n"));
        Path csv = Files.writeString(folder.resolve("rows.csv"), "text\n" + rows + "\n");
        Corpus corpus = Corpora.open(csv.toString(), "text", null, Tokens.options(folder, 1337));

        EvaluationWindows windows = corpus.evaluationWindows(Split.TRAIN, 8, 0);
        List<Window> picked = all(windows);
        Batch batch = corpus.batch(Split.TRAIN, picked, 8);

        List<String> documents = Tokens.documents(corpus, Split.TRAIN);
        long targets = documents.stream().mapToLong(d -> d.length() + 1).sum(); // <s> text </s>: length + 1 targets
        assertEquals(targets, windows.splitTargets());
        assertEquals(targets, batch.countedTargets());
        for (int row = 0; row < picked.size(); row++) {
            long[] inputs = Arrays.copyOfRange(batch.inputs(), row * 8, row * 8 + 8);
            long[] rowTargets = Arrays.copyOfRange(batch.targets(), row * 8, row * 8 + 8);
            assertTrue(Arrays.stream(rowTargets).noneMatch(id -> id == Vocabulary.BOS), "no </s> -> <s> transition");
            for (int t = 1; t < 8; t++) {
                assertFalse(inputs[t - 1] == Vocabulary.EOS && inputs[t] != Vocabulary.PAD,
                        "nothing follows a document's end in its row");
            }
        }
    }

    @Test
    void aBoundScoresEvenlySpacedWindowsAndSaysHowManyTargetsTheSplitHas() {
        Corpus corpus = Corpora.fromText("letters", "abcdefghij".repeat(1000), null); // val: 1,000 tokens

        EvaluationWindows bounded = corpus.evaluationWindows(Split.VAL, 10, 100);
        List<Window> windows = all(bounded);

        assertFalse(bounded.whole());
        assertEquals(999, bounded.splitTargets());
        assertEquals(10, windows.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(new Window(100L * i, 11), windows.get(i), "every 10th of the 100 windows");
        }
        assertTrue(corpus.batch(Split.VAL, windows, 10).countedTargets() <= 100);
        assertTrue(corpus.evaluationWindows(Split.VAL, 10, 999).whole(), "a bound the split fits in scores all of it");
        assertTrue(corpus.evaluationWindows(Split.VAL, 10, 0).whole(), "0 scores all of it");
    }

    @Test
    void aBoundOnDocumentsPicksWholeWindowsOfEvenlySpacedDocuments() throws IOException {
        String rows = IntStream.range(0, 200).mapToObj(n -> "row " + n).collect(Collectors.joining("\n"));
        Path csv = Files.writeString(folder.resolve("rows.csv"), "text\n" + rows + "\n");
        Corpus corpus = Corpora.open(csv.toString(), "text", null, Tokens.options(folder, 1337));

        List<Window> windows = all(corpus.evaluationWindows(Split.TRAIN, 64, 640));

        assertEquals(10, windows.size());
        Batch batch = corpus.batch(Split.TRAIN, windows, 64);
        for (int row = 0; row < 10; row++) {
            assertEquals(Vocabulary.BOS, batch.inputs()[row * 64], "each window is a whole short document");
        }
        assertArrayEquals(windows.stream().mapToLong(Window::start).sorted().toArray(),
                windows.stream().mapToLong(Window::start).toArray());
    }

    private static List<Window> all(EvaluationWindows windows) {
        List<Window> list = new ArrayList<>();
        windows.forEachRemaining(list::add);
        return list;
    }
}
