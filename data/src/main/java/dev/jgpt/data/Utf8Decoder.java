package dev.jgpt.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams a file's code points as strict UTF-8, without a leading byte order mark, in bounded
 * memory. A byte that does not decode (a stray continuation byte, a sequence cut short, an overlong
 * form, a surrogate, a value beyond U+10FFFF) stops it with a {@link CorpusException} that names
 * the file, the byte, its offset and its line.
 *
 * <p>Written by hand rather than with a {@code CharsetDecoder} because it decodes straight to code
 * points, with a tight loop over ASCII: preparing a corpus of gigabytes reads it twice, and this is
 * most of the time spent.
 */
final class Utf8Decoder implements Closeable {

    private static final int BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final Progress progress;
    private final byte[] bytes = new byte[BUFFER_BYTES];
    private int position;
    private int limit;
    /** The file offset of {@code bytes[0]}. */
    private long base;
    private boolean endOfFile;

    /**
     * Opens {@code file}; {@code progress} is told of every byte read.
     *
     * @throws CorpusException if the file is missing or unreadable
     */
    Utf8Decoder(Path file, Progress progress) {
        this.file = file;
        this.progress = progress;
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CorpusException("corpus file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CorpusException("cannot read corpus file " + file + ": " + e, e);
        }
        refill();
        // Editors on Windows start UTF-8 files with U+FEFF; it is not part of the text.
        if (limit >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) {
            position = 3;
        }
    }

    /** Decodes up to {@code max} code points into {@code out}; returns how many, or -1 at the end. */
    int read(int[] out, int max) {
        int n = 0;
        while (n < max) {
            if (limit - position < 4 && !endOfFile) {
                refill();
            }
            if (position == limit) {
                break;
            }
            byte[] in = bytes;
            int p = position;
            int end = Math.min(limit, p + (max - n));
            while (p < end && in[p] >= 0) {
                out[n++] = in[p++];
            }
            position = p;
            if (p == end) {
                continue;
            }
            int lead = in[p] & 0xFF;
            int continuations = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC2 ? 1 : -1;
            if (continuations < 0 || lead > 0xF4) {
                throw notUtf8(p); // a continuation byte first, 0xC0 or 0xC1 (always overlong), or above U+10FFFF
            }
            if (p + continuations >= limit) {
                if (endOfFile) {
                    throw notUtf8(p); // cut short at the end
                }
                refill();
                continue;
            }
            int codePoint = lead & (0x3F >> continuations);
            for (int k = 1; k <= continuations; k++) {
                int next = in[p + k] & 0xFF;
                if ((next & 0xC0) != 0x80) {
                    throw notUtf8(p);
                }
                codePoint = codePoint << 6 | (next & 0x3F);
            }
            boolean overlong = continuations == 2 && codePoint < 0x800 || continuations == 3 && codePoint < 0x10000;
            if (overlong || codePoint > Character.MAX_CODE_POINT
                    || codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE) {
                throw notUtf8(p);
            }
            out[n++] = codePoint;
            position = p + continuations + 1;
        }
        return n == 0 && position == limit && endOfFile ? -1 : n;
    }

    /** Keeps the bytes not yet decoded and reads more after them. */
    private void refill() {
        System.arraycopy(bytes, position, bytes, 0, limit - position);
        base += position;
        limit -= position;
        position = 0;
        try {
            while (limit < BUFFER_BYTES && !endOfFile) {
                int read = channel.read(ByteBuffer.wrap(bytes, limit, BUFFER_BYTES - limit));
                if (read < 0) {
                    endOfFile = true;
                } else {
                    limit += read;
                    progress.advance(read);
                }
            }
        } catch (IOException e) {
            throw new CorpusException("cannot read corpus file " + file + ": " + e, e);
        }
    }

    private CorpusException notUtf8(int index) {
        long offset = base + index;
        return new CorpusException(String.format(
                "corpus file %s is not valid UTF-8: byte 0x%02X at byte offset %d (line %d) does not decode",
                file, bytes[index] & 0xFF, offset, lineOf(offset)));
    }

    /** The line of a byte offset, counted again from the start: only an error needs it. */
    private long lineOf(long offset) {
        long line = 1;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[BUFFER_BYTES];
            long position = 0;
            for (int read = in.read(buffer); read > 0 && position < offset; read = in.read(buffer)) {
                for (int i = 0; i < read && position < offset; i++, position++) {
                    line += buffer[i] == '\n' ? 1 : 0;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return line;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
