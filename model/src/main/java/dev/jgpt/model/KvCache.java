package dev.jgpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The keys and values every layer has computed for the tokens seen so far, so that generating
 * one more token runs the model on that token alone. The arrays live in the cache's own manager
 * until {@link #close}; each append replaces them. Fill it with a first chunk of tokens (the
 * prompt), then one token at a time; {@link #clear} starts over.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    /** An empty cache for a model of {@code nLayer} blocks, its arrays kept under {@code parent}. */
    KvCache(NDManager parent, int nLayer) {
        manager = parent.newSubManager();
        keys = new NDArray[nLayer];
        values = new NDArray[nLayer];
    }

    /** How many positions the cache holds. */
    public int length() {
        return length;
    }

    /**
     * Adds a layer's transposed keys (B, nh, hs, T) and values (B, nh, T, hs) for new positions and
     * returns all of them, the cached positions first.
     */
    NDArray[] append(int layer, NDArray newKeysTransposed, NDArray newValues) {
        keys[layer] = grow(keys[layer], newKeysTransposed, 3);
        values[layer] = grow(values[layer], newValues, 2);
        return new NDArray[] {keys[layer], values[layer]};
    }

    /**
     * The cached positions with the new ones after them: one native call, where writing into a
     * preallocated array through DJL's indexing takes four (bench/NOTES.md).
     */
    private NDArray grow(NDArray cached, NDArray added, int positionAxis) {
        if (cached == null) {
            NDArray copy = added.duplicate();
            copy.attach(manager);
            return copy;
        }
        NDArray grown = cached.concat(added, positionAxis); // in the cache's manager, like cached
        cached.close();
        return grown;
    }

    /** Counts positions added by a forward pass through every layer. */
    void advance(int positions) {
        length += positions;
    }

    /** Forgets every position. */
    public void clear() {
        for (int layer = 0; layer < keys.length; layer++) {
            close(keys[layer]);
            close(values[layer]);
            keys[layer] = null;
            values[layer] = null;
        }
        length = 0;
    }

    private static void close(NDArray array) {
        if (array != null) {
            array.close();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
