package dev.jgpt.data;

/**
 * A window of a split's tokens that evaluation scores as one batch row: {@code length} tokens
 * (at most block_size + 1) from position {@code start}, each but the first predicted from those
 * before it.
 */
public record Window(long start, int length) {}
