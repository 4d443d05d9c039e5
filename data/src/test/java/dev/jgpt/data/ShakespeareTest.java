package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShakespeareTest {

    /** Nothing listens on the discard port of this machine, so connecting is refused at once. */
    private static final URI UNREACHABLE = URI.create("http://127.0.0.1:9/input.txt");

    /** The SHA-256 of the bytes "not Shakespeare\n". */
    private static final String WRONG_HASH = "a7fd474c7636b43a01a2c9e9f1dc8d263957d200b43ea36cc112df8f1dd03371";

    @TempDir
    Path folder;

    private HttpServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aCorrectFileAlreadyThereIsUsedWithoutTheNetwork() throws IOException {
        Path file = Files.copy(LocalShakespeare.path(), folder.resolve("tinyshakespeare.txt"));

        assertEquals(file, Shakespeare.download(folder, UNREACHABLE));
    }

    @Test
    void aWrongFileAlreadyThereIsRefusedAndKept() throws IOException {
        Path file = Files.writeString(folder.resolve("tinyshakespeare.txt"), "not Shakespeare\n");

        CorpusException e = assertThrows(CorpusException.class, () -> Shakespeare.download(folder, UNREACHABLE));

        assertEquals(file + " is there but is not tiny Shakespeare; delete it to download it again: its SHA-256 is "
                + WRONG_HASH + ", expected " + Shakespeare.SHA_256, e.getMessage());
        assertTrue(Files.exists(file));
    }

    @Test
    void offlineFailsFastAndSaysWhatToDo() throws IOException {
        CorpusException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(CorpusException.class, () -> Shakespeare.download(folder, UNREACHABLE)));

        assertEquals("cannot download tiny Shakespeare from " + UNREACHABLE + " (cannot connect to 127.0.0.1:9):"
                + " you seem to be offline; put a copy at " + folder.resolve("tinyshakespeare.txt").toAbsolutePath()
                + " (data/ of the folder jgpt runs in), or use --data FILE", e.getMessage());
        assertEquals(List.of(), filesIn(folder), "nothing is left behind");
    }

    @Test
    void offlineLeavesNoEmptyDataFolderBehind() {
        Path data = folder.resolve("data");

        assertThrows(CorpusException.class, () -> Shakespeare.download(data, UNREACHABLE));

        assertFalse(Files.exists(data), "the data folder it made is gone again");
    }

    @Test
    void aDownloadWithTheWrongContentIsRefusedAndDeleted() throws IOException {
        URI source = serve(200, "not Shakespeare\n".getBytes(StandardCharsets.UTF_8));

        CorpusException e = assertThrows(CorpusException.class, () -> Shakespeare.download(folder, source));

        assertEquals("the download from " + source + " is not tiny Shakespeare: its SHA-256 is " + WRONG_HASH
                + ", expected " + Shakespeare.SHA_256, e.getMessage());
        assertEquals(List.of(), filesIn(folder), "the bad download is not kept");
    }

    @Test
    void anHttpErrorIsNamed() throws IOException {
        URI source = serve(404, "gone".getBytes(StandardCharsets.UTF_8));

        CorpusException e = assertThrows(CorpusException.class, () -> Shakespeare.download(folder, source));

        assertEquals("cannot download tiny Shakespeare from " + source + ": the server answered HTTP 404", e.getMessage());
        assertEquals(List.of(), filesIn(folder));
    }

    @Test
    void aCorrectDownloadIsMovedIntoPlace() throws IOException {
        byte[] shakespeare = Files.readAllBytes(LocalShakespeare.path());
        URI source = serve(200, shakespeare);
        Path dataDir = Files.createDirectory(folder.resolve("data"));
        // A longer partial file left by an interrupted run must be overwritten, not appended to.
        Files.write(dataDir.resolve("tinyshakespeare.txt.part"), new byte[2 * shakespeare.length]);

        Path file = Shakespeare.download(dataDir, source);

        assertEquals(dataDir.resolve("tinyshakespeare.txt"), file);
        assertArrayEquals(shakespeare, Files.readAllBytes(file));
        assertEquals(List.of(file), filesIn(dataDir), "no temporary file is left behind");
    }

    /** Serves {@code body} with {@code status} at /input.txt of a local server. */
    private URI serve(int status, byte[] body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/input.txt", exchange -> {
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/input.txt");
    }

    private static List<Path> filesIn(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.toList();
        }
    }
}
