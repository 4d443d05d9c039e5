package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
        assertTrue(Corpora.open(null, null, null, folder).describe().startsWith("built-in stories: "));
        assertTrue(Corpora.open("", null, null, folder).describe().startsWith("built-in stories: "));
    }

    @Test
    void theBuiltInStoriesKeepAGivenVocabulary() {
        Vocabulary vocabulary = Vocabulary.fromText("abcdefghijklmnopqrstuvwxyz \n.");

        Corpus corpus = Corpora.open(null, null, vocabulary, folder);

        assertEquals(vocabulary, corpus.vocabulary());
        assertTrue(corpus.unknownCount() > 0);
    }

    @Test
    void aTextPathOpensATextCorpus() throws IOException {
        Path file = Files.writeString(folder.resolve("notes.md"), "some notes\n".repeat(10));

        Corpus corpus = Corpora.open(file.toString(), null, null, folder);

        assertInstanceOf(TextCorpus.class, corpus);
        assertEquals(file + ": 110 characters, 8 distinct, 99 train / 11 val tokens", corpus.describe());
    }

    @Test
    void aCsvPathOpensTheColumn() throws IOException {
        Path file = Files.writeString(folder.resolve("names.CSV"), "name,count\nada,3\nbram,5\n");

        Corpus corpus = Corpora.open(file.toString(), "name", null, folder);

        assertInstanceOf(CsvCorpus.class, corpus);
        assertEquals("ada", corpus.vocabulary().decode(corpus.tokens(Split.TRAIN)));
    }

    @Test
    void aCsvPathWithoutAColumnListsTheHeader() throws IOException {
        Path file = Files.writeString(folder.resolve("names.csv"), "name,count\nada,3\n");

        CorpusException e = assertThrows(CorpusException.class, () -> Corpora.open(file.toString(), null, null, folder));

        assertTrue(e.getMessage().contains("--column is needed"), e.getMessage());
        assertTrue(e.getMessage().endsWith("its columns are \"name\", \"count\""), e.getMessage());
    }

    @Test
    void aColumnForATextFileIsRefused() {
        CorpusException e = assertThrows(CorpusException.class, () -> Corpora.open("book.txt", "text", null, folder));

        assertEquals("--column text only applies to a .csv file, but the data is book.txt", e.getMessage());
    }

    @Test
    void shakespeareIsTakenFromTheDataFolder() throws IOException {
        Files.copy(LocalShakespeare.path(), folder.resolve(Shakespeare.FILE_NAME));

        Corpus corpus = Corpora.open("shakespeare", null, null, folder);

        assertEquals(folder.resolve(Shakespeare.FILE_NAME)
                        + ": 1,115,394 characters, 65 distinct, 1,003,854 train / 111,540 val tokens",
                corpus.describe());
        assertEquals(69, corpus.vocabulary().size());
    }
}
