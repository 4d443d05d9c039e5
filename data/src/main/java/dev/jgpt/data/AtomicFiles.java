package dev.jgpt.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Files and folders that appear whole or not at all: written under a temporary name in the same
 * folder, flushed to disk, then renamed into place. A crash leaves the old version or the new one,
 * never half of one. Files and folders get their mode from the umask, as any other (0644 and
 * 0755 under umask 022), not the 0600/0700 of {@code Files.createTempFile/Directory}.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    /** What goes into a file. */
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code file}, replacing what was there, atomically. */
    public static void write(Path file, Content content) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path temporary = freeName(folder, "." + file.getFileName() + ".tmp-");
        try {
            writeNew(temporary, content);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temporary = null;
        } finally {
            if (temporary != null) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /** Writes {@code text} (UTF-8) to {@code file}, atomically. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes {@code file}, which must not exist yet, and flushes it to disk: a piece of a folder that {@link #moveFolder} puts in place. */
    public static void writeNew(Path file, Content content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            content.writeTo(out);
            out.flush();
            channel.force(true);
        }
    }

    /** A new, empty folder in {@code parent} named {@code prefix} and a random suffix, to be filled and then {@link #moveFolder moved}. */
    public static Path newTemporaryFolder(Path parent, String prefix) throws IOException {
        Files.createDirectories(parent);
        while (true) {
            try {
                return Files.createDirectory(freeName(parent, prefix));
            } catch (FileAlreadyExistsException e) {
                // taken between the check and the creation: draw another
            }
        }
    }

    /** Renames the filled {@code temporary} folder to {@code target} (which must not exist) and flushes their folder. */
    public static void moveFolder(Path temporary, Path target) throws IOException {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        syncFolder(target.toAbsolutePath().getParent());
    }

    /** Flushes {@code folder}'s entries (a rename into it) to disk. */
    public static void syncFolder(Path folder) throws IOException {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Deletes {@code path} and everything under it, if it exists; a leftover is left for the next clean-up. */
    public static void deleteQuietly(Path path) {
        if (path == null || !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path entry : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(entry);
            }
        } catch (IOException ignored) {
            // Temporary names are recognisable; whoever writes there next clears them.
        }
    }

    private static Path freeName(Path folder, String prefix) {
        Path candidate;
        do {
            candidate = folder.resolve(prefix + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
        } while (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS));
        return candidate;
    }
}
