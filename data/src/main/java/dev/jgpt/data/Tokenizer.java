package dev.jgpt.data;

/**
 * Turns text into token ids and back: the character {@link Vocabulary}, a byte-level BPE trained on
 * the corpus, or GPT-2's encoding ({@link BytePairTokenizer}).
 */
public interface Tokenizer {

    /** {@code char}, {@code bpe} or {@code gpt2}: what {@code --tokenizer} calls it. */
    String kind();

    /** The number of ids, special ones included. */
    int size();

    /** The id that fills a row after its document ends, or null when there is none (targets there are ignored). */
    Integer paddingId();

    /** The ids of {@code text}. */
    int[] ids(String text);

    /**
     * The UTF-8 bytes {@code id} stands for: none for a special token. A character may be split
     * over several ids, so one id's bytes need not be whole characters.
     */
    byte[] bytes(int id);

    /** The text of {@code ids}: their bytes, decoded as UTF-8. */
    String decode(int[] ids);
}
