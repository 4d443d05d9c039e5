package dev.jgpt.data;

import java.util.List;
import java.util.Random;

/** A text split into train and val tokens, from which batches are drawn. */
public interface Corpus {

    /** The vocabulary the tokens are ids of, when they are characters ({@link #tokenizer()} is the vocabulary). */
    Vocabulary vocabulary();

    /** The tokenizer the tokens are ids of: a character vocabulary, a BPE, GPT-2's. */
    default Tokenizer tokenizer() {
        return vocabulary();
    }

    /**
     * Draws {@code batchSize} examples of {@code blockSize} positions from {@code split}. Every
     * random choice comes from {@code random}, so the batch is a function of the random's state.
     *
     * @throws CorpusException if the split is too short for the block size
     */
    Batch batch(Split split, int batchSize, int blockSize, Random random);

    /**
     * {@code count} random windows of {@code split} for a loss estimate, drawn so that every target
     * of the split is equally likely to be scored (a document's windows never cross into the next),
     * all from {@code random}.
     */
    List<Window> estimateWindows(Split split, int count, int blockSize, Random random);

    /**
     * The rows of the given windows of {@code split} (from {@link #evaluationWindows} or {@link
     * #estimateWindows}), each padded
     * with {@code <pad>} to {@code blockSize}.
     */
    Batch batch(Split split, List<Window> windows, int blockSize);

    /**
     * Checks up front that batches of {@code blockSize} positions can be drawn from both splits.
     *
     * @throws CorpusException naming the split, its length and the block size if one is too short
     */
    void checkBlockSize(int blockSize);

    /**
     * This corpus unsplit, to score a whole file: each of its splits holds every token of this one
     * once, in order.
     */
    Corpus whole();

    /** How many tokens {@code split} holds. */
    long tokenCount(Split split);

    /**
     * The windows that score {@code split} as training sees it, all of them or, when they hold more
     * than {@code maxTargets} targets, evenly spaced ones that hold at most that many.
     *
     * @param maxTargets the most targets to score; 0 for all
     */
    EvaluationWindows evaluationWindows(Split split, int blockSize, long maxTargets);

    /** Whether it is made of documents (CSV rows, the files of a folder), each from {@code <s>} to {@code </s>}, rather than one text. */
    boolean documents();

    /** How many characters of the text were not in a given vocabulary and became {@code <unk>}. */
    long unknownCount();

    /** One line saying what the corpus is and how big it is. */
    String describe();
}
