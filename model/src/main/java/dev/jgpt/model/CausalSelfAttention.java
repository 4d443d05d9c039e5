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
public class CausalSelfAttention extends AbstractBlock {

    private final int nHead;
    private final int headSize;
    private final boolean dropsOut; // dropout > 0: eval mode and rate 0 skip the native call
    private final Linear qkv;
    private final Linear proj;
    private final Dropout attnDropout;
    private final Dropout residDropout;

    /** Builds the attention of one block of {@code config}. */
    public CausalSelfAttention(GptConfig config) {
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

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        return new NDList(attend(parameterStore, x, scale(x, headSize), null, 0, training));
    }

    /**
     * The 0-d factor 1/sqrt(head size) for the scores; {@link Gpt} makes one per forward pass for
     * all its layers. It lives in {@code like}'s manager until backward: see {@link Scalars}.
     */
    static NDArray scale(NDArray like, long headSize) {
        return Scalars.of(like, (float) (1 / Math.sqrt(headSize)));
    }

    /**
     * Attention for x (B, T, C), the scores multiplied by {@code scale}. With a cache, x holds only
     * the new positions: their keys and values are appended to the layer's cache and the queries
     * attend to all cached positions.
     */
    NDArray attend(ParameterStore parameterStore, NDArray x, NDArray scale, KvCache cache, int layer, boolean training) {
        Shape shape = x.getShape(); // (B, T, C)
        long batch = shape.get(0);
        long time = shape.get(1);
        long channels = shape.get(2);

        NDArray qkvOut = qkv.forward(parameterStore, new NDList(x), training).singletonOrThrow(); // (B, T, 3C)
        NDArray q;
        NDArray kT;
        NDArray v;
        if (time == 1) { // one new position (sampling): a reshape alone puts the heads first
            NDList qkvHeads = qkvOut.reshape(batch, 3L * nHead, 1, headSize).split(3, 1);
            q = qkvHeads.get(0); // (B, nh, 1, hs)
            kT = qkvHeads.get(1).reshape(batch, nHead, headSize, 1);
            v = qkvHeads.get(2);
        } else {
            NDList qkvParts = qkvOut.split(3, 2);
            Shape heads = new Shape(batch, time, nHead, headSize);
            q = qkvParts.get(0).reshape(heads).transpose(0, 2, 1, 3); // (B, nh, T, hs)
            kT = qkvParts.get(1).reshape(heads).transpose(0, 2, 3, 1); // (B, nh, hs, T)
            v = qkvParts.get(2).reshape(heads).transpose(0, 2, 1, 3); // (B, nh, T, hs)
        }
        int past = cache == null ? 0 : cache.length();
        if (cache != null) {
            NDArray[] all = cache.append(layer, kT, v); // (B, nh, hs, past + T) and (B, nh, past + T, hs)
            kT = all[0];
            v = all[1];
        }

        // In place: backward needs neither the product nor the scaled scores, only softmax's output.
        NDArray scores = q.matMul(kT).muli(scale); // (B, nh, T, past + T)
        if (time > 1) {
            scores.addi(causalMask(x.getManager(), (int) time, past));
        }
        NDArray weights = scores.softmax(-1);
        if (training && dropsOut) {
            weights = attnDropout.forward(parameterStore, new NDList(weights), training).singletonOrThrow();
        }
        NDArray y = weights.matMul(v); // (B, nh, T, hs)
        y = (time == 1 ? y : y.transpose(0, 2, 1, 3)).reshape(batch, time, channels);
        NDList projected = proj.forward(parameterStore, new NDList(y), training);
        return training && dropsOut
                ? residDropout.forward(parameterStore, projected, training).singletonOrThrow()
                : projected.singletonOrThrow();
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
