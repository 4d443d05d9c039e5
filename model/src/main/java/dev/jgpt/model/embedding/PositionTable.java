package dev.jgpt.model.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A block that gives position vectors: for token ids (..., T) whose first position is {@code
 * start}, the rows of positions {@code start .. start+T-1}, shape (T, D). Its forward is {@code
 * rows} with start 0; a KV-cached forward asks for later positions.
 */
public interface PositionTable extends Block {

    /** Rows for the positions of {@code tokens} (..., T), counted from {@code start}. */
    NDArray rows(ParameterStore parameterStore, NDArray tokens, int start, boolean training);
}
