package dev.jgpt.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.jgpt.model.embedding.LearnedPositionalEmbedding;
import dev.jgpt.model.embedding.PositionTable;
import dev.jgpt.model.embedding.SinusoidalPositionalEncoding;
import dev.jgpt.model.embedding.TokenEmbedding;
import dev.jgpt.model.embedding.TransformerEmbedding;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A GPT language model: token ids (B, T) → {@link TransformerEmbedding} → n_layer {@link
 * TransformerBlock}s → final LayerNorm → linear head → logits (B, T, vocab).
 *
 * <p>Linear weights start as N(0, 0.02), residual projections as N(0, 0.02/sqrt(2·n_layer)) (or
 * 0.02 with the plain init), biases at zero; the token embedding keeps its own init. With {@code
 * tieWeights} the head reuses the token embedding's weight; when the embedding is scaled by
 * sqrt(n_embd), the head takes the final hidden state divided by sqrt(n_embd) (nanoGPT's unscaled
 * embedding takes it as it is).
 *
 * <p>{@link #namedParameters} names every parameter as nanoGPT does, for export and import.
 */
public class Gpt extends AbstractBlock {

    private final GptConfig config;
    private final TransformerEmbedding embedding;
    private final RotaryPositions rotary; // null unless positions are rotary
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNorm lnF;
    private final Linear head;

    /** Builds an uninitialised model of the given shape. */
    public Gpt(GptConfig config) {
        this.config = config;
        TokenEmbedding token =
                new TokenEmbedding(config.vocabSize(), config.nEmbd(), config.paddingIdx(), config.scaleEmbedding());
        PositionTable positions =
                switch (config.positions()) {
                    case LEARNED -> new LearnedPositionalEmbedding(config.blockSize(), config.nEmbd());
                    case SINUSOIDAL -> new SinusoidalPositionalEncoding(config.blockSize(), config.nEmbd());
                    case ROPE -> null; // attention rotates queries and keys instead
                };
        rotary = config.positions() == GptConfig.Positions.ROPE ? new RotaryPositions(config) : null;
        embedding = addChildBlock("embedding", new TransformerEmbedding(token, positions, config.dropout()));
        for (int i = 0; i < config.nLayer(); i++) {
            blocks.add(addChildBlock("block" + i, new TransformerBlock(config)));
        }
        lnF = addChildBlock("ln_f", LayerNorm.builder().axis(2).build());
        if (config.tieWeights()) {
            head = null;
        } else {
            head = addChildBlock("head", Linear.builder().setUnits(config.vocabSize()).optBias(false).build());
            InitScales.normal(head, InitScales.LINEAR_STD);
        }
    }

    /** Returns the logits (B, T, vocab) for token ids (B, T), T ≤ block_size. */
    public NDArray logits(ParameterStore parameterStore, NDArray tokens, boolean training) {
        return forward(parameterStore, new NDList(tokens), training).singletonOrThrow();
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return new NDList(run(parameterStore, inputs.singletonOrThrow(), null, training));
    }

    /**
     * Eval-mode logits (B, T, vocab) for the next tokens of a sequence whose earlier positions are
     * in {@code cache} (from {@link #newCache}), which this extends: the prompt first, then one
     * token at a time. Equal to the last T rows of {@link #logits} on the whole sequence, up to
     * float rounding. Without a cache, {@link #logits} runs the whole sequence.
     */
    public NDArray nextLogits(ParameterStore parameterStore, NDArray tokens, KvCache cache) {
        Objects.requireNonNull(cache, "nextLogits needs the sequence's cache (newCache); logits runs without one");
        int start = cache.length();
        if (start > 0 && tokens.getShape().get(1) > 1) {
            throw new IllegalArgumentException("after the prompt, a KV cache takes one token at a time");
        }
        NDArray logits = run(parameterStore, tokens, cache, false);
        cache.advance((int) tokens.getShape().get(1));
        return logits;
    }

    /**
     * Eval-mode attention weights for token ids (B, T), T ≤ block_size: one (B, n_head, T, T)
     * array per layer, row i of a head holding how much position i takes from each position up to
     * it (rows sum to 1). For looking at the model; {@link #logits} never computes them apart.
     */
    public NDList attentionWeights(ParameterStore parameterStore, NDArray tokens) {
        NDArray x = embedding.forward(parameterStore, tokens, 0, false); // (B, T, C)
        NDArray attentionScale = CausalSelfAttention.scale(x, config.headSize());
        RotaryPositions.Rotation rotation = rotation(tokens, x, 0);
        NDList weights = new NDList(blocks.size());
        for (int layer = 0; layer < blocks.size(); layer++) {
            TransformerBlock block = blocks.get(layer);
            weights.add(block.attentionWeights(parameterStore, x, attentionScale, rotation));
            x = block.forward(parameterStore, x, attentionScale, rotation, null, layer, false);
        }
        return weights;
    }

    /** The token embedding (its weight is the (vocab, n_embd) table, the padding row 1 included). */
    public TokenEmbedding tokenEmbedding() {
        return embedding.getToken();
    }

    /** The table added to the token embedding: sinusoidal or learned; null for rotary positions. */
    PositionTable positionTable() {
        return embedding.getPosition();
    }

    /** The rotary angles every layer uses; null unless positions are rotary. */
    RotaryPositions rotary() {
        return rotary;
    }

    /** A cache for this model's keys and values, its arrays kept under {@code manager}. */
    public KvCache newCache(NDManager manager) {
        return new KvCache(manager, blocks.size());
    }

    private NDArray run(ParameterStore parameterStore, NDArray tokens, KvCache cache, boolean training) {
        int start = cache == null ? 0 : cache.length();
        NDArray x = embedding.forward(parameterStore, tokens, start, training); // (B, T, C)
        NDArray attentionScale = CausalSelfAttention.scale(x, config.headSize());
        RotaryPositions.Rotation rotation = rotation(tokens, x, start);
        for (int layer = 0; layer < blocks.size(); layer++) {
            x = blocks.get(layer).forward(parameterStore, x, attentionScale, rotation, cache, layer, training);
        }
        NDArray hidden = lnF.forward(parameterStore, new NDList(x), training).singletonOrThrow();
        if (head != null) {
            return head.forward(parameterStore, new NDList(hidden), training).singletonOrThrow(); // (B, T, vocab)
        }
        // Tied head. The input added each token's row times sqrt(d), and rows have norm ~1, so a
        // position's hidden state points along its own token's row: unscaled, that token's logit
        // starts near sqrt(d) and the first loss far above ln(vocab). Dividing by sqrt(d) starts
        // every logit near 0, as the untied head's N(0, 0.02) weights do. nanoGPT's unscaled rows
        // (N(0, 0.02)) start near 0 as they are, and its head divides by nothing.
        Parameter tokenWeight = embedding.getToken().getWeight();
        NDArray weight = parameterStore.getValue(tokenWeight, hidden.getDevice(), training);
        NDArray scaled = config.scaleEmbedding()
                ? hidden.mul(Scalars.of(hidden, (float) (1 / Math.sqrt(config.nEmbd()))))
                : hidden;
        return scaled.getNDArrayInternal().linear(scaled, weight, null).singletonOrThrow(); // (B, T, vocab)
    }

    /** The rotation of the positions of tokens (B, T) from {@code start}, for every layer; null without rotary positions. */
    private RotaryPositions.Rotation rotation(NDArray tokens, NDArray x, int start) {
        return rotary == null ? null : rotary.rotation(tokens, x, start);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        if (rotary != null) {
            rotary.initialize(manager);
        }
        embedding.initialize(manager, dataType, inputShapes);
        Shape[] hidden = embedding.getOutputShapes(inputShapes);
        for (TransformerBlock block : blocks) {
            block.initialize(manager, dataType, hidden);
        }
        lnF.initialize(manager, dataType, hidden);
        if (head != null) {
            head.initialize(manager, dataType, hidden);
        }
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(config.vocabSize())};
    }

    /** {@inheritDoc} */
    @Override
    public void loadParameters(NDManager manager, DataInputStream is) throws IOException, MalformedModelException {
        List<NDArray> replaced = getParameters().values().stream().map(Parameter::getArray).toList();
        super.loadParameters(manager, is);
        replaced.forEach(NDArray::close); // Parameter.load leaves them open: a second copy of the weights
        // Parameter.load replaces each array without autograd state: attach it again, frozen ones aside.
        for (Parameter parameter : getParameters().values()) {
            if (parameter.requiresGradient()) {
                parameter.getArray().setRequiresGradient(true);
            }
        }
    }

    /**
     * Every parameter under nanoGPT's name, in the order of nanoGPT's {@code named_parameters()}:
     * {@code transformer.wte.weight}, {@code transformer.wpe.weight} (learned positions only), the
     * blocks' {@code transformer.h.{i}.*}, {@code transformer.ln_f.weight|bias}, and {@code
     * lm_head.weight} when the head is not tied (a tied head is the wte parameter itself).
     */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> named = new LinkedHashMap<>();
        named.put("transformer.wte.weight", embedding.getToken().getWeight());
        if (embedding.getPosition() instanceof LearnedPositionalEmbedding learned) {
            named.put("transformer.wpe.weight", learned.getWeight());
        }
        for (int layer = 0; layer < blocks.size(); layer++) {
            blocks.get(layer).nameParameters("transformer.h." + layer + ".", named);
        }
        NanoGptNames.layerNorm("transformer.ln_f.", lnF, named);
        if (head != null) {
            named.put("lm_head.weight", head.getParameters().get("weight"));
        }
        return named;
    }

    /** Returns the model's shape. */
    public GptConfig config() {
        return config;
    }

    /** Returns the number of trainable and frozen parameters (the sinusoidal and rotary tables are none). */
    public long parameterCount() {
        long count = 0;
        for (Parameter parameter : getParameters().values()) {
            count += parameter.getArray().size();
        }
        return count;
    }

    @Override
    public String toString() {
        return "Gpt(" + config + ")";
    }
}
