package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EstimateWindowsTest {

    @TempDir
    Path folder;

    @Test
    void everyTargetOfDocumentsOfVeryUnequalLengthsIsEquallyLikelyToBeScored() throws IOException {
        // 9,000 rows of one letter and 30 of 400: more than one block of starts, and most targets in few rows.
        StringBuilder rows = new StringBuilder("text\n");
        for (int i = 0; i < 9000; i++) {
            rows.append(i % 300 == 0 ? "b".repeat(400) : "a").append('\n');
        }
        Path csv = Files.writeString(folder.resolve("rows.csv"), rows);
        Corpus corpus = Corpora.open(csv.toString(), "text", null, Tokens.options(folder, 1337));
        int b = corpus.vocabulary().encode("b").ids()[0];
        List<String> documents = Tokens.documents(corpus, Split.TRAIN);
        long longTargets = documents.stream().filter(d -> d.startsWith("b")).mapToLong(d -> d.length() + 1).sum();
        long allTargets = documents.stream().mapToLong(d -> d.length() + 1).sum();

        long scored = 0;
        long scoredInLong = 0;
        Random random = new Random(7);
        for (int draw = 0; draw < 500; draw++) {
            List<Window> windows = corpus.estimateWindows(Split.TRAIN, 40, 8, random);
            for (Window window : windows) {
                Batch row = corpus.batch(Split.TRAIN, List.of(window), 8);
                assertTrue(Arrays.stream(row.targets()).noneMatch(id -> id == Vocabulary.BOS), "a window never crosses into the next document");
                scored += row.countedTargets();
                if (Arrays.stream(row.targets()).anyMatch(id -> id == b)) {
                    scoredInLong += row.countedTargets();
                }
            }
        }
        double expected = (double) longTargets / allTargets; // about 0.4; a uniform document would give about 0.03
        assertEquals(expected, (double) scoredInLong / scored, 0.02, "share of the scored targets in the long rows");
    }

    @Test
    void aTextIsEstimatedOnTheWindowsTrainingDraws() {
        Corpus corpus = Corpora.fromText("letters", "abcdefghij".repeat(100), null);

        Batch drawn = corpus.batch(Split.TRAIN, 6, 8, new Random(3));
        Batch estimated = corpus.batch(Split.TRAIN, corpus.estimateWindows(Split.TRAIN, 6, 8, new Random(3)), 8);

        assertArrayEquals(drawn.inputs(), estimated.inputs());
        assertArrayEquals(drawn.targets(), estimated.targets());
    }
}
