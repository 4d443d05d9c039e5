package dev.jgpt.data;

import java.util.List;

/**
 * Which tokenizer a corpus is prepared with when no model imposes one ({@code --tokenizer}, {@code
 * --vocab-size}, {@code --tokenizer-sample-bytes}).
 *
 * @param kind {@code char}, {@code bpe} or {@code gpt2}
 * @param vocabSize the ids a {@code bpe} has; 0 for the others
 * @param sampleBytes how much of the train split a {@code bpe} learns from, at most
 */
public record TokenizerSpec(String kind, int vocabSize, long sampleBytes) {

    /** The kinds {@code --tokenizer} takes. */
    public static final List<String> KINDS = List.of("char", "bpe", "gpt2");
    /** A BPE's ids unless {@code --vocab-size} says otherwise. */
    public static final int DEFAULT_BPE_SIZE = 4096;
    /** How much text a BPE learns from unless {@code --tokenizer-sample-bytes} says otherwise: 100 MB. */
    public static final long DEFAULT_SAMPLE_BYTES = 100_000_000L;
    /** Characters, jgpt's default. */
    public static final TokenizerSpec CHAR = new TokenizerSpec("char", 0, DEFAULT_SAMPLE_BYTES);

    /**
     * The spec the options ask for.
     *
     * @param vocabSizeOrNull {@code --vocab-size}, or null when not given
     * @throws CorpusException in one line for an unknown kind, a size below {@value BpeTrainer#MIN_SIZE},
     *     a size with {@code char} or {@code gpt2}, or a sample of no bytes
     */
    public static TokenizerSpec of(String kind, Integer vocabSizeOrNull, long sampleBytes) {
        if (!KINDS.contains(kind)) {
            throw new CorpusException("unknown --tokenizer " + kind + ": use char, bpe or gpt2");
        }
        if (vocabSizeOrNull != null && !kind.equals("bpe")) {
            throw new CorpusException("--vocab-size " + vocabSizeOrNull + " applies only to --tokenizer bpe, not "
                    + kind + (kind.equals("gpt2") ? " (GPT-2's has 50,257 ids)" : " (a character vocabulary has the corpus's characters)"));
        }
        if (vocabSizeOrNull != null && vocabSizeOrNull < BpeTrainer.MIN_SIZE) {
            throw new CorpusException("--vocab-size " + vocabSizeOrNull + " is below " + BpeTrainer.MIN_SIZE
                    + ", the 4 reserved tokens and the 256 bytes a BPE starts from");
        }
        if (sampleBytes < 1) {
            throw new CorpusException("--tokenizer-sample-bytes " + sampleBytes + " must be at least 1");
        }
        int size = kind.equals("bpe") ? (vocabSizeOrNull == null ? DEFAULT_BPE_SIZE : vocabSizeOrNull) : 0;
        return new TokenizerSpec(kind, size, sampleBytes);
    }

    /** What tells apart corpora prepared with different specs, for their folder's name; empty for {@code char}. */
    String key() {
        return switch (kind) {
            case "char" -> "";
            case "gpt2" -> "gpt2";
            default -> "bpe" + vocabSize + "/" + sampleBytes;
        };
    }
}
