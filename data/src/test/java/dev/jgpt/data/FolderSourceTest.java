package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderSourceTest {

    @TempDir
    Path folder;

    @Test
    void eachTextFileBelowTheFolderIsADocumentInPathOrder() throws IOException {
        Path corpus = Files.createDirectories(folder.resolve("corpus"));
        Files.createDirectories(corpus.resolve("b/deeper"));
        Files.createDirectories(corpus.resolve(".git"));
        Files.writeString(corpus.resolve("b/deeper/three.txt"), "three");
        Files.writeString(corpus.resolve("b/two.md"), "two\n");
        Files.writeString(corpus.resolve("a.txt"), "\uFEFFone");
        Files.writeString(corpus.resolve(".hidden.txt"), "hidden");
        Files.writeString(corpus.resolve(".git/config"), "git");
        Files.writeString(corpus.resolve("c.txt"), "four");

        Corpus opened = open(corpus);

        List<String> documents = new ArrayList<>(Tokens.documents(opened, Split.TRAIN));
        documents.addAll(Tokens.documents(opened, Split.VAL));
        assertEquals(3, Tokens.documents(opened, Split.TRAIN).size());
        assertEquals(1, Tokens.documents(opened, Split.VAL).size());
        documents.sort(null);
        assertEquals(List.of("four", "one", "three", "two\n"), documents);
        assertEquals(corpus + ": 4 files, 16 characters, 10 distinct, 3 train / 1 val documents", opened.describe());
    }

    @Test
    void anEmptyFolderIsRefused() throws IOException {
        Path empty = Files.createDirectories(folder.resolve("empty"));

        assertEquals("corpus folder " + empty + " is empty", error(empty));
    }

    @Test
    void aFolderWithoutTextFilesIsRefused() throws IOException {
        Path corpus = Files.createDirectories(folder.resolve("corpus/sub"));
        Files.writeString(folder.resolve("corpus/.notes"), "hidden");

        assertEquals("corpus folder " + folder.resolve("corpus")
                        + " holds no text files, in it or below it (names starting with \".\" are skipped)",
                error(folder.resolve("corpus")));
    }

    @Test
    void aFileThatIsNotUtf8IsNamedWithItsByteOffset() throws IOException {
        Path corpus = Files.createDirectories(folder.resolve("corpus"));
        Files.writeString(corpus.resolve("good.txt"), "fine");
        Path bad = Files.write(corpus.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});

        assertEquals("corpus file " + bad + " is not valid UTF-8: byte 0xE9 at byte offset 3 (line 1) does not decode",
                error(corpus));
    }

    @Test
    void editingAFileOfTheFolderPreparesItAgain() throws IOException {
        Path corpus = Files.createDirectories(folder.resolve("corpus"));
        Files.writeString(corpus.resolve("a.txt"), "aaa");
        Files.writeString(corpus.resolve("b.txt"), "bbb");
        open(corpus);
        Files.writeString(corpus.resolve("c.txt"), "ccc");

        assertEquals(corpus + ": 3 files, 9 characters, 3 distinct, 2 train / 1 val documents", open(corpus).describe());
    }

    private Corpus open(Path corpus) {
        return Corpora.open(corpus.toString(), null, null, Tokens.options(folder, 1337));
    }

    private String error(Path corpus) {
        return assertThrows(CorpusException.class, () -> open(corpus)).getMessage();
    }
}
