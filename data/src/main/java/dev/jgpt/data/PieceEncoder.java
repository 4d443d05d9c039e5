package dev.jgpt.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Encodes a stream of text with a byte-level BPE in bounded memory, on several threads, giving
 * exactly the ids of the whole text: the text is cut into segments only where the pre-split pattern
 * cannot join across the cut, so every segment encodes as it would within the whole.
 *
 * <p>The cut: after a letter or digit and before a space (U+0020). Both GPT-2's and GPT-4's patterns
 * end a run of letters or digits at a space whatever follows, and begin anew at the space whatever
 * came before. A text with no such place (no spaces) is held whole until it ends.
 *
 * <p>Segments are encoded in parallel and their ids handed to their sinks in the text's order.
 */
final class PieceEncoder implements AutoCloseable {

    /** Receives ids, in the text's order. */
    interface IdSink {
        void write(int[] ids) throws IOException;
    }

    private static final int SEGMENT_CHARS = 1 << 18;

    private final Tokenizer tokenizer;
    private final int segmentChars;
    private final ExecutorService threads;
    private final int inFlight;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final StringBuilder buffer = new StringBuilder();
    private IdSink sink;
    private IdSink nextSink;
    private int nextSinkFrom;

    private record Pending(Future<int[]> ids, IdSink sink) {}

    /**
     * @param threads how many threads encode
     * @param sink where the ids go, until {@link #switchSink} or {@link #flush}
     */
    PieceEncoder(Tokenizer tokenizer, int threads, IdSink sink) {
        this(tokenizer, threads, SEGMENT_CHARS, sink);
    }

    /** @param segmentChars about how many characters a segment holds (tests cut small ones) */
    PieceEncoder(Tokenizer tokenizer, int threads, int segmentChars, IdSink sink) {
        this.tokenizer = tokenizer;
        this.segmentChars = segmentChars;
        this.threads = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "bpe-encoder");
            thread.setDaemon(true);
            return thread;
        });
        this.inFlight = 2 * threads;
        this.sink = sink;
    }

    /** The number of threads worth using here: every core, as preparing has the machine to itself. */
    static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Appends {@code count} code points of text. */
    void append(int[] codePoints, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            buffer.appendCodePoint(codePoints[i]);
        }
        switchAtCut();
        if (buffer.length() >= segmentChars) {
            int cut = lastCut(buffer.length() - 1);
            if (cut > 0) {
                submit(cut);
            }
        }
    }

    /**
     * Sends the ids of text appended from now on to {@code next}, from the first cut on: the text
     * before it still goes to the current sink (if the text ends without a cut, it switches here).
     */
    void switchSink(IdSink next) throws IOException {
        nextSink = next;
        nextSinkFrom = buffer.length();
        switchAtCut();
    }

    /** Encodes what is buffered: the text ends here (a document's end, or the whole text's). */
    void flush() throws IOException {
        if (nextSink != null) {
            submit(nextSinkFrom);
            sink = nextSink;
            nextSink = null;
        }
        submit(buffer.length());
    }

    /** Hands {@code ids} to the current sink after the ids of all text before them; for markers between documents. */
    void write(int... ids) throws IOException {
        flush();
        enqueue(CompletableFuture.completedFuture(ids));
    }

    /** Switches the sink at the first cut at or after where it was asked for, once the buffer holds one. */
    private void switchAtCut() throws IOException {
        if (nextSink == null) {
            return;
        }
        for (int i = Math.max(1, nextSinkFrom); i < buffer.length(); i++) {
            if (isCut(i)) {
                submit(i);
                sink = nextSink;
                nextSink = null;
                return;
            }
        }
    }

    /** The last cut at or before {@code from}, or 0 if there is none. */
    private int lastCut(int from) {
        for (int i = from; i > 0; i--) {
            if (isCut(i)) {
                return i;
            }
        }
        return 0;
    }

    /** Whether the text may be cut before {@code buffer[i]}: a space after a letter or digit. */
    private boolean isCut(int i) {
        if (buffer.charAt(i) != ' ') {
            return false;
        }
        int before = Character.codePointBefore(buffer, i);
        return Character.isLetter(before) || Character.isDigit(before);
    }

    /** Encodes {@code buffer[0, end)} in the background and drops it from the buffer. */
    private void submit(int end) throws IOException {
        if (end == 0) {
            return;
        }
        String segment = buffer.substring(0, end);
        buffer.delete(0, end);
        if (nextSink != null) {
            nextSinkFrom = Math.max(0, nextSinkFrom - end);
        }
        enqueue(threads.submit(() -> tokenizer.ids(segment)));
    }

    private void enqueue(Future<int[]> ids) throws IOException {
        pending.add(new Pending(ids, sink));
        while (pending.size() > inFlight || !pending.isEmpty() && pending.peek().ids().isDone()) {
            writeFirst();
        }
    }

    private void writeFirst() throws IOException {
        Pending first = pending.remove();
        try {
            first.sink().write(first.ids().get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while encoding", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new UncheckedIOException(new IOException(e.getCause()));
        }
    }

    /** Encodes what is left and hands every id to its sink. */
    void finish() throws IOException {
        flush();
        while (!pending.isEmpty()) {
            writeFirst();
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
