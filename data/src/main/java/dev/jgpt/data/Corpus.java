package dev.jgpt.data;

import java.util.Random;

/** A text split into train and val tokens, from which batches are drawn. */
public interface Corpus {

    /** The vocabulary the tokens are ids of. */
    Vocabulary vocabulary();

    /**
     * Draws {@code batchSize} examples of {@code blockSize} positions from {@code split}. Every
     * random choice comes from {@code random}, so the batch is a function of the random's state.
     *
     * @throws CorpusException if the split is too short for the block size
     */
    Batch batch(Split split, int batchSize, int blockSize, Random random);

    /**
     * Checks up front that batches of {@code blockSize} positions can be drawn from both splits.
     *
     * @throws CorpusException naming the split, its length and the block size if one is too short
     */
    void checkBlockSize(int blockSize);

    /** All the tokens of {@code split} in order, for evaluating over the whole of it. */
    int[] tokens(Split split);

    /** How many characters of the text were not in a given vocabulary and became {@code <unk>}. */
    int unknownCount();

    /** One line saying what the corpus is and how big it is. */
    String describe();
}
