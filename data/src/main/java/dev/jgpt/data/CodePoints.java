package dev.jgpt.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Sends a file's or a string's code points to a {@link CorpusSource.TextSink}, a buffer at a time. */
final class CodePoints {

    private static final int BUFFER = 1 << 16;

    private final CorpusSource.TextSink sink;
    private final char[] chars = new char[BUFFER];
    private final int[] codePoints = new int[BUFFER];
    private int count;
    private char pendingHigh;

    CodePoints(CorpusSource.TextSink sink) {
        this.sink = sink;
    }

    /** Sends the code points of a UTF-8 file, telling {@code progress} of the bytes read. */
    static void read(Path file, CorpusSource.TextSink sink, Progress progress) {
        int[] codePoints = new int[BUFFER];
        try (Utf8Decoder decoder = new Utf8Decoder(file, progress)) {
            for (int count = decoder.read(codePoints, BUFFER); count >= 0; count = decoder.read(codePoints, BUFFER)) {
                if (count > 0) {
                    sink.codePoints(codePoints, count);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends the code points of {@code text}. */
    void add(String text) {
        for (int start = 0; start < text.length(); start += BUFFER) {
            int end = Math.min(text.length(), start + BUFFER);
            text.getChars(start, end, chars, 0);
            add(chars, end - start);
        }
        flush();
    }

    private void add(char[] source, int length) {
        for (int i = 0; i < length; i++) {
            char c = source[i];
            if (pendingHigh != 0) {
                char high = pendingHigh;
                pendingHigh = 0;
                if (Character.isLowSurrogate(c)) {
                    put(Character.toCodePoint(high, c));
                    continue;
                }
                put(high); // an unpaired surrogate stays itself, as in String.codePoints()
            }
            if (Character.isHighSurrogate(c)) {
                pendingHigh = c;
            } else {
                put(c);
            }
        }
    }

    private void put(int codePoint) {
        if (count == BUFFER) {
            sink.codePoints(codePoints, count);
            count = 0;
        }
        codePoints[count++] = codePoint;
    }

    /** Sends what is buffered, an unpaired high surrogate at the end included. */
    private void flush() {
        if (pendingHigh != 0) {
            put(pendingHigh);
            pendingHigh = 0;
        }
        if (count > 0) {
            sink.codePoints(codePoints, count);
            count = 0;
        }
    }
}
