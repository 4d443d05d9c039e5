package dev.jgpt.model.embedding;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Objects;

/**
 * A lookup table of {@code numEmbeddings} vectors of size {@code embeddingDim}, with the semantics
 * of PyTorch's {@code torch.nn.Embedding}, option by option. The math is {@link
 * EmbeddingFunction#embedding}; this block owns the weight and the options.
 *
 * <ul>
 *   <li>{@code paddingIdx}: the row at this index (negative counts from the end) receives no
 *       gradient from positions that hold it. New weights have it zeroed, whatever initializer is
 *       set; forward returns whatever it holds.
 *   <li>{@code maxNorm}: before each lookup, every looked-up row whose {@code normType}-norm exceeds
 *       {@code maxNorm} is rescaled in place by {@code maxNorm / (norm + 1e-7)}, in training and in
 *       eval mode alike. The renorm is not part of the autograd graph; rows not looked up are
 *       untouched.
 *   <li>{@code scaleGradByFreq}: a row's gradient is divided by how often its index occurs in the
 *       input.
 *   <li>{@code sparse}: recorded and shown, as in PyTorch. The gradient is always materialised
 *       dense, with the values PyTorch's sparse gradient has once densified: rows not looked up get
 *       zeros. jgpt's optimizers see that dense gradient, so plain SGD touches only the looked-up
 *       rows, exactly as with a sparse gradient.
 * </ul>
 *
 * <p>Values pass through exactly: {@code inf}, {@code NaN}, {@code -0.0} and subnormals in the
 * weight come out of forward unchanged, as in PyTorch. Indices are int32 or int64 of any shape, 0-d
 * and empty included; the output has shape {@code (*, embeddingDim)}. Floating-point indices and
 * indices outside {@code [0, numEmbeddings)} are refused with an exception that names the value.
 *
 * <p>Like every DJL block, an embedding gets its weight at {@link #initialize}, in the manager
 * given there: a new weight is drawn from the parameter's initializer (N(0, 1) unless another is
 * set) with the padding row zeroed; a {@linkplain Builder#fromPretrained pretrained} one is copied
 * into that manager from the matrix given, which the caller keeps and may close at once.
 */
public class Embedding extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int numEmbeddings;
    private final int embeddingDim;
    private final Integer paddingIdx;
    private final Double maxNorm;
    private final double normType;
    private final boolean scaleGradByFreq;
    private final boolean sparse;
    private final String description;
    /** The pretrained matrix as a new weight's source, or null for a freshly initialised one. */
    private final Initializer pretrained;
    private boolean frozen;

    protected final Parameter weight;

    /**
     * Builds an embedding with the options of {@code options} whose new weight is drawn from N(0,
     * {@code initStd}²), with the padding row zeroed.
     */
    protected Embedding(BaseBuilder<?> options, double initStd) {
        this(options, options.numEmbeddings, options.embeddingDim, null, false, new NormalInitializer((float) initStd));
    }

    /**
     * Builds an embedding with the options of {@code options} (its sizes aside) whose weight will
     * be a copy of {@code embeddings}, a 2-D matrix that sets numEmbeddings and embeddingDim. The
     * matrix is read now, so the caller may close it at once.
     */
    protected Embedding(BaseBuilder<?> options, NDArray embeddings, boolean freeze) {
        this(options, rowsOf(embeddings), columnsOf(embeddings), copyOf(embeddings), freeze, null);
    }

    private Embedding(
            BaseBuilder<?> options, int numEmbeddings, int embeddingDim, Initializer pretrained, boolean freeze, Initializer fresh) {
        super(VERSION);
        if (numEmbeddings <= 0 || embeddingDim <= 0) {
            throw new IllegalArgumentException(
                    "Embedding needs numEmbeddings > 0 and embeddingDim > 0, got " + numEmbeddings + " and " + embeddingDim);
        }
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        paddingIdx = EmbeddingFunction.normalizePaddingIdx(options.paddingIdx, numEmbeddings);
        EmbeddingFunction.checkNorm(options.maxNorm, options.normType);
        maxNorm = options.maxNorm;
        normType = options.normType;
        scaleGradByFreq = options.scaleGradByFreq;
        sparse = options.sparse;
        description = describe();
        this.pretrained = pretrained;
        frozen = freeze;
        weight =
                addParameter(
                        Parameter.builder()
                                .setName("weight")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(numEmbeddings, embeddingDim))
                                .optInitializer(pretrained != null ? pretrained : fresh)
                                .build());
        weight.freeze(freeze);
    }

    /** Returns a builder for an embedding with freshly initialised N(0, 1) weights. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a frozen or trainable embedding around a copy of {@code embeddings} (V×D), like
     * PyTorch's {@code Embedding.from_pretrained}. Use {@link Builder#fromPretrained} for options.
     */
    public static Embedding fromPretrained(NDArray embeddings, boolean freeze) {
        return builder().fromPretrained(embeddings, freeze);
    }

    private static Shape checkedMatrixShape(NDArray embeddings) {
        Objects.requireNonNull(embeddings, "embeddings");
        Shape shape = embeddings.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("Embeddings parameter is expected to be 2-dimensional, got shape " + shape);
        }
        return shape;
    }

    private static int rowsOf(NDArray embeddings) {
        return Math.toIntExact(checkedMatrixShape(embeddings).get(0));
    }

    private static int columnsOf(NDArray embeddings) {
        return Math.toIntExact(checkedMatrixShape(embeddings).get(1));
    }

    /**
     * An initializer that recreates {@code embeddings} bit for bit (as float32, then the requested
     * type) in the manager it is given; the values are read into Java memory now.
     */
    private static Initializer copyOf(NDArray embeddings) {
        Shape shape = checkedMatrixShape(embeddings);
        float[] values;
        try (NDArray asFloat = embeddings.toType(DataType.FLOAT32, true)) {
            values = asFloat.toFloatArray();
        }
        return (manager, requested, dataType) -> {
            NDArray copy = manager.create(values, shape);
            return dataType == DataType.FLOAT32 ? copy : copy.toType(dataType, false);
        };
    }

    /**
     * {@inheritDoc}
     *
     * <p>A new weight comes from the parameter's initializer, whichever is set, with the padding row
     * zeroed afterwards (as PyTorch's {@code reset_parameters} does); a pretrained one is copied
     * from its matrix, whatever initializer is set.
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        if (weight.isInitialized()) {
            super.initialize(manager, dataType, inputShapes);
            return;
        }
        Initializer chosen = weight.getInitializer();
        weight.setInitializer(pretrained != null ? pretrained : withPaddingRowZeroed(chosen));
        try {
            super.initialize(manager, dataType, inputShapes);
        } finally {
            weight.setInitializer(chosen);
        }
    }

    private Initializer withPaddingRowZeroed(Initializer initializer) {
        Objects.requireNonNull(initializer, "No initializer has been set for the embedding weight");
        return (manager, shape, dataType) -> {
            NDArray array = initializer.initialize(manager, shape, dataType);
            if (paddingIdx != null) {
                array.set(new NDIndex(paddingIdx), 0f);
            }
            return array;
        };
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray indices = inputs.singletonOrThrow();
        NDArray table = parameterStore.getValue(weight, indices.getDevice(), training);
        return new NDList(EmbeddingFunction.apply(indices, table, paddingIdx, maxNorm, normType, scaleGradByFreq, description));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(embeddingDim)};
    }

    /** {@inheritDoc} */
    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        os.writeUTF(description);
        os.writeBoolean(frozen);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The saved options must match this embedding's; a saved frozen state is restored.
     */
    @Override
    protected void loadMetadata(byte loadVersion, DataInputStream is)
            throws IOException, MalformedModelException {
        super.loadMetadata(loadVersion, is);
        String saved = is.readUTF();
        if (!saved.equals(description)) {
            throw new MalformedModelException("Saved parameters are for " + saved + ", not for " + description);
        }
        frozen = is.readBoolean();
    }

    /** {@inheritDoc} */
    @Override
    public void loadParameters(NDManager manager, DataInputStream is)
            throws IOException, MalformedModelException {
        super.loadParameters(manager, is);
        // Parameter.load replaces the array without autograd state: attach it as before.
        weight.freeze(frozen);
    }

    /** Returns the weight parameter, of shape (numEmbeddings, embeddingDim). */
    public Parameter getWeight() {
        return weight;
    }

    /** Returns the number of rows of the table. */
    public int getNumEmbeddings() {
        return numEmbeddings;
    }

    /** Returns the size of each embedding vector. */
    public int getEmbeddingDim() {
        return embeddingDim;
    }

    /** Returns the padding index counted from the start, or null when there is none. */
    public Integer getPaddingIdx() {
        return paddingIdx;
    }

    /** Returns true when the weight gets no gradient and no optimizer update. */
    public boolean isFrozen() {
        return frozen;
    }

    /** Returns the largest norm a looked-up row may have, or null when there is no limit. */
    public Double getMaxNorm() {
        return maxNorm;
    }

    /** Returns p of the p-norm used with maxNorm (2 unless set). */
    public double getNormType() {
        return normType;
    }

    /** Returns true when each row's gradient is divided by the frequency of its index. */
    public boolean isScaleGradByFreq() {
        return scaleGradByFreq;
    }

    /** Returns true when this embedding was built with {@code sparse=True}. */
    public boolean isSparse() {
        return sparse;
    }

    /** Returns true when the weight is copied from a pretrained matrix rather than drawn anew. */
    public boolean isPretrained() {
        return pretrained != null;
    }

    /** PyTorch's repr, for example {@code Embedding(10, 3, padding_idx=1, max_norm=2.0)}. */
    @Override
    public String toString() {
        return description;
    }

    private String describe() {
        StringBuilder s = new StringBuilder(getClass().getSimpleName());
        s.append('(').append(numEmbeddings).append(", ").append(embeddingDim);
        if (paddingIdx != null) {
            s.append(", padding_idx=").append(paddingIdx);
        }
        if (maxNorm != null) {
            s.append(", max_norm=").append(pythonFloat(maxNorm));
        }
        if (normType != 2) {
            s.append(", norm_type=").append(pythonFloat(normType));
        }
        if (scaleGradByFreq) {
            s.append(", scale_grad_by_freq=True");
        }
        if (sparse) {
            s.append(", sparse=True");
        }
        return s.append(')').toString();
    }

    /** Formats a double as Python's repr does for the usual values: 2.0, 0.5, inf. */
    private static String pythonFloat(double value) {
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        return Double.toString(value);
    }

    /**
     * Options of an {@link Embedding}, named as in PyTorch; subclasses' builders extend it. A
     * builder is never changed by building from it.
     *
     * @param <T> the concrete builder type, returned by every setter
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> {
        int numEmbeddings;
        int embeddingDim;
        Integer paddingIdx;
        Double maxNorm;
        double normType = 2;
        boolean scaleGradByFreq;
        boolean sparse;

        /** A builder with PyTorch's defaults: no padding, no max_norm, norm_type 2. */
        protected BaseBuilder() {}

        /** Returns this builder as its concrete type. */
        protected abstract T self();

        /** Sets the number of rows (the vocabulary size). */
        public T setNumEmbeddings(int numEmbeddings) {
            this.numEmbeddings = numEmbeddings;
            return self();
        }

        /** Sets the size of each embedding vector. */
        public T setEmbeddingDim(int embeddingDim) {
            this.embeddingDim = embeddingDim;
            return self();
        }

        /** Sets the padding index; negative values count from the end; null for none. */
        public T optPaddingIdx(Integer paddingIdx) {
            this.paddingIdx = paddingIdx;
            return self();
        }

        /** Sets the largest norm a looked-up row may have; null for no limit. */
        public T optMaxNorm(Double maxNorm) {
            this.maxNorm = maxNorm;
            return self();
        }

        /** Sets p of the p-norm used with maxNorm: any p > 0, or infinity. Default 2. */
        public T optNormType(double normType) {
            this.normType = normType;
            return self();
        }

        /** Divides each row's gradient by the frequency of its index in the input. */
        public T optScaleGradByFreq(boolean scaleGradByFreq) {
            this.scaleGradByFreq = scaleGradByFreq;
            return self();
        }

        /** Records PyTorch's {@code sparse} flag; see the class documentation. */
        public T optSparse(boolean sparse) {
            this.sparse = sparse;
            return self();
        }
    }

    /** The builder of a plain {@link Embedding}. */
    public static final class Builder extends BaseBuilder<Builder> {

        private Builder() {}

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        /** Builds an embedding with N(0, 1) weights and the padding row zeroed. */
        public Embedding build() {
            return new Embedding(this, 1.0);
        }

        /**
         * Builds an embedding around a copy of {@code embeddings}, which must be 2-D; its shape
         * sets numEmbeddings and embeddingDim (those set here are ignored). The padding row is not
         * zeroed. A frozen weight gets no gradient and no optimizer update, and stays frozen when
         * saved and loaded. The values are read now and copied into the block's manager at {@link
         * Embedding#initialize}: closing {@code embeddings} afterwards does not affect the block.
         */
        public Embedding fromPretrained(NDArray embeddings, boolean freeze) {
            return new Embedding(this, embeddings, freeze);
        }
    }
}
