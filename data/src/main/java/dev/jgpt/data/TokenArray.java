package dev.jgpt.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only array of unsigned ids, {@code width} bytes each (1, 2, 4 or 8), little-endian, held
 * in a prepared file, in memory, or joined from two. Positions are {@code long}: a file may hold
 * more than 2^31 ids.
 *
 * <p>A file is read with positional reads (pread) rather than mapped into memory: the page cache
 * serves repeated reads just as fast, and the process's resident memory does not grow with every
 * page a random window touches (a mapping maps the pages around each one it faults in: bench/NOTES.md,
 * "Data at any scale").
 */
final class TokenArray {

    private final int width;
    private final long length;
    private final FileChannel channel;
    private final ByteBuffer memory;
    // A joined array: the ids of head, then those of tail each plus tailOffset.
    private final TokenArray head;
    private final TokenArray tail;
    private final long tailOffset;

    private TokenArray(int width, long length, FileChannel channel, ByteBuffer memory) {
        this.width = width;
        this.length = length;
        this.channel = channel;
        this.memory = memory;
        this.head = null;
        this.tail = null;
        this.tailOffset = 0;
    }

    private TokenArray(TokenArray head, TokenArray tail, long tailOffset) {
        this.width = head.width;
        this.length = head.length + tail.length;
        this.channel = null;
        this.memory = null;
        this.head = head;
        this.tail = tail;
        this.tailOffset = tailOffset;
    }

    /** The ids of {@code head} followed by those of {@code tail}, each of these plus {@code tailOffset}. */
    static TokenArray joined(TokenArray head, TokenArray tail, long tailOffset) {
        return new TokenArray(head, tail, tailOffset);
    }

    /**
     * The ids in {@code file}.
     *
     * @throws CorpusException if the file is missing or unreadable, or its size is not a whole
     *     number of ids
     */
    static TokenArray open(Path file, int width) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            long size = channel.size();
            if (size % width != 0) {
                channel.close();
                throw new CorpusException("prepared file " + file + " has " + size + " bytes, not a whole number of "
                        + width + "-byte ids; delete it to prepare the corpus again");
            }
            return new TokenArray(width, size / width, channel, null);
        } catch (NoSuchFileException e) {
            throw new CorpusException("prepared file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CorpusException("cannot read prepared file " + file + ": " + e, e);
        }
    }

    /** The ids in {@code bytes}, as {@link TokenWriter} wrote them. */
    static TokenArray of(byte[] bytes, int width) {
        return new TokenArray(width, bytes.length / width, null, ByteBuffer.wrap(bytes));
    }

    /** How many ids the array holds. */
    long length() {
        return length;
    }

    /** The id at {@code index}. */
    long get(long index) {
        long[] one = new long[1];
        read(index, one, 0, 1);
        return one[0];
    }

    /** Copies {@code count} ids from {@code index} on into {@code destination[offset...]}. */
    void read(long index, long[] destination, int offset, int count) {
        if (index < 0 || count < 0 || index + count > length) {
            throw new IndexOutOfBoundsException(
                    "ids [" + index + ", " + (index + count) + ") are outside [0, " + length + ")");
        }
        if (head != null) {
            int fromHead = (int) Math.max(0, Math.min(count, head.length - index));
            head.read(Math.min(index, head.length), destination, offset, fromHead);
            tail.read(Math.max(0, index - head.length), destination, offset + fromHead, count - fromHead);
            for (int i = offset + fromHead; i < offset + count; i++) {
                destination[i] += tailOffset;
            }
            return;
        }
        ByteBuffer bytes = ByteBuffer.allocate(count * width).order(ByteOrder.LITTLE_ENDIAN);
        fill(bytes, index * width);
        bytes.flip();
        for (int i = 0; i < count; i++) {
            destination[offset + i] = switch (width) {
                case 1 -> bytes.get() & 0xFFL;
                case 2 -> bytes.getShort() & 0xFFFFL;
                case 4 -> bytes.getInt() & 0xFFFF_FFFFL;
                default -> bytes.getLong();
            };
        }
    }

    private void fill(ByteBuffer bytes, long position) {
        if (memory != null) {
            bytes.put(memory.slice((int) position, bytes.remaining()));
            return;
        }
        try {
            while (bytes.hasRemaining()) {
                int read = channel.read(bytes, position + bytes.position());
                if (read < 0) {
                    throw new IOException("the file ended early; was it truncated?");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prepared tokens: " + e.getMessage(), e);
        }
    }
}
