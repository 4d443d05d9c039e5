package dev.jgpt.data;

import java.util.Arrays;
import java.util.List;

/** Test helper: all the tokens of a split, read through {@link Corpus#batch(Split, List, int)}. */
final class Tokens {

    private Tokens() {}

    static int[] of(Corpus corpus, Split split) {
        int n = Math.toIntExact(corpus.tokenCount(split));
        if (n < 2) {
            return n == 0 ? new int[0] : new int[] {(int) corpus.batch(split, List.of(new Window(0, 1)), 1).inputs()[0]};
        }
        Batch batch = corpus.batch(split, List.of(new Window(0, n)), n - 1);
        int[] tokens = Arrays.stream(batch.inputs()).mapToInt(Math::toIntExact).toArray();
        tokens = Arrays.copyOf(tokens, n);
        tokens[n - 1] = (int) batch.targets()[n - 2];
        return tokens;
    }

    /** Both splits' tokens, train then val. */
    static int[] all(Corpus corpus) {
        int[] train = of(corpus, Split.TRAIN);
        int[] val = of(corpus, Split.VAL);
        int[] all = Arrays.copyOf(train, train.length + val.length);
        System.arraycopy(val, 0, all, train.length, val.length);
        return all;
    }

    /** The documents of a split, each from its {@code <s>} to its {@code </s>}, decoded without them. */
    static List<String> documents(Corpus corpus, Split split) {
        List<String> documents = new java.util.ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int id : of(corpus, split)) {
            if (id == Vocabulary.EOS) {
                documents.add(current.toString());
                current.setLength(0);
            } else if (id != Vocabulary.BOS) {
                current.append(corpus.vocabulary().token(id));
            }
        }
        return documents;
    }

    /** The options tests open files with: prepared into {@code folder}, silently. */
    static CorpusOptions options(java.nio.file.Path folder, long seed) {
        return new CorpusOptions(folder, folder.resolve("prepared"), seed, Progress.SILENT);
    }
}
