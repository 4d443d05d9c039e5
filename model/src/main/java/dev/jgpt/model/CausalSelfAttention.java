package dev.jgpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;
import java.util.Arrays;

/**
 * Multi-head masked self-attention: each position attends to itself and the positions before it.
 * One fused projection yields queries, keys and values; a second projects the heads back.
 */
final class CausalSelfAttention extends AbstractBlock {

    private final int nHead;
    private final int headSize;
    private final boolean dropsOut; // dropout > 0: eval mode and rate 0 skip the native call
    private final Linear qkv;
    private final Linear proj;
    private final Dropout attnDropout;
    private final Dropout residDropout;

    /** Builds the attention of one block of {@code config}. */
    CausalSelfAttention(GptConfig config) {
        nHead = config.nHead();
        headSize = config.headSize();
        dropsOut = config.dropout() > 0;
        qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * config.nEmbd()).build());
        proj = addChildBlock("proj", Linear.builder().setUnits(config.nEmbd()).build());
        InitScales.normal(qkv, InitScales.LINEAR_STD);
        InitScales.normal(proj, InitScales.residualStd(config));
        attnDropout = addChildBlock("attn_dropout", Dropout.builder().optRate(config.dropout()).build());
        residDropout = addChildBlock("resid_dropout", Dropout.builder().optRate(config.dropout()).build());
    }

    /** Not used: {@link Gpt} calls {@link #attend}, which takes the shared scale and a cache. */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("call attend(...), as Gpt does");
    }

    /**
     * The 0-d factor 1/sqrt(head size) for the scores; {@link Gpt} makes one per forward pass for
     * all its layers. It lives in {@code like}'s manager until backward: see {@link Scalars}.
     */
    static NDArray scale(NDArray like, long headSize) {
        return Scalars.of(like, (float) (1 / Math.sqrt(headSize)));
    }

    /**
     * Attention for x (B, T, C), the scores multiplied by {@code scale}. With a rotation (rotary
     * positions), queries and keys are rotated for x's positions first. With a cache, x holds only
     * the new positions: their (rotated) keys and values are appended to the layer's cache and the
     * queries attend to all cached positions.
     */
    NDArray attend(
            ParameterStore parameterStore, NDArray x, NDArray scale, RotaryPositions.Rotation rotation, KvCache cache, int layer,
            boolean training) {
        Shape shape = x.getShape(); // (B, T, C)
        long batch = shape.get(0);
        long time = shape.get(1);
        long channels = shape.get(2);

        NDList heads = heads(parameterStore, x, rotation, training);
        NDArray q = heads.get(0); // (B, nh, T, hs)
        NDArray kT = heads.get(1); // (B, nh, hs, T)
        NDArray v = heads.get(2); // (B, nh, T, hs)
        int past = cache == null ? 0 : cache.length();
        if (cache != null) {
            NDArray[] all = cache.append(layer, kT, v); // (B, nh, hs, past + T) and (B, nh, past + T, hs)
            kT = all[0];
            v = all[1];
        }

        NDArray weights = weights(q, kT, scale, past); // (B, nh, T, past + T)
        if (training && dropsOut) {
            weights = attnDropout.forward(parameterStore, new NDList(weights), training).singletonOrThrow();
        }
        NDArray y = weights.matMul(v); // (B, nh, T, hs)
        weights.close(); // as the scores (see weights): where backward needs them, autograd holds its own reference
        y = (time == 1 ? y : y.transpose(0, 2, 1, 3)).reshape(batch, time, channels);
        NDList projected = proj.forward(parameterStore, new NDList(y), training);
        return training && dropsOut
                ? residDropout.forward(parameterStore, projected, training).singletonOrThrow()
                : projected.singletonOrThrow();
    }

    /**
     * Eval-mode attention weights (B, nh, T, T) for x (B, T, C): row i of a head says how much
     * position i takes from each position up to it. For looking at them (jgpt attention); training
     * and sampling never compute them apart from {@link #attend}.
     */
    NDArray weights(ParameterStore parameterStore, NDArray x, NDArray scale, RotaryPositions.Rotation rotation) {
        NDList heads = heads(parameterStore, x, rotation, false);
        return weights(heads.get(0), heads.get(1), scale, 0);
    }

    /**
     * Queries (B, nh, T, hs), transposed keys (B, nh, hs, T) and values (B, nh, T, hs) of x (B, T,
     * C), queries and keys rotated when there is a rotation.
     */
    private NDList heads(ParameterStore parameterStore, NDArray x, RotaryPositions.Rotation rotation, boolean training) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long time = shape.get(1);
        NDArray qkvOut = qkv.forward(parameterStore, new NDList(x), training).singletonOrThrow(); // (B, T, 3C)
        if (time == 1) { // one new position (sampling): a reshape alone puts the heads first
            NDList qkvHeads = qkvOut.reshape(batch, 3L * nHead, 1, headSize).split(3, 1);
            NDArray q = qkvHeads.get(0);
            NDArray k = qkvHeads.get(1);
            if (rotation != null) {
                q = rotation.rotate(q);
                k = rotation.rotate(k);
            }
            return new NDList(q, k.reshape(batch, nHead, headSize, 1), qkvHeads.get(2));
        }
        NDList qkvParts = qkvOut.split(3, 2);
        Shape heads = new Shape(batch, time, nHead, headSize);
        if (rotation != null) {
            NDArray q = rotation.rotate(qkvParts.get(0).reshape(heads).transpose(0, 2, 1, 3));
            NDArray k = rotation.rotate(qkvParts.get(1).reshape(heads).transpose(0, 2, 1, 3));
            return new NDList(q, k.transpose(0, 1, 3, 2), qkvParts.get(2).reshape(heads).transpose(0, 2, 1, 3));
        }
        return new NDList(
                qkvParts.get(0).reshape(heads).transpose(0, 2, 1, 3),
                qkvParts.get(1).reshape(heads).transpose(0, 2, 3, 1),
                qkvParts.get(2).reshape(heads).transpose(0, 2, 1, 3));
    }

    /** softmax((q·scale)·kᵀ + causal mask): (B, nh, T, past + T) for queries at positions past.. past + T - 1. */
    private static NDArray weights(NDArray q, NDArray kT, NDArray scale, int past) {
        long time = q.getShape().get(2);
        // The queries are scaled rather than the scores: T/hs times fewer floats to multiply, forward
        // and backward (4x at block 256, 16x at GPT-2's 1,024). The mask is added in place: backward
        // needs neither the product nor the masked scores, only softmax's output.
        NDArray scores = q.mul(scale).matMul(kT);
        if (time > 1) {
            try (NDArray mask = causalMask(q.getManager(), (int) time, past)) {
                scores.addi(mask);
            }
        }
        NDArray weights = scores.softmax(-1);
        // Softmax's backward needs only its output: the scores (n_head x T x T floats, 50 MB per
        // layer at GPT-2's 1,024 positions) are freed now rather than when the step's arrays are.
        scores.close();
        return weights;
    }

    /**
     * (T, past + T) additive mask: the query at position past + i sees keys up to that position
     * (0), not after it (-inf).
     */
    private static NDArray causalMask(NDManager manager, int time, int past) {
        int keys = past + time;
        float[] mask = new float[time * keys];
        for (int row = 0; row < time; row++) {
            Arrays.fill(mask, row * keys + past + row + 1, (row + 1) * keys, Float.NEGATIVE_INFINITY);
        }
        return manager.create(mask, new Shape(time, keys));
    }

    /** Adds this layer's parameters to {@code named}, under nanoGPT's names after {@code prefix}. */
    void nameParameters(String prefix, Map<String, Parameter> named) {
        NanoGptNames.linear(prefix + "c_attn.", qkv, named); // q, k, v stacked: (3C, C)
        NanoGptNames.linear(prefix + "c_proj.", proj, named);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        qkv.initialize(manager, dataType, inputShapes);
        proj.initialize(manager, dataType, inputShapes);
        attnDropout.initialize(manager, dataType, inputShapes);
        residDropout.initialize(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
