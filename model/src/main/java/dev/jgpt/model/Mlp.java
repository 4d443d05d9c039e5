package dev.jgpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;

/** The feed-forward half of a block: Linear(4C) → GELU (exact or GPT-2's tanh form) → Linear(C) → dropout. */
final class Mlp extends AbstractBlock {

    private final Linear fc;
    private final Linear proj;
    private final Dropout dropout;
    private final boolean dropsOut; // dropout > 0: eval mode and rate 0 skip the native call
    private final boolean tanhGelu;

    /** Builds the MLP of one block of {@code config}. */
    Mlp(GptConfig config) {
        fc = addChildBlock("fc", Linear.builder().setUnits(4L * config.nEmbd()).build());
        proj = addChildBlock("proj", Linear.builder().setUnits(config.nEmbd()).build());
        InitScales.normal(fc, InitScales.LINEAR_STD);
        InitScales.normal(proj, InitScales.residualStd(config));
        dropout = addChildBlock("dropout", Dropout.builder().optRate(config.dropout()).build());
        dropsOut = config.dropout() > 0;
        tanhGelu = config.activation() == GptConfig.Activation.GELU_NEW;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray hidden = fc.forward(parameterStore, inputs, training).singletonOrThrow(); // (B, T, 4C)
        NDArray activated = tanhGelu ? tanhGelu(hidden) : Activation.gelu(hidden);
        NDList projected = proj.forward(parameterStore, new NDList(activated), training);
        return training && dropsOut ? dropout.forward(parameterStore, projected, training) : projected;
    }

    /**
     * GPT-2's GELU, 0.5·x·(1 + tanh(u)) with u = sqrt(2/π)·(x + 0.044715·x³), computed as the equal
     * x·sigmoid(2u): libtorch's tanh-approximate gelu is not in DJL's native API, and this takes
     * fewer ops (and no 1 + tanh cancellation for large negative x).
     */
    private static NDArray tanhGelu(NDArray x) {
        NDArray inner = x.mul(x).mul(Scalars.of(x, 0.044715f)).add(Scalars.of(x, 1f)).mul(x); // x + 0.044715·x³
        NDArray twiceU = inner.mul(Scalars.of(x, (float) (2 * Math.sqrt(2 / Math.PI))));
        return Activation.sigmoid(twiceU).mul(x);
    }

    /** Adds this layer's parameters to {@code named}, under nanoGPT's names after {@code prefix}. */
    void nameParameters(String prefix, Map<String, Parameter> named) {
        NanoGptNames.linear(prefix + "c_fc.", fc, named);
        NanoGptNames.linear(prefix + "c_proj.", proj, named);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        fc.initialize(manager, dataType, inputShapes);
        proj.initialize(manager, dataType, fc.getOutputShapes(inputShapes));
        dropout.initialize(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
