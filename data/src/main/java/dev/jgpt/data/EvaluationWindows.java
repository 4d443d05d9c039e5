package dev.jgpt.data;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The windows an evaluation scores, as training sees the split: a text is cut into consecutive
 * windows of block_size + 1 tokens, each overlapping the next by one token so that every token
 * after the first is predicted once; a document is cut the same way on its own, never joined to the
 * next. When all of them would score more than a given number of targets, evenly spaced windows
 * are taken instead, as many as fit in it.
 */
public final class EvaluationWindows implements Iterator<Window> {

    private static final int STARTS_BLOCK = 4096;

    private final long tokenCount;
    private final TokenArray starts;
    private final int blockSize;
    private final long available;
    private final long picked;
    private final long splitTargets;
    private long next;
    // The document the last window came from, for documents.
    private final long[] startsBlock = new long[STARTS_BLOCK];
    private long blockFirst = -1;
    private long document;
    private long windowsBefore;

    /**
     * @param tokenCount the split's length in tokens
     * @param starts where each document of the split starts, or null for a single text
     * @param maxTargets the most targets to score; 0 for all
     */
    EvaluationWindows(long tokenCount, TokenArray starts, int blockSize, long maxTargets) {
        this.tokenCount = tokenCount;
        this.starts = starts;
        this.blockSize = blockSize;
        long windows = 0;
        long targets = 0;
        if (starts == null) {
            windows = windowsIn(tokenCount);
            targets = Math.max(0, tokenCount - 1);
        } else {
            for (long d = 0; d < starts.length(); d++) {
                long length = end(d) - start(d);
                windows += windowsIn(length);
                targets += Math.max(0, length - 1);
            }
        }
        this.available = windows;
        this.splitTargets = targets;
        boolean whole = maxTargets == 0 || targets <= maxTargets;
        this.picked = whole ? windows : Math.min(windows, Math.max(1, maxTargets / blockSize));
    }

    /** The number of targets in the whole split, scored or not. */
    public long splitTargets() {
        return splitTargets;
    }

    /** Whether every window of the split is scored. */
    public boolean whole() {
        return picked == available;
    }

    @Override
    public boolean hasNext() {
        return next < picked;
    }

    @Override
    public Window next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        // The i-th of m windows picked out of W is window floor(i * W / m): evenly spaced, increasing.
        long k = next * (available / picked) + next * (available % picked) / picked;
        next++;
        if (starts == null) {
            return window(0, tokenCount, k);
        }
        while (k >= windowsBefore + windowsIn(end(document) - start(document))) {
            windowsBefore += windowsIn(end(document) - start(document));
            document++;
        }
        return window(start(document), end(document), k - windowsBefore);
    }

    /** Window {@code k} of the sequence [first, end). */
    private Window window(long first, long end, long k) {
        long start = first + k * blockSize;
        return new Window(start, (int) Math.min(blockSize + 1, end - start));
    }

    private long windowsIn(long length) {
        return windowsIn(length, blockSize);
    }

    /** How many windows cut a sequence of {@code length} tokens. */
    static long windowsIn(long length, int blockSize) {
        return length < 2 ? 0 : (length - 1 + blockSize - 1) / blockSize;
    }

    private long start(long d) {
        if (blockFirst < 0 || d < blockFirst || d >= blockFirst + STARTS_BLOCK) {
            blockFirst = d;
            starts.read(d, startsBlock, 0, (int) Math.min(STARTS_BLOCK, starts.length() - d));
        }
        return startsBlock[(int) (d - blockFirst)];
    }

    private long end(long d) {
        return d + 1 < starts.length() ? start(d + 1) : tokenCount;
    }
}
