package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VocabularyTest {

    @TempDir
    Path folder;

    @Test
    void reservedTokensComeFirstThenTheSortedCharacters() {
        Vocabulary vocabulary = Vocabulary.fromText("hello, world\n");

        assertEquals(List.of("<s>", "<pad>", "</s>", "<unk>", "\n", " ", ",", "d", "e", "h", "l", "o", "r", "w"),
                vocabulary.tokens());
        assertEquals(14, vocabulary.size());
        assertEquals(0, Vocabulary.BOS);
        assertEquals(1, Vocabulary.PAD);
        assertEquals(2, Vocabulary.EOS);
        assertEquals(3, Vocabulary.UNK);
        assertEquals("<pad>", vocabulary.token(Vocabulary.PAD));
        assertEquals("h", vocabulary.token(9));
    }

    @Test
    void charactersOutsideTheBasicPlaneAreOneToken() {
        Vocabulary vocabulary = Vocabulary.fromText("a\uD83D\uDE00b");

        assertEquals(List.of("<s>", "<pad>", "</s>", "<unk>", "a", "b", "\uD83D\uDE00"), vocabulary.tokens());
        assertArrayEquals(new int[] {4, 6, 5}, vocabulary.encode("a\uD83D\uDE00b").ids());
    }

    @Test
    void encodeThenDecodeGivesTheTextBack() {
        String text = "To be, or not to be:\nthat is the question.";
        Vocabulary vocabulary = Vocabulary.fromText(text);

        Vocabulary.Encoded encoded = vocabulary.encode(text);

        assertEquals(text.length(), encoded.ids().length);
        assertEquals(0, encoded.unknownCount());
        assertEquals(text, vocabulary.decode(encoded.ids()));
    }

    @Test
    void unknownCharactersBecomeUnkAndAreCounted() {
        Vocabulary vocabulary = Vocabulary.fromText("abc");

        Vocabulary.Encoded encoded = vocabulary.encode("abxcyy");

        assertArrayEquals(new int[] {4, 5, 3, 6, 3, 3}, encoded.ids());
        assertEquals(3, encoded.unknownCount());
        assertEquals("ab\uFFFDc\uFFFD\uFFFD", vocabulary.decode(encoded.ids()));
    }

    @Test
    void boundaryAndPaddingTokensDecodeToNothing() {
        Vocabulary vocabulary = Vocabulary.fromText("ab");

        assertEquals("", vocabulary.decode(Vocabulary.BOS));
        assertEquals("", vocabulary.decode(Vocabulary.PAD));
        assertEquals("", vocabulary.decode(Vocabulary.EOS));
        assertEquals("\uFFFD", vocabulary.decode(Vocabulary.UNK));
        assertEquals("ab", vocabulary.decode(new int[] {0, 4, 1, 5, 2}));
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        Vocabulary vocabulary = Vocabulary.fromText("ab");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vocabulary.decode(6));
        assertEquals("token id 6 is outside the vocabulary's range [0, 6)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> vocabulary.token(-1));
    }

    @Test
    void saveThenLoadGivesAnEqualVocabulary() throws IOException {
        Vocabulary vocabulary = Vocabulary.fromText("<tag> & \"quoted\"\n\u00e9\uD83D\uDE00");
        Path file = folder.resolve("run/vocab.json");

        vocabulary.save(file);
        Vocabulary loaded = Vocabulary.load(file);

        assertEquals(vocabulary, loaded);
        assertEquals(vocabulary.hashCode(), loaded.hashCode());
        String json = Files.readString(file);
        assertTrue(json.contains("\"<s>\""), json);
        assertTrue(json.contains("\"\\n\""), json);
        assertEquals(List.of(file), listFiles(file.getParent()), "no temporary file is left behind");
    }

    @Test
    void saveReplacesAnOlderFile() {
        Path file = folder.resolve("vocab.json");
        Vocabulary.fromText("old").save(file);

        Vocabulary.fromText("new").save(file);

        assertEquals(Vocabulary.fromText("new"), Vocabulary.load(file));
    }

    @Test
    void vocabulariesWithTheSameTokensAreEqual() {
        assertEquals(Vocabulary.fromText("abc"), Vocabulary.fromText("cbaabc"));
        assertNotEquals(Vocabulary.fromText("abc"), Vocabulary.fromText("abd"));
    }

    @Test
    void loadNamesAMissingFile() {
        Path file = folder.resolve("absent.json");

        assertEquals("vocabulary file " + file + " does not exist", loadError(file));
    }

    @Test
    void loadNamesAFileThatIsNotJson() throws IOException {
        Path file = write("{\"tokens\": [");

        String message = loadError(file);

        assertTrue(message.startsWith("vocabulary file " + file + " is not valid JSON: "), message);
    }

    @Test
    void loadNamesAFileWithoutATokenList() throws IOException {
        Path file = write("{\"words\": [\"<s>\"]}");

        assertEquals("vocabulary file " + file + " is not a JSON object with a \"tokens\" list", loadError(file));
    }

    @Test
    void loadNamesATokenThatIsNotAString() throws IOException {
        Path file = write("{\"tokens\": [\"<s>\", \"<pad>\", \"</s>\", \"<unk>\", 7]}");

        assertEquals("vocabulary file " + file + ": token 4 is 7, not a string", loadError(file));
    }

    @Test
    void loadNamesWrongReservedTokens() throws IOException {
        Path file = write("{\"tokens\": [\"<pad>\", \"<s>\", \"</s>\", \"<unk>\", \"a\"]}");

        assertEquals("vocabulary file " + file + ": token 0 \"<pad>\" is not one character"
                + " (nor does the list start with the reserved tokens [\"<s>\",\"<pad>\",\"</s>\",\"<unk>\"])",
                loadError(file));
    }

    @Test
    void loadNamesTooFewReservedTokens() throws IOException {
        Path file = write("{\"tokens\": [\"<s>\", \"<pad>\"]}");

        assertTrue(loadError(file).contains("start with the reserved tokens"));
    }

    @Test
    void aVocabularyOfCharactersOnlyHasNoSpecialsAndRefusesUnknownCharacters() throws IOException {
        Path file = write("{\"tokens\": [\"\\n\", \" \", \"a\", \"b\"]}");

        Vocabulary vocabulary = Vocabulary.load(file);

        assertFalse(vocabulary.hasSpecials());
        assertEquals(null, vocabulary.paddingId());
        assertArrayEquals(new int[] {2, 1, 3, 0}, vocabulary.encode("a b\n").ids());
        assertEquals("\n a", vocabulary.decode(new int[] {0, 1, 2}));
        CorpusException error = assertThrows(CorpusException.class, () -> vocabulary.encode("abc"));
        assertEquals("the character \"c\" (U+0063), found 1 time, is not in the model's vocabulary, which has no <unk> token"
                + " (it came without reserved tokens)", error.getMessage());
        assertNotEquals(Vocabulary.fromText("\n ab"), vocabulary);
    }

    @Test
    void loadNamesADuplicateCharacter() throws IOException {
        Path file = write("{\"tokens\": [\"<s>\", \"<pad>\", \"</s>\", \"<unk>\", \"a\", \"\\n\", \"a\"]}");

        assertEquals("vocabulary file " + file + " lists the character \"a\" twice, as tokens 4 and 6", loadError(file));
    }

    @Test
    void loadNamesATokenThatIsNotOneCharacter() throws IOException {
        Path file = write("{\"tokens\": [\"<s>\", \"<pad>\", \"</s>\", \"<unk>\", \"a\", \"ab\"]}");

        assertEquals("vocabulary file " + file + ": token 5 \"ab\" is not one character", loadError(file));
    }

    private Path write(String json) throws IOException {
        return Files.writeString(folder.resolve("vocab.json"), json);
    }

    private static String loadError(Path file) {
        return assertThrows(CorpusException.class, () -> Vocabulary.load(file)).getMessage();
    }

    private static List<Path> listFiles(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.toList();
        }
    }
}
