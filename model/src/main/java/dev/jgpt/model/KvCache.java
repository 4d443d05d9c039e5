package dev.jgpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The keys and values every layer has computed for the tokens seen so far, so that generating
 * one more token runs the model on that token alone. Each layer's keys and values sit in arrays
 * allocated once for {@code capacity} positions and filled in place, so a new token copies only
 * its own keys and values. Fill the cache with a first chunk of tokens (the prompt), then one
 * token at a time; {@link #clear} starts over.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final int capacity;
    private final NDArray[] keys; // (B, nh, hs, capacity): transposed, ready for q @ k^T
    private final NDArray[] values; // (B, nh, capacity, hs)
    private int length;

    /** An empty cache for {@code nLayer} blocks and up to {@code capacity} positions. */
    public KvCache(NDManager parent, int nLayer, int capacity) {
        manager = parent.newSubManager();
        this.capacity = capacity;
        keys = new NDArray[nLayer];
        values = new NDArray[nLayer];
    }

    /** How many positions the cache holds. */
    public int length() {
        return length;
    }

    /**
     * Stores a layer's transposed keys (B, nh, hs, T) and values (B, nh, T, hs) for the next T
     * positions and returns views of all filled positions, owned by the new arrays' manager.
     */
    NDArray[] append(int layer, NDArray newKeysTransposed, NDArray newValues) {
        int added = (int) newValues.getShape().get(2);
        if (length + added > capacity) {
            throw new IllegalStateException("the KV cache holds " + capacity + " positions; " + (length + added) + " asked");
        }
        if (keys[layer] == null) {
            Shape k = newKeysTransposed.getShape();
            Shape v = newValues.getShape();
            keys[layer] = manager.zeros(new Shape(k.get(0), k.get(1), k.get(2), capacity));
            values[layer] = manager.zeros(new Shape(v.get(0), v.get(1), capacity, v.get(3)));
        }
        int end = length + added;
        keys[layer].set(new NDIndex(":, :, :, {}:{}", length, end), newKeysTransposed);
        values[layer].set(new NDIndex(":, :, {}:{}", length, end), newValues);
        NDManager step = newValues.getManager();
        NDArray filledKeys = keys[layer].get(new NDIndex(":, :, :, :{}", end));
        NDArray filledValues = values[layer].get(new NDIndex(":, :, :{}", end));
        filledKeys.attach(step);
        filledValues.attach(step);
        return new NDArray[] {filledKeys, filledValues};
    }

    /** Counts positions added by a forward pass through every layer. */
    void advance(int positions) {
        length += positions;
    }

    /** Forgets every position; the arrays are kept and overwritten. */
    public void clear() {
        length = 0;
    }

    @Override
    public void close() {
        manager.close();
    }
}
