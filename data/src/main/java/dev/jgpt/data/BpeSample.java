package dev.jgpt.data;

import java.util.Locale;
import java.util.Random;

/**
 * Learns a corpus's BPE from its train split, as preparing will split it (a text's first 90% of
 * characters, or the documents the seed sends to train), at most {@link TokenizerSpec#sampleBytes()}
 * of it: one more pass over the source, in bounded memory, as only distinct pieces are kept.
 */
final class BpeSample implements CorpusSource.TextSink {

    private static final int PIECE_CHARS = 1 << 20;

    private final BpeTrainer trainer = new BpeTrainer();
    private final StringBuilder buffer = new StringBuilder();
    private final long trainCharacters;
    private final Random random;
    private final long documents;
    private final long sampleBytes;
    private long valLeft;
    private long documentCount;
    private long characters;
    private long bytes;
    private boolean inTrain = true;

    private BpeSample(long trainCharacters, long documents, Random random, long sampleBytes) {
        this.trainCharacters = trainCharacters;
        this.documents = documents;
        this.random = random;
        this.sampleBytes = sampleBytes;
        this.valLeft = documents == 1 ? 0 : documents - Preparation.trainDocuments(documents);
    }

    /** The BPE of {@code source}'s train split, telling {@code progress} how it went. */
    static BytePairTokenizer learn(CorpusSource source, TokenizerSpec spec, long characters, long documents, long seed,
            Progress progress) {
        boolean text = source.documents() == null;
        BpeSample sample = new BpeSample(text ? (long) (characters * 0.9) : Long.MAX_VALUE, documents,
                text ? null : new Random(seed), spec.sampleBytes());
        Progress task = progress.start("learning a BPE of " + spec.vocabSize() + " tokens from " + source.name(),
                Fingerprint.bytes(source.files()));
        source.read(sample, task);
        sample.addBuffered(sample.buffer.length());
        BytePairTokenizer bpe = sample.trainer.train(spec.vocabSize());
        task.finish(String.format(Locale.ROOT, "learned a BPE of %,d tokens from %,d bytes in %.1f s", bpe.size(),
                sample.bytes, task.seconds()));
        if (bpe.size() < spec.vocabSize()) {
            task.note(String.format(Locale.ROOT, "warning: %s is too small for a BPE of %,d tokens: no pair was left"
                    + " to merge at %,d tokens, which the model will have", source.name(), spec.vocabSize(), bpe.size()));
        }
        return bpe;
    }

    /** Chooses documents for train as preparing's selection sampling does, from the same seed. */
    @Override
    public void startDocument() {
        documentCount++;
        boolean isVal = random != null && Preparation.isVal(random, documents - documentCount + 1, valLeft);
        valLeft -= isVal ? 1 : 0;
        inTrain = !isVal || documents == 1;
    }

    @Override
    public void codePoints(int[] codePoints, int count) {
        int take = (int) Math.max(0, Math.min(count, trainCharacters - characters));
        characters += count;
        if (!inTrain || bytes >= sampleBytes) {
            return;
        }
        for (int i = 0; i < take; i++) {
            buffer.appendCodePoint(codePoints[i]);
            bytes += Character.toString(codePoints[i]).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
        if (buffer.length() >= PIECE_CHARS) {
            // Cut after a letter before a space, where no piece crosses (see PieceEncoder).
            int cut = buffer.lastIndexOf(" ");
            while (cut > 0 && !Character.isLetterOrDigit(buffer.codePointBefore(cut))) {
                cut = buffer.lastIndexOf(" ", cut - 1);
            }
            addBuffered(Math.max(cut, 0));
        }
    }

    @Override
    public void endDocument() {
        addBuffered(buffer.length());
    }

    private void addBuffered(int end) {
        trainer.add(buffer.subSequence(0, end));
        buffer.delete(0, end);
    }
}
