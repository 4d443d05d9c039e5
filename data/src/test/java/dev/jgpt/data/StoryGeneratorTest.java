package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class StoryGeneratorTest {

    private static final String TEXT = StoryGenerator.generate();

    @Test
    void everyCallGivesTheSameText() {
        assertEquals(TEXT, StoryGenerator.generate());
    }

    @Test
    void theTextIsTheSameInEveryJvm() throws NoSuchAlgorithmException {
        // Pinned so that a change to the grammar, or to how the generator uses its Random, is seen.
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(TEXT.getBytes(StandardCharsets.UTF_8));

        assertEquals("ce424a09bfb547794c1295a00e5656a989d83b2a0b30b94e2c4b80b3a3fc4083", HexFormat.of().formatHex(digest));
    }

    @Test
    void theTextIsAbout400Kb() {
        int bytes = TEXT.getBytes(StandardCharsets.UTF_8).length;

        assertTrue(bytes >= 300_000 && bytes <= 500_000, bytes + " bytes");
        assertEquals(400_019, bytes);
    }

    @Test
    void theVocabularyIsPlainEnglishCharacters() {
        Vocabulary vocabulary = Vocabulary.fromText(TEXT);

        assertEquals("\n !,.:?ABCDEFGHIJKLMNOPRSTUVWYabcdefghijklmnopqrstuvwxy",
                String.join("", vocabulary.tokens().subList(4, vocabulary.size())));
        assertEquals(59, vocabulary.size());
    }

    @Test
    void storiesHaveTitlesParagraphsAndDialogue() {
        assertTrue(TEXT.startsWith("The Silver Egg\n\nJust before supper, Tobin the fisher went to the station."),
                TEXT.substring(0, 200));
        assertTrue(TEXT.contains("\nMira: "));
        assertTrue(TEXT.contains(".\n\n\nThe "), "stories are set apart by two blank lines");
    }

    @Test
    void theCorpusIsNamedAndSplit() {
        assertEquals("built-in stories: 400,019 characters, 55 distinct, 360,017 train / 40,002 val tokens",
                StoryGenerator.corpus().describe());
    }
}
