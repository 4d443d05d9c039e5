package dev.jgpt.data;

import java.util.Random;

/**
 * Random windows of a split of documents for a loss estimate, drawn uniformly among the windows
 * that cut each document as {@link EvaluationWindows} does. Those windows hold every target of the
 * split once, so every target is equally likely to be scored, whatever the documents' lengths:
 * the estimate estimates the whole-split loss. (A uniform document, then a window of it, would
 * weigh a short document as much as a long one.)
 *
 * <p>Memory stays flat: the number of windows before every {@value #BLOCK}-th document is kept, and
 * a draw reads the document starts of one block.
 */
final class EstimateWindows {

    private static final int BLOCK = 4096;

    private final long tokenCount;
    private final TokenArray starts;
    private final int blockSize;
    private final long[] windowsBefore; // windowsBefore[b]: the windows of documents [0, b * BLOCK)
    private final long[] block = new long[BLOCK + 1];

    EstimateWindows(long tokenCount, TokenArray starts, int blockSize) {
        this.tokenCount = tokenCount;
        this.starts = starts;
        this.blockSize = blockSize;
        int blocks = (int) ((starts.length() + BLOCK - 1) / BLOCK);
        windowsBefore = new long[blocks + 1];
        for (int b = 0; b < blocks; b++) {
            windowsBefore[b + 1] = windowsBefore[b] + windowsInBlock(readBlock(b));
        }
    }

    /** The block size these windows were cut for. */
    int blockSize() {
        return blockSize;
    }

    /** A window drawn uniformly among all of the split's windows. */
    Window draw(Random random) {
        long k = PreparedCorpus.uniform(random, windowsBefore[windowsBefore.length - 1]);
        int b = 0; // the last block with at most k windows before it
        for (int last = windowsBefore.length - 2; b < last; ) {
            int middle = (b + last + 1) >>> 1;
            if (windowsBefore[middle] <= k) {
                b = middle;
            } else {
                last = middle - 1;
            }
        }
        int documents = readBlock(b);
        k -= windowsBefore[b];
        for (int d = 0; ; d++) {
            long windows = EvaluationWindows.windowsIn(block[d + 1] - block[d], blockSize);
            if (k < windows) {
                long start = block[d] + k * blockSize;
                return new Window(start, (int) Math.min(blockSize + 1, block[d + 1] - start));
            }
            k -= windows;
            if (d + 1 == documents) {
                throw new IllegalStateException("window index past the split's windows");
            }
        }
    }

    /** Reads the starts of block {@code b}'s documents, and the end of its last, into {@link #block}; returns how many. */
    private int readBlock(int b) {
        long first = (long) b * BLOCK;
        int documents = (int) Math.min(BLOCK, starts.length() - first);
        starts.read(first, block, 0, documents);
        block[documents] = first + documents < starts.length() ? starts.get(first + documents) : tokenCount;
        return documents;
    }

    private long windowsInBlock(int documents) {
        long windows = 0;
        for (int d = 0; d < documents; d++) {
            windows += EvaluationWindows.windowsIn(block[d + 1] - block[d], blockSize);
        }
        return windows;
    }

}
