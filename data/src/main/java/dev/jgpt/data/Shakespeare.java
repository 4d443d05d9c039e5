package dev.jgpt.data;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/** Tiny Shakespeare, the 1 MB corpus of char-rnn, fetched once into a data folder. */
public final class Shakespeare {

    /** Where tiny Shakespeare is downloaded from. */
    public static final URI SOURCE = URI.create(
            "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt");

    /** The SHA-256 of the 1,115,394 bytes of char-rnn's input.txt. */
    public static final String SHA_256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed";

    /** The name of the file in the data folder. */
    public static final String FILE_NAME = "tinyshakespeare.txt";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DOWNLOAD_TIMEOUT = Duration.ofSeconds(60);

    private Shakespeare() {}

    /** Downloads tiny Shakespeare from {@link #SOURCE}; see {@link #download(Path, URI)}. */
    public static Path download(Path dataDir) {
        return download(dataDir, SOURCE);
    }

    /**
     * The path of {@code dataDir/tinyshakespeare.txt}, downloading it from {@code source} first
     * unless it is already there. A download is written to a temporary file and moved into place
     * only once its SHA-256 is checked.
     *
     * @throws CorpusException if the network cannot be reached, the server refuses, or the file
     *     (already there or just downloaded) does not have tiny Shakespeare's SHA-256; a bad
     *     download is deleted, a file already there is left for the user to look at
     */
    public static Path download(Path dataDir, URI source) {
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            checkHash(file, file + " is there but is not tiny Shakespeare; delete it to download it again");
            return file;
        }
        boolean madeDataDir = !Files.isDirectory(dataDir);
        try {
            Files.createDirectories(dataDir);
            Path temporary = dataDir.resolve(FILE_NAME + ".part");
            try {
                fetch(source, temporary);
                checkHash(temporary, "the download from " + source + " is not tiny Shakespeare");
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temporary);
                if (madeDataDir && !Files.exists(file)) {
                    Files.deleteIfExists(dataDir); // a failed download leaves no empty data folder behind
                }
            }
        } catch (IOException e) {
            throw new CorpusException("cannot write tiny Shakespeare to " + dataDir + ": " + e, e);
        }
        return file;
    }

    private static void fetch(URI source, Path destination) {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpRequest request = HttpRequest.newBuilder(source).timeout(DOWNLOAD_TIMEOUT).GET().build();
        HttpResponse<Path> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofFile(destination, CREATE, WRITE, TRUNCATE_EXISTING));
        } catch (IOException e) {
            throw new CorpusException("cannot download tiny Shakespeare from " + source + " (" + reason(e, source)
                    + "): you seem to be offline; put a copy at " + destination.resolveSibling(FILE_NAME).toAbsolutePath()
                    + " (data/ of the folder jgpt runs in), or use --data FILE", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CorpusException("the download of tiny Shakespeare from " + source + " was interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new CorpusException("cannot download tiny Shakespeare from " + source + ": the server answered HTTP "
                    + response.statusCode());
        }
    }

    /** Why a request failed, in words: HttpClient's connection failures carry no message. */
    private static String reason(IOException e, URI source) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                return "cannot resolve " + source.getHost();
            }
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "no answer from " + source.getHost() + " within " + CONNECT_TIMEOUT.toSeconds() + " s";
        }
        if (e instanceof ConnectException) {
            return "cannot connect to " + source.getAuthority();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static void checkHash(Path file, String problem) {
        String actual = sha256(file);
        if (!actual.equals(SHA_256)) {
            throw new CorpusException(problem + ": its SHA-256 is " + actual + ", expected " + SHA_256);
        }
    }

    private static String sha256(Path file) {
        try {
            return Sha256.of(file);
        } catch (IOException e) {
            throw new CorpusException("cannot read " + file + ": " + e, e);
        }
    }
}
