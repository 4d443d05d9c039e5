package dev.jgpt.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A folder of UTF-8 text files, each a document: every regular file in it or below it, sorted by
 * path; files and folders whose names start with "." are skipped.
 */
final class FolderSource implements CorpusSource {

    private final Path folder;

    /**
     * @throws CorpusException if the folder is empty or holds no text file
     */
    FolderSource(Path folder) {
        this.folder = folder;
        files();
    }

    @Override
    public String name() {
        return folder.toString();
    }

    @Override
    public String documents() {
        return "files";
    }

    @Override
    public List<Path> files() {
        try (Stream<Path> entries = Files.list(folder)) {
            if (entries.findAny().isEmpty()) {
                throw new CorpusException("corpus folder " + folder + " is empty");
            }
        } catch (IOException e) {
            throw new CorpusException("cannot read corpus folder " + folder + ": " + e, e);
        }
        List<Path> files;
        try (Stream<Path> paths = Files.walk(folder)) {
            files = paths.filter(path -> Files.isRegularFile(path) && !hidden(path)).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            throw new CorpusException("cannot read corpus folder " + folder + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new CorpusException("corpus folder " + folder
                    + " holds no text files, in it or below it (names starting with \".\" are skipped)");
        }
        return files;
    }

    private boolean hidden(Path path) {
        for (Path part : folder.relativize(path)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String identity() {
        return folder.toAbsolutePath().normalize().toString();
    }

    @Override
    public void read(TextSink sink, Progress progress) {
        for (Path file : files()) {
            sink.startDocument();
            CodePoints.read(file, sink, progress);
            sink.endDocument();
        }
    }
}
