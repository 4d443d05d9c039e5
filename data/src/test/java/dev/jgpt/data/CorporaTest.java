package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorporaTest {

    @TempDir
    Path folder;

    @Test
    void noDataMeansTheBuiltInStories() {
        assertTrue(Corpora.open(null, null, null, Tokens.options(folder, 1337)).describe().startsWith("built-in stories: "));
        assertTrue(Corpora.open("", null, null, Tokens.options(folder, 1337)).describe().startsWith("built-in stories: "));
    }

    @Test
    void theBuiltInStoriesKeepAGivenVocabulary() {
        Vocabulary vocabulary = Vocabulary.fromText("abcdefghijklmnopqrstuvwxyz \n.");

        Corpus corpus = Corpora.open(null, null, vocabulary, Tokens.options(folder, 1337));

        assertEquals(vocabulary, corpus.vocabulary());
        assertTrue(corpus.unknownCount() > 0);
    }

    @Test
    void aTextPathOpensATextCorpus() throws IOException {
        Path file = Files.writeString(folder.resolve("notes.md"), "some notes\n".repeat(10));

        Corpus corpus = Corpora.open(file.toString(), null, null, Tokens.options(folder, 1337));

        assertEquals(file + ": 110 characters, 8 distinct, 99 train / 11 val tokens", corpus.describe());
    }

    @Test
    void aCsvPathOpensTheColumn() throws IOException {
        Path file = Files.writeString(folder.resolve("names.CSV"), "name,count\nada,3\nbram,5\n");

        Corpus corpus = Corpora.open(file.toString(), "name", null, Tokens.options(folder, 1337));

        assertEquals(2, Tokens.documents(corpus, Split.TRAIN).size() + Tokens.documents(corpus, Split.VAL).size());
        assertTrue(corpus.vocabulary().decode(Tokens.all(corpus)).contains("ada"));
    }

    @Test
    void aCsvPathWithoutAColumnListsTheHeader() throws IOException {
        Path file = Files.writeString(folder.resolve("names.csv"), "name,count\nada,3\n");

        CorpusException e = assertThrows(CorpusException.class, () -> Corpora.open(file.toString(), null, null, Tokens.options(folder, 1337)));

        assertTrue(e.getMessage().contains("--column is needed"), e.getMessage());
        assertTrue(e.getMessage().endsWith("its columns are \"name\", \"count\""), e.getMessage());
    }

    @Test
    void aColumnForATextFileIsRefused() {
        CorpusException e = assertThrows(CorpusException.class, () -> Corpora.open("book.txt", "text", null, Tokens.options(folder, 1337)));

        assertEquals("--column text only applies to a .csv file, but the data is book.txt", e.getMessage());
    }

    @Test
    void shakespeareIsTakenFromTheDataFolder() throws IOException {
        Files.copy(LocalShakespeare.path(), folder.resolve(Shakespeare.FILE_NAME));

        Corpus corpus = Corpora.open("shakespeare", null, null, Tokens.options(folder, 1337));

        assertEquals(folder.resolve(Shakespeare.FILE_NAME)
                        + ": 1,115,394 characters, 65 distinct, 1,003,854 train / 111,540 val tokens",
                corpus.describe());
        assertEquals(69, corpus.vocabulary().size());
    }
}
