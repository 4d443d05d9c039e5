package dev.jgpt.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a corpus's text comes from: one text, or documents (CSV rows, the files of a folder), read
 * as a stream of code points in bounded memory, as often as preparing it needs.
 */
interface CorpusSource {

    /** Receives the text of a source, a document at a time. */
    interface TextSink {
        /** A document begins; a single text is one document. */
        void startDocument();

        /** The next {@code count} code points of the current document, in a buffer the sink may overwrite. */
        void codePoints(int[] codePoints, int count);

        /** The current document ends. */
        void endDocument();
    }

    /** The source as messages and {@link Corpus#describe()} name it. */
    String name();

    /** What the documents are called ("rows", "files"), or null for a single text split by position. */
    String documents();

    /**
     * The files the text is read from, in reading order (listed afresh on each call), or an empty
     * list for a text held in memory, which is never prepared on disk.
     */
    List<Path> files();

    /** What tells this source apart from others in the same place: its path and, for a CSV, its column. */
    String identity();

    /**
     * Streams the text to {@code sink}, telling {@code progress} of the bytes read.
     *
     * @throws CorpusException if a file is missing, unreadable or malformed
     */
    void read(TextSink sink, Progress progress);
}
