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

    /** The tokenizer the corpus was encoded with and what preparing found. */
    record Result(Tokenizer tokenizer, PreparedCorpus.Facts facts) {}

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
        return prepare(source, vocabOrNull, TokenizerSpec.CHAR, seed, output, progress);
    }

    /**
     * Prepares {@code source} into {@code output}.
     *
     * @param tokenizerOrNull the tokenizer to encode with, or null for one made from the source as
     *     {@code spec} says: its characters, a BPE learned from its train split, or GPT-2's
     * @throws CorpusException if the source is empty, malformed, or changes while it is read
     * @throws IOException if writing fails
     */
    static Result prepare(CorpusSource source, Tokenizer tokenizerOrNull, TokenizerSpec spec, long seed,
            Output output, Progress progress) throws IOException {
        Vocabulary vocabOrNull = tokenizerOrNull instanceof Vocabulary v ? v : null;
        List<Path> files = source.files();
        String before = Fingerprint.stats(files);
        Progress task = progress.start("preparing " + source.name(), 2 * Fingerprint.bytes(files));
        Census census = new Census();
        source.read(census, task);
        if (census.characters == 0) {
            throw new CorpusException("corpus " + source.name() + " is empty");
        }
        Tokenizer vocabulary = tokenizerOrNull != null ? tokenizerOrNull : switch (spec.kind()) {
            case "bpe" -> BpeSample.learn(source, spec, census.characters, census.documents, seed, progress);
            case "gpt2" -> BytePairTokenizer.gpt2();
            default -> census.vocabulary();
        };
        if (vocabulary instanceof Vocabulary characters && !characters.hasSpecials()) {
            census.checkAllIn(characters);
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
                || tokenizerOrNull == null && encoder.unknown > 0 || !Fingerprint.stats(source.files()).equals(before);
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

    /** Selection sampling: whether the next of {@code left} documents validates, while {@code valLeft} more must. */
    static boolean isVal(Random random, long left, long valLeft) {
        return left > 0 && valLeft > 0 && random.nextLong(left) < valLeft;
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
        // Characters are encoded one by one; a byte-level BPE encodes pieces of text (pieces != null).
        private final Vocabulary vocabulary;
        private final PieceEncoder pieces;
        private final int documentStart;
        private final int documentEnd;
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
        Encoder(Tokenizer vocabulary, int width, Output output, long trainLength) throws IOException {
            this.vocabulary = vocabulary instanceof Vocabulary v ? v : null;
            this.train = new TokenWriter(output.open(Split.TRAIN + ".bin"), width);
            this.val = new TokenWriter(output.open(Split.VAL + ".bin"), width);
            this.pieces = this.vocabulary == null ? new PieceEncoder(vocabulary, PieceEncoder.threads(), train::write) : null;
            this.documentStart = Vocabulary.BOS;
            this.documentEnd = Vocabulary.EOS;
            this.trainStarts = null;
            this.valStarts = null;
            this.trainLength = trainLength;
            this.random = null;
            this.documents = 1;
        }

        /** For documents. */
        Encoder(Tokenizer vocabulary, int width, Output output, long documents, Random random) throws IOException {
            this.vocabulary = vocabulary instanceof Vocabulary v ? v : null;
            this.train = new TokenWriter(output.open(Split.TRAIN + ".bin"), width);
            this.val = new TokenWriter(output.open(Split.VAL + ".bin"), width);
            this.pieces = this.vocabulary == null ? new PieceEncoder(vocabulary, PieceEncoder.threads(), train::write) : null;
            BytePairTokenizer bpe = vocabulary instanceof BytePairTokenizer b ? b : null;
            this.documentStart = bpe == null ? Vocabulary.BOS : bpe.documentStart();
            this.documentEnd = bpe == null ? Vocabulary.EOS : bpe.documentEnd();
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
            boolean isVal = isVal(random, documents - documentCount + 1, valLeft);
            valLeft -= isVal ? 1 : 0;
            current = isVal ? val : train;
            both = documents == 1;
            try {
                if (pieces != null) {
                    pieces.finish(); // the counts below are of every token written so far
                    TokenWriter writer = current;
                    pieces.switchSink(both ? ids -> {
                        train.write(ids);
                        val.write(ids);
                    } : writer::write);
                }
                (isVal ? valStarts : trainStarts).write(current.count());
                if (both) {
                    valStarts.write(val.count());
                }
                writeDocument(documentStart);
            } catch (IOException e) {
                throw new WriteFailure(e);
            }
        }

        @Override
        public void codePoints(int[] codePoints, int count) {
            if (pieces != null) {
                appendPieces(codePoints, count);
                return;
            }
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

        /** A single text goes to train up to the first cut after 90% of its characters, then to val. */
        private void appendPieces(int[] codePoints, int count) {
            try {
                int toTrain = (int) Math.max(0, Math.min(count, trainLength - characters));
                if (random == null && toTrain < count && characters + toTrain == trainLength) {
                    pieces.append(codePoints, toTrain);
                    pieces.switchSink(val::write);
                    pieces.append(java.util.Arrays.copyOfRange(codePoints, toTrain, count), count - toTrain);
                } else {
                    pieces.append(codePoints, count);
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
                writeDocument(documentEnd);
            } catch (IOException e) {
                throw new WriteFailure(e);
            }
        }

        private void writeDocument(int id) throws IOException {
            if (pieces != null) {
                pieces.write(id);
                return;
            }
            current.write(id);
            if (both) {
                val.write(id);
            }
        }

        @Override
        public void close() throws IOException {
            if (pieces != null) {
                try (pieces) {
                    pieces.finish();
                }
            }
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
