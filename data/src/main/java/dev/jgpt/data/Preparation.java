package dev.jgpt.data;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Encodes a corpus in two streaming passes, in memory bounded whatever its size: the first counts
 * characters and documents and collects the vocabulary, the second writes each split's token ids
 * ({@code train.bin}, {@code val.bin}) and, for documents, where each one starts ({@code
 * train.idx}, {@code val.idx}).
 *
 * <p>A single text splits as nanoGPT's does, the first 90% of its tokens to train and the rest to
 * validate. Documents split whole: exactly as many go to val as the last 10% would hold (at least
 * one of two or more; a single document is in both), chosen by a generator seeded with the run's
 * seed (selection sampling, Knuth's algorithm S), so the same seed gives the same split.
 */
final class Preparation {

    /** Where the prepared files go: a file each, opened by name. */
    interface Output {
        OutputStream open(String name) throws IOException;
    }

    /** The vocabulary the corpus was encoded with and what preparing found. */
    record Result(Vocabulary vocabulary, PreparedCorpus.Facts facts) {}

    private static final double TRAIN_FRACTION = 0.9;
    private static final int CODE_POINTS = Character.MAX_CODE_POINT + 1;

    private Preparation() {}

    /**
     * Prepares {@code source} into {@code output}.
     *
     * @param vocabOrNull the vocabulary to encode with, or null to build it from the source
     * @throws CorpusException if the source is empty, malformed, or changes while it is read
     * @throws IOException if writing fails
     */
    static Result prepare(CorpusSource source, Vocabulary vocabOrNull, long seed, Output output, Progress progress)
            throws IOException {
        List<Path> files = source.files();
        String before = Fingerprint.stats(files);
        Progress task = progress.start("preparing " + source.name(), 2 * Fingerprint.bytes(files));
        Census census = new Census();
        source.read(census, task);
        if (census.characters == 0) {
            throw new CorpusException("corpus " + source.name() + " is empty");
        }
        Vocabulary vocabulary = vocabOrNull != null ? vocabOrNull : census.vocabulary();
        if (!vocabulary.hasSpecials()) {
            census.checkAllIn(vocabulary);
        }
        int width = TokenWriter.widthFor(vocabulary.size());
        Encoder encoder = source.documents() == null
                ? new Encoder(vocabulary, width, output, (long) (census.characters * TRAIN_FRACTION))
                : new Encoder(vocabulary, width, output, census.documents, new Random(seed));
        try (encoder) {
            source.read(encoder, task);
        } catch (WriteFailure e) {
            throw e.getCause();
        }
        boolean changed = encoder.characters != census.characters || encoder.documentCount != census.documents
                || vocabOrNull == null && encoder.unknown > 0 || !Fingerprint.stats(source.files()).equals(before);
        if (changed) {
            throw new CorpusException(source.name() + " changed while it was being prepared;"
                    + " run again once it no longer changes");
        }
        String fingerprint = files.isEmpty() ? null : Fingerprint.of(files);
        task.finish(String.format(java.util.Locale.ROOT, "prepared %s in %.1f s", source.name(), task.seconds()));
        return new Result(vocabulary, new PreparedCorpus.Facts(source.name(), source.documents(), census.characters,
                census.distinct(), census.documents, encoder.unknown, width, encoder.train.count(), encoder.val.count(),
                fingerprint));
    }

    /** How many of {@code documents} train: 90%, rounded down, leaving one to each split when there are two. */
    static long trainDocuments(long documents) {
        if (documents == 1) {
            return 1;
        }
        return Math.max(1, Math.min(documents - 1, (long) (documents * TRAIN_FRACTION)));
    }

    /** The first pass: characters, documents, and how often each character occurs. */
    private static final class Census implements CorpusSource.TextSink {
        private final long[] occurrences = new long[CODE_POINTS];
        long characters;
        long documents;

        @Override
        public void startDocument() {
            documents++;
        }

        @Override
        public void codePoints(int[] codePoints, int count) {
            characters += count;
            for (int i = 0; i < count; i++) {
                occurrences[codePoints[i]]++;
            }
        }

        @Override
        public void endDocument() {}

        long distinct() {
            return IntStream.range(0, CODE_POINTS).filter(c -> occurrences[c] > 0).count();
        }

        Vocabulary vocabulary() {
            return Vocabulary.fromCodePoints(IntStream.range(0, CODE_POINTS).filter(c -> occurrences[c] > 0));
        }

        /** Stops before anything is written if a character is not in {@code vocabulary}, which has no {@code <unk>}. */
        void checkAllIn(Vocabulary vocabulary) {
            IntStream.range(0, CODE_POINTS).filter(c -> occurrences[c] > 0 && !vocabulary.contains(c)).findFirst()
                    .ifPresent(c -> {
                        throw Vocabulary.missing(c, occurrences[c]);
                    });
        }
    }

    /** A write that failed inside a sink, carried out of the source's reading loop. */
    private static final class WriteFailure extends RuntimeException {
        WriteFailure(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    /** The second pass: writes the ids, and where each document starts. */
    private static final class Encoder implements CorpusSource.TextSink, AutoCloseable {
        private final Vocabulary vocabulary;
        private final TokenWriter train;
        private final TokenWriter val;
        private final TokenWriter trainStarts;
        private final TokenWriter valStarts;
        // A text: the first trainLength tokens train.
        private final long trainLength;
        // Documents: selection sampling of the val documents.
        private final Random random;
        private final long documents;
        private long valLeft;
        private TokenWriter current;
        private boolean both;
        long characters;
        long documentCount;
        long unknown;

        /** For a single text. */
        Encoder(Vocabulary vocabulary, int width, Output output, long trainLength) throws IOException {
            this.vocabulary = vocabulary;
            this.train = new TokenWriter(output.open(Split.TRAIN + ".bin"), width);
            this.val = new TokenWriter(output.open(Split.VAL + ".bin"), width);
            this.trainStarts = null;
            this.valStarts = null;
            this.trainLength = trainLength;
            this.random = null;
            this.documents = 1;
        }

        /** For documents. */
        Encoder(Vocabulary vocabulary, int width, Output output, long documents, Random random) throws IOException {
            this.vocabulary = vocabulary;
            this.train = new TokenWriter(output.open(Split.TRAIN + ".bin"), width);
            this.val = new TokenWriter(output.open(Split.VAL + ".bin"), width);
            this.trainStarts = new TokenWriter(output.open(Split.TRAIN + ".idx"), 8);
            this.valStarts = new TokenWriter(output.open(Split.VAL + ".idx"), 8);
            this.trainLength = -1;
            this.random = random;
            this.documents = documents;
            this.valLeft = documents == 1 ? 0 : documents - trainDocuments(documents);
        }

        @Override
        public void startDocument() {
            documentCount++;
            if (random == null) {
                return;
            }
            long left = documents - documentCount + 1;
            boolean isVal = left > 0 && valLeft > 0 && random.nextLong(left) < valLeft;
            valLeft -= isVal ? 1 : 0;
            current = isVal ? val : train;
            both = documents == 1;
            try {
                (isVal ? valStarts : trainStarts).write(current.count());
                if (both) {
                    valStarts.write(val.count());
                }
                writeDocument(Vocabulary.BOS);
            } catch (IOException e) {
                throw new WriteFailure(e);
            }
        }

        @Override
        public void codePoints(int[] codePoints, int count) {
            // Encoded in place: the source refills the buffer before its next call.
            unknown += vocabulary.encode(codePoints, count);
            int[] ids = codePoints;
            try {
                if (random == null) {
                    int toTrain = (int) Math.max(0, Math.min(count, trainLength - characters));
                    train.write(ids, 0, toTrain);
                    val.write(ids, toTrain, count);
                } else {
                    current.write(ids, 0, count);
                    if (both) {
                        val.write(ids, 0, count);
                    }
                }
            } catch (IOException e) {
                throw new WriteFailure(e);
            }
            characters += count;
        }

        @Override
        public void endDocument() {
            if (random == null) {
                return;
            }
            try {
                writeDocument(Vocabulary.EOS);
            } catch (IOException e) {
                throw new WriteFailure(e);
            }
        }

        private void writeDocument(int id) throws IOException {
            current.write(id);
            if (both) {
                val.write(id);
            }
        }

        @Override
        public void close() throws IOException {
            try (train; val) {
                if (trainStarts != null) {
                    try (trainStarts; valStarts) {
                        // closed in this order, each even if another fails
                    }
                }
            }
        }
    }
}
