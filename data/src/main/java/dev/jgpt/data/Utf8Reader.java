package dev.jgpt.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;

/** A {@link Utf8Decoder} as a {@link Reader}, for the CSV parser. */
final class Utf8Reader extends Reader {

    private final Utf8Decoder decoder;
    private int[] codePoints = new int[0];
    /** The second half of a surrogate pair that did not fit in the last read, or -1. */
    private int pendingLow = -1;

    /**
     * Opens {@code file}; {@code progress} is told of every byte read.
     *
     * @throws CorpusException if the file is missing or unreadable
     */
    Utf8Reader(Path file, Progress progress) {
        this.decoder = new Utf8Decoder(file, progress);
    }

    @Override
    public int read(char[] chars, int offset, int length) {
        if (length == 0) {
            return 0;
        }
        if (pendingLow >= 0) {
            chars[offset] = (char) pendingLow;
            pendingLow = -1;
            return 1;
        }
        // Each code point takes at most two chars.
        int max = Math.max(1, length / 2);
        if (codePoints.length < max) {
            codePoints = new int[max];
        }
        int count = decoder.read(codePoints, max);
        if (count < 0) {
            return -1;
        }
        int written = 0;
        for (int i = 0; i < count; i++) {
            int codePoint = codePoints[i];
            if (Character.isBmpCodePoint(codePoint)) {
                chars[offset + written++] = (char) codePoint;
            } else {
                chars[offset + written++] = Character.highSurrogate(codePoint);
                if (written < length) {
                    chars[offset + written++] = Character.lowSurrogate(codePoint);
                } else {
                    pendingLow = Character.lowSurrogate(codePoint);
                }
            }
        }
        return written;
    }

    @Override
    public void close() throws IOException {
        decoder.close();
    }
}
