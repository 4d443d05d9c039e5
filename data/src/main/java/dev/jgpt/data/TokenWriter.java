package dev.jgpt.data;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes ids as {@code width}-byte unsigned little-endian integers: 1 byte while the vocabulary has
 * at most 256 ids, 2 up to 65,536, 4 beyond (and 8 for the positions of documents).
 */
final class TokenWriter implements AutoCloseable {

    private static final int BUFFER_BYTES = 1 << 16;

    private final OutputStream out;
    private final int width;
    private final long limit;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int filled;
    private long count;

    TokenWriter(OutputStream out, int width) {
        this.out = out;
        this.width = width;
        this.limit = width == 8 ? Long.MAX_VALUE : 1L << (8 * width);
    }

    /** The bytes per token a vocabulary of {@code vocabSize} ids needs: 1, 2 or 4. */
    static int widthFor(long vocabSize) {
        return vocabSize <= 1 << 8 ? 1 : vocabSize <= 1 << 16 ? 2 : 4;
    }

    /**
     * Appends one id.
     *
     * @throws CorpusException if the id does not fit in the width
     */
    void write(long id) throws IOException {
        if (id < 0 || width < 8 && id >= limit) {
            throw new CorpusException("token id " + id + " does not fit in " + width + "-byte tokens (ids below "
                    + limit + "): the vocabulary is beyond the token width");
        }
        if (filled + width > BUFFER_BYTES) {
            flushBuffer();
        }
        for (int i = 0; i < width; i++) {
            buffer[filled++] = (byte) (id >>> (8 * i));
        }
        count++;
    }

    /** Appends {@code ids}. */
    void write(int[] ids) throws IOException {
        write(ids, 0, ids.length);
    }

    /** Appends {@code ids[from..to)}; see {@link #write(long)}. */
    void write(int[] ids, int from, int to) throws IOException {
        int i = from;
        while (i < to) {
            if (filled + width > BUFFER_BYTES) {
                flushBuffer();
            }
            int end = Math.min(to, i + (BUFFER_BYTES - filled) / width);
            for (int k = i; k < end; k++) {
                int id = ids[k];
                if (id < 0 || width < 4 && id >= limit) {
                    write(id); // throws
                }
                switch (width) {
                    case 1 -> buffer[filled++] = (byte) id;
                    case 2 -> {
                        buffer[filled++] = (byte) id;
                        buffer[filled++] = (byte) (id >>> 8);
                    }
                    default -> {
                        for (int b = 0; b < width; b++) {
                            buffer[filled++] = (byte) ((long) id >>> (8 * b));
                        }
                    }
                }
            }
            count += end - i;
            i = end;
        }
    }

    /** How many ids were written. */
    long count() {
        return count;
    }

    private void flushBuffer() throws IOException {
        out.write(buffer, 0, filled);
        filled = 0;
    }

    @Override
    public void close() throws IOException {
        try {
            flushBuffer();
        } finally {
            out.close();
        }
    }
}
