package dev.jgpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;

/**
 * Multi-head masked self-attention: each position attends to itself and the positions before it.
 * One fused projection yields queries, keys and values; a second projects the heads back.
 */
public class CausalSelfAttention extends AbstractBlock {

    private final int nHead;
    private final Linear qkv;
    private final Linear proj;
    private final Dropout attnDropout;
    private final Dropout residDropout;

    /** Builds the attention of one block of {@code config}. */
    public CausalSelfAttention(GptConfig config) {
        nHead = config.nHead();
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
        Shape shape = x.getShape(); // (B, T, C)
        long batch = shape.get(0);
        long time = shape.get(1);
        long channels = shape.get(2);
        long headSize = channels / nHead;

        NDList qkvParts = qkv.forward(parameterStore, inputs, training).singletonOrThrow().split(3, 2);
        Shape heads = new Shape(batch, time, nHead, headSize);
        NDArray q = qkvParts.get(0).reshape(heads).transpose(0, 2, 1, 3); // (B, nh, T, hs)
        NDArray kT = qkvParts.get(1).reshape(heads).transpose(0, 2, 3, 1); // (B, nh, hs, T)
        NDArray v = qkvParts.get(2).reshape(heads).transpose(0, 2, 1, 3); // (B, nh, T, hs)

        // A scalar operand is kept in x's manager until backward: see Scalars.
        NDArray scale = Scalars.of(x, (float) (1 / Math.sqrt(headSize)));
        NDArray scores = q.matMul(kT).mul(scale).add(causalMask(x.getManager(), time));
        NDArray weights = attnDropout.forward(parameterStore, new NDList(scores.softmax(-1)), training).singletonOrThrow();
        NDArray y = weights.matMul(v).transpose(0, 2, 1, 3).reshape(batch, time, channels);
        NDList projected = proj.forward(parameterStore, new NDList(y), training);
        return residDropout.forward(parameterStore, projected, training);
    }

    /** (T, T) additive mask: 0 on and below the diagonal, -inf above it. */
    private static NDArray causalMask(NDManager manager, long time) {
        int t = (int) time;
        float[] mask = new float[t * t];
        for (int row = 0; row < t; row++) {
            Arrays.fill(mask, row * t + row + 1, (row + 1) * t, Float.NEGATIVE_INFINITY);
        }
        return manager.create(mask, new Shape(t, t));
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
