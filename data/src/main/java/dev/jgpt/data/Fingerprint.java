package dev.jgpt.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.List;

/**
 * What a prepared corpus is checked against before it is reused: each source file's path, size,
 * modification time (to the nanosecond where the file system keeps it) and the SHA-256 of a sample
 * of its bytes, its first, middle and last 64 KiB (all of a file up to 192 KiB). An edit changes
 * the modification time, and the size or the sample too unless it keeps the length and lies outside
 * the sample; reading only the sample keeps reuse of a corpus of gigabytes under a second.
 */
final class Fingerprint {

    private static final int SAMPLE_BYTES = 64 * 1024;

    private Fingerprint() {}

    /** The fingerprint of {@code files}: paths, sizes, modification times and sampled bytes. */
    static String of(List<Path> files) {
        MessageDigest digest = Sha256.newDigest();
        for (Path file : files) {
            digest.update(stat(file).getBytes(StandardCharsets.UTF_8));
            sample(file, digest);
        }
        return Sha256.hex(digest);
    }

    /** Paths, sizes and modification times only: cheap, to see a source change while it is read. */
    static String stats(List<Path> files) {
        StringBuilder stats = new StringBuilder();
        for (Path file : files) {
            stats.append(stat(file));
        }
        return stats.toString();
    }

    /** The SHA-256 of {@code text} in hex. */
    static String sha256(String text) {
        return Sha256.of(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The total size of {@code files} in bytes. */
    static long bytes(List<Path> files) {
        long total = 0;
        for (Path file : files) {
            total += attributes(file).size();
        }
        return total;
    }

    private static String stat(Path file) {
        BasicFileAttributes attributes = attributes(file);
        return file + "\0" + attributes.size() + "\0" + attributes.lastModifiedTime().toInstant() + "\0";
    }

    private static BasicFileAttributes attributes(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new CorpusException("corpus file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CorpusException("cannot read corpus file " + file + ": " + e, e);
        }
    }

    private static void sample(Path file, MessageDigest digest) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer buffer = ByteBuffer.allocate(SAMPLE_BYTES);
            long[] starts = size <= 3L * SAMPLE_BYTES
                    ? new long[] {0, SAMPLE_BYTES, 2L * SAMPLE_BYTES}
                    : new long[] {0, size / 2 - SAMPLE_BYTES / 2, size - SAMPLE_BYTES};
            for (long start : starts) {
                buffer.clear();
                while (buffer.hasRemaining() && channel.read(buffer, start + buffer.position()) > 0) {
                    // keep reading until the sample is whole or the file ends
                }
                digest.update(buffer.flip());
            }
        } catch (IOException e) {
            throw new CorpusException("cannot read corpus file " + file + ": " + e, e);
        }
    }

}
