package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A vocabulary without reserved tokens, as nanoGPT's {@code prepare.py} makes one (its sorted
 * characters, so that a text with newlines has "\n" at id 0): every id is a character, and every
 * path from text to ids keeps every character.
 */
class ReservedFreeVocabularyTest {

    @TempDir
    Path folder;

    /** A text of the letters a, e, h, n, s, t, spaces and many newlines: "\n" is id 0 and "e" id 3. */
    private static String text(long seed, int length) {
        Random random = new Random(seed);
        String alphabet = "\n\n\n   aeeeehnst";
        StringBuilder text = new StringBuilder("\n ae");
        while (text.length() < length) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    /** The vocabulary nanoGPT's prepare.py gives {@code text}: its distinct characters, sorted. */
    private static Vocabulary nanoGptVocabulary(String text) {
        List<String> tokens = text.codePoints().distinct().sorted().mapToObj(Character::toString).toList();
        return Vocabulary.fromTokens(tokens, "meta.pkl");
    }

    /** The ids that evaluating the whole corpus sees: the first input, then every target in order. */
    private static List<Long> scoredIds(Corpus corpus, int blockSize) {
        Corpus whole = corpus.whole();
        EvaluationWindows windows = whole.evaluationWindows(Split.VAL, blockSize, 0);
        List<Long> ids = new ArrayList<>();
        while (windows.hasNext()) {
            Batch batch = whole.batch(Split.VAL, List.of(windows.next()), blockSize);
            if (ids.isEmpty()) {
                ids.add(batch.inputs()[0]);
            }
            for (int t = 0; t < batch.countedTargets(); t++) {
                ids.add(batch.targets()[t]);
            }
        }
        return ids;
    }

    private static String decode(Vocabulary vocabulary, List<Long> ids) {
        return vocabulary.decode(ids.stream().mapToInt(Long::intValue).toArray());
    }

    @Test
    void theVocabularyOfTheTestsHasTheNewlineAtZeroAndALetterAtThree() {
        Vocabulary vocabulary = nanoGptVocabulary(text(1, 500));

        assertFalse(vocabulary.hasSpecials());
        assertEquals("\n", vocabulary.token(0));
        assertEquals("e", vocabulary.token(3));
    }

    @Test
    void encodeRoundTripsEveryCharacter() {
        for (long seed = 0; seed < 5; seed++) {
            String text = text(seed, 300 + (int) seed * 37);
            Vocabulary vocabulary = nanoGptVocabulary(text);

            Vocabulary.Encoded encoded = vocabulary.encode(text);

            assertEquals(0, encoded.unknownCount());
            assertEquals(text, vocabulary.decode(encoded.ids()));
        }
    }

    @Test
    void aTextInMemoryRoundTripsThroughPreparationAndWindows() {
        for (long seed = 0; seed < 5; seed++) {
            String text = text(seed, 200 + (int) seed * 53);
            Vocabulary vocabulary = nanoGptVocabulary(text);

            Corpus corpus = Corpora.fromText("text", text, vocabulary);

            assertEquals(0, corpus.unknownCount());
            List<Long> ids = scoredIds(corpus, 16);
            assertEquals(text, decode(vocabulary, ids));
            assertEquals(text.length() - 1, corpus.whole().evaluationWindows(Split.VAL, 16, 0).splitTargets());
        }
    }

    @Test
    void aTextFileRoundTripsThroughPreparationAndWindows() throws IOException {
        for (long seed = 0; seed < 5; seed++) {
            String text = text(seed, 1000 + (int) seed * 71);
            Vocabulary vocabulary = nanoGptVocabulary(text);
            Path file = Files.writeString(folder.resolve("input" + seed + ".txt"), text);

            Corpus corpus = Corpora.open(file.toString(), null, vocabulary, Tokens.options(folder, 1337));

            assertEquals(0, corpus.unknownCount());
            assertEquals(vocabulary, corpus.vocabulary());
            assertEquals(text, decode(vocabulary, scoredIds(corpus, 32)));
            assertEquals(text.length(), corpus.tokenCount(Split.TRAIN) + corpus.tokenCount(Split.VAL));
        }
    }

    @Test
    void theBuiltInStoriesRoundTripWithTheirNanoGptVocabulary() {
        String stories = StoryGenerator.generate();
        Vocabulary vocabulary = nanoGptVocabulary(stories);

        Corpus corpus = StoryGenerator.corpus(vocabulary);

        assertEquals("\n", vocabulary.token(0));
        assertEquals(stories, decode(vocabulary, scoredIds(corpus, 256)));
    }

    @Test
    void aCharacterTheVocabularyLacksStopsPreparationNamingItAndItsCount() throws IOException {
        String text = text(3, 400);
        Vocabulary vocabulary = nanoGptVocabulary(text);
        Path file = Files.writeString(folder.resolve("input.txt"), text + "zz\nz");

        CorpusException error = assertThrows(CorpusException.class,
                () -> Corpora.open(file.toString(), null, vocabulary, Tokens.options(folder, 1337)));

        assertEquals("the character \"z\" (U+007A), found 3 times, is not in the model's vocabulary,"
                + " which has no <unk> token (it came without reserved tokens)", error.getMessage());
        try (var prepared = Files.list(folder.resolve("prepared"))) {
            assertEquals(0, prepared.count(), "nothing prepared is left behind");
        }
        CorpusException inMemory = assertThrows(CorpusException.class,
                () -> Corpora.fromText("text", text + "\u00e9", vocabulary));
        assertTrue(inMemory.getMessage().startsWith("the character \"\u00e9\" (U+00E9), found 1 time,"), inMemory.getMessage());
    }

    @Test
    void documentsNeedTheReservedTokens() throws IOException {
        String text = text(4, 100);
        Vocabulary vocabulary = nanoGptVocabulary(text + ",\"");
        Path csv = Files.writeString(folder.resolve("rows.csv"), "text\n\"a\"\n");
        Path texts = Files.createDirectories(folder.resolve("texts"));
        Files.writeString(texts.resolve("one.txt"), text);

        for (Path data : List.of(csv, texts)) {
            CorpusException error = assertThrows(CorpusException.class,
                    () -> Corpora.open(data.toString(), data == csv ? "text" : null, vocabulary, Tokens.options(folder, 1)));
            assertTrue(error.getMessage().startsWith("documents (a CSV file or a folder) need the reserved tokens"),
                    error.getMessage());
        }
    }

    @Test
    void wholeScoresEveryDocumentOnceWithEveryTargetInIt() throws IOException {
        List<String> rows = List.of("he\nsat", "a\n\nnest", "tea", "\n", "then\nshe\nate");
        Path csv = Files.writeString(folder.resolve("rows.csv"),
                "text\n" + rows.stream().map(r -> "\"" + r + "\"").collect(Collectors.joining("\n")) + "\n");
        Path single = Files.writeString(folder.resolve("single.csv"), "text\n\"one\nrow\"\n");

        Corpus corpus = Corpora.open(csv.toString(), "text", null, Tokens.options(folder, 7));
        Corpus one = Corpora.open(single.toString(), "text", null, Tokens.options(folder, 7));

        // Each row is <s>, its characters, </s>: its length + 1 targets.
        long targets = rows.stream().mapToLong(r -> r.length() + 1).sum();
        assertEquals(targets, corpus.whole().evaluationWindows(Split.VAL, 4, 0).splitTargets());
        assertEquals(targets, corpus.whole().tokenCount(Split.VAL) - rows.size());
        assertEquals("one\nrow".length() + 1, one.whole().evaluationWindows(Split.VAL, 4, 0).splitTargets());
        List<String> documents = Tokens.documents(corpus.whole(), Split.VAL);
        assertEquals(rows.stream().sorted().toList(), documents.stream().sorted().toList());
    }
}
