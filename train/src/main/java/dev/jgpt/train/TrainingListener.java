package dev.jgpt.train;

/** Something that watches a run as it trains, such as the loss plot; each call comes after metrics.csv holds the row. */
public interface TrainingListener {

    /** An evaluation at iteration {@code iter} measured these losses. */
    void evaluated(int iter, float trainLoss, float valLoss);
}
