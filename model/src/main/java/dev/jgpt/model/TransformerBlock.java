package dev.jgpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;

/** A pre-LayerNorm transformer block: {@code x + attn(ln1(x))}, then {@code x + mlp(ln2(x))}. */
final class TransformerBlock extends AbstractBlock {

    private final LayerNorm ln1;
    private final CausalSelfAttention attn;
    private final LayerNorm ln2;
    private final Mlp mlp;

    /** Builds one block of {@code config}. */
    TransformerBlock(GptConfig config) {
        ln1 = addChildBlock("ln1", LayerNorm.builder().axis(2).build());
        attn = addChildBlock("attn", new CausalSelfAttention(config));
        ln2 = addChildBlock("ln2", LayerNorm.builder().axis(2).build());
        mlp = addChildBlock("mlp", new Mlp(config));
    }

    /** Not used: {@link Gpt} calls the forward that takes the shared attention scale and a cache. */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("call forward(parameterStore, x, attentionScale, cache, layer, training), as Gpt does");
    }

    /**
     * The block on x (B, T, C); with a cache, x holds only the new positions. Each residual sum is
     * written into the branch's output, which backward does not need: an in-place op makes no new
     * array, and so costs less than a new one (bench/NOTES.md, section 13).
     */
    NDArray forward(
            ParameterStore parameterStore, NDArray x, NDArray attentionScale, RotaryPositions.Rotation rotation, KvCache cache,
            int layer, boolean training) {
        NDArray beforeAttention = ln1.forward(parameterStore, new NDList(x), training).singletonOrThrow();
        x = attn.attend(parameterStore, beforeAttention, attentionScale, rotation, cache, layer, training).addi(x);
        NDList beforeMlp = ln2.forward(parameterStore, new NDList(x), training);
        return mlp.forward(parameterStore, beforeMlp, training).singletonOrThrow().addi(x);
    }

    /** Eval-mode attention weights (B, nh, T, T) of this block for its input x (B, T, C). */
    NDArray attentionWeights(
            ParameterStore parameterStore, NDArray x, NDArray attentionScale, RotaryPositions.Rotation rotation) {
        NDArray beforeAttention = ln1.forward(parameterStore, new NDList(x), false).singletonOrThrow();
        return attn.weights(parameterStore, beforeAttention, attentionScale, rotation);
    }

    /** Adds this block's parameters to {@code named}, under nanoGPT's names after {@code prefix}. */
    void nameParameters(String prefix, Map<String, Parameter> named) {
        NanoGptNames.layerNorm(prefix + "ln_1.", ln1, named);
        attn.nameParameters(prefix + "attn.", named);
        NanoGptNames.layerNorm(prefix + "ln_2.", ln2, named);
        mlp.nameParameters(prefix + "mlp.", named);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        ln1.initialize(manager, dataType, inputShapes);
        attn.initialize(manager, dataType, inputShapes);
        ln2.initialize(manager, dataType, inputShapes);
        mlp.initialize(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
