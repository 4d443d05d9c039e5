package dev.jgpt.model.embedding;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * A lookup table of {@code numEmbeddings} vectors of size {@code embeddingDim}, with the semantics
 * of PyTorch's {@code torch.nn.Embedding}, option by option.
 *
 * <ul>
 *   <li>{@code paddingIdx}: the row at this index (negative counts from the end) receives no
 *       gradient from positions that hold it. New weights have it zeroed; forward returns whatever
 *       it holds.
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
 * <p>Indices are int32 or int64 of any shape, 0-d and empty included; the output has shape {@code
 * (*, embeddingDim)}. Floating-point indices and indices outside {@code [0, numEmbeddings)} are
 * refused with an exception that names the value.
 *
 * <p>DJL's native embedding passes only {@code sparse} to torch, so padding and frequency scaling
 * are built here from NDArray ops: {@code out = e' + (e - e') * g} where {@code e'} is the lookup
 * with gradients stopped and {@code g} a per-position gradient factor. Its value is exactly {@code
 * e}; its gradient is {@code g} times the plain lookup's.
 */
public class Embedding extends AbstractBlock {

    private static final byte VERSION = 1;
    /** PyTorch's {@code embedding_renorm_} adds this to the norm before dividing. */
    private static final double RENORM_EPSILON = 1e-7;

    private final int numEmbeddings;
    private final int embeddingDim;
    private final Integer paddingIdx;
    private final Double maxNorm;
    private final double normType;
    private final boolean scaleGradByFreq;
    private final boolean sparse;
    private boolean frozen;

    protected final Parameter weight;

    /**
     * Builds an embedding whose new weight is drawn from N(0, {@code initStd}²) with the padding
     * row zeroed, or that takes {@code pretrained} as its weight when it is not null.
     */
    protected Embedding(Builder builder, double initStd, NDArray pretrained, boolean freeze) {
        super(VERSION);
        if (pretrained != null) {
            if (pretrained.getShape().dimension() != 2) {
                throw new IllegalArgumentException(
                        "Embeddings parameter is expected to be 2-dimensional, got shape "
                                + pretrained.getShape());
            }
            builder.numEmbeddings = Math.toIntExact(pretrained.getShape().get(0));
            builder.embeddingDim = Math.toIntExact(pretrained.getShape().get(1));
        }
        if (builder.numEmbeddings <= 0 || builder.embeddingDim <= 0) {
            throw new IllegalArgumentException(
                    "Embedding needs numEmbeddings > 0 and embeddingDim > 0, got "
                            + builder.numEmbeddings
                            + " and "
                            + builder.embeddingDim);
        }
        numEmbeddings = builder.numEmbeddings;
        embeddingDim = builder.embeddingDim;
        paddingIdx = normalizePaddingIdx(builder.paddingIdx, numEmbeddings);
        if (builder.maxNorm != null && !(builder.maxNorm >= 0)) {
            throw new IllegalArgumentException(
                    "max_norm must be a number >= 0, got " + builder.maxNorm);
        }
        maxNorm = builder.maxNorm;
        if (!(builder.normType > 0)) {
            throw new IllegalArgumentException(
                    "norm_type must be > 0 (or infinity), got " + builder.normType);
        }
        normType = builder.normType;
        scaleGradByFreq = builder.scaleGradByFreq;
        sparse = builder.sparse;
        frozen = freeze;

        Parameter.Builder weightBuilder =
                Parameter.builder()
                        .setName("weight")
                        .setType(Parameter.Type.WEIGHT)
                        .optShape(new Shape(numEmbeddings, embeddingDim))
                        .optInitializer(paddedNormal(initStd, paddingIdx));
        if (pretrained != null) {
            // A copy cut from the source's autograd graph, so that it is a leaf of its own.
            try (NDArray detached = pretrained.stopGradient()) {
                weightBuilder.optArray(detached.toType(DataType.FLOAT32, true));
            }
        }
        weight = addParameter(weightBuilder.build());
        // A pretrained weight counts as initialised, so attach (or refuse) its gradient now.
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

    private static Integer normalizePaddingIdx(Integer paddingIdx, int numEmbeddings) {
        if (paddingIdx == null) {
            return null;
        }
        if (paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings) {
            throw new IllegalArgumentException(
                    "padding_idx "
                            + paddingIdx
                            + " is out of range: it must be within num_embeddings, in ["
                            + -numEmbeddings
                            + ", "
                            + numEmbeddings
                            + ")");
        }
        return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    }

    /** N(0, std²) with the padding row, if any, set to zero. */
    private static Initializer paddedNormal(double std, Integer paddingIdx) {
        return (manager, shape, dataType) -> {
            NDArray array = manager.randomNormal(0f, (float) std, shape, dataType);
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
        long[] ids = checkedIndices(indices);
        NDArray table = parameterStore.getValue(weight, indices.getDevice(), training);
        if (maxNorm != null) {
            renormLookedUpRows(table, indices.getManager(), ids);
        }
        return new NDList(lookup(table, indices, ids));
    }

    /** The rows of {@code table} at {@code indices}, with padding and frequency scaling applied. */
    protected NDArray lookup(NDArray table, NDArray indices, long[] ids) {
        // The result belongs to the first operand's manager: the per-call indices, not the model.
        NDArray rows =
                indices.getNDArrayInternal()
                        .embedding(indices, table, SparseFormat.DENSE)
                        .singletonOrThrow();
        float[] gradFactors = gradientFactors(ids);
        if (gradFactors == null) {
            return rows;
        }
        Shape factorShape = indices.getShape().add(1);
        NDArray factors = indices.getManager().create(gradFactors, factorShape);
        NDArray stopped = rows.stopGradient();
        return stopped.add(rows.sub(stopped).mul(factors));
    }

    /**
     * Per position, the factor its gradient is multiplied by: 0 at padding, 1/count with
     * scale_grad_by_freq, else 1. Returns null when every factor is 1.
     */
    private float[] gradientFactors(long[] ids) {
        boolean padded = false;
        if (paddingIdx != null) {
            for (long id : ids) {
                padded |= id == paddingIdx;
            }
        }
        if (!padded && !scaleGradByFreq) {
            return null;
        }
        int[] counts = scaleGradByFreq ? countOccurrences(ids) : null;
        float[] factors = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int id = (int) ids[i];
            if (paddingIdx != null && id == paddingIdx) {
                factors[i] = 0f;
            } else {
                factors[i] = counts == null ? 1f : 1f / counts[id];
            }
        }
        return factors;
    }

    private int[] countOccurrences(long[] ids) {
        int[] counts = new int[numEmbeddings];
        for (long id : ids) {
            counts[(int) id]++;
        }
        return counts;
    }

    /**
     * Rescales in place each looked-up row whose norm exceeds maxNorm, as {@code
     * torch.embedding_renorm_} does: outside autograd, through a gradient-stopped view that shares
     * the weight's storage.
     */
    private void renormLookedUpRows(NDArray table, NDManager callManager, long[] ids) {
        int[] counts = countOccurrences(ids);
        int unique = 0;
        for (int count : counts) {
            unique += count > 0 ? 1 : 0;
        }
        if (unique == 0) {
            return;
        }
        long[] lookedUp = new long[unique];
        for (int row = 0, k = 0; row < numEmbeddings; row++) {
            if (counts[row] > 0) {
                lookedUp[k++] = row;
            }
        }
        try (NDManager scratch = callManager.newSubManager()) {
            NDArray view = table.stopGradient();
            view.attach(scratch);
            NDArray rowIds = scratch.create(lookedUp);
            NDArray rows =
                    rowIds.getNDArrayInternal()
                            .embedding(rowIds, view, SparseFormat.DENSE)
                            .singletonOrThrow();
            float[] norms = norms(rows).toFloatArray();
            float[] scale = new float[numEmbeddings];
            Arrays.fill(scale, 1f);
            boolean any = false;
            for (int k = 0; k < unique; k++) {
                if (norms[k] > maxNorm) {
                    // torch computes the scale in double and multiplies the float row by it.
                    scale[(int) lookedUp[k]] = (float) (maxNorm / (norms[k] + RENORM_EPSILON));
                    any = true;
                }
            }
            if (any) {
                view.muli(scratch.create(scale, new Shape(numEmbeddings, 1)));
            }
        }
    }

    /** The normType-norm of each row of {@code rows} (U×D). */
    private NDArray norms(NDArray rows) {
        NDArray magnitudes = rows.abs();
        if (Double.isInfinite(normType)) {
            return magnitudes.max(new int[] {1});
        }
        if (normType == 1) {
            return magnitudes.sum(new int[] {1});
        }
        if (normType == 2) {
            return magnitudes.square().sum(new int[] {1}).sqrt();
        }
        return magnitudes.pow(normType).sum(new int[] {1}).pow(1 / normType);
    }

    /** Checks that indices are integers within range and returns them, flattened. */
    private long[] checkedIndices(NDArray indices) {
        DataType type = indices.getDataType();
        long[] ids;
        if (type == DataType.INT64) {
            ids = indices.toLongArray();
        } else if (type == DataType.INT32) {
            int[] narrow = indices.toIntArray();
            ids = new long[narrow.length];
            for (int i = 0; i < narrow.length; i++) {
                ids[i] = narrow[i];
            }
        } else {
            throw new IllegalArgumentException(
                    "Embedding indices must be integers (int32 or int64), got "
                            + type.toString().toLowerCase(Locale.ROOT)
                            + " indices of shape "
                            + indices.getShape());
        }
        for (long id : ids) {
            if (id < 0 || id >= numEmbeddings) {
                throw new IndexOutOfBoundsException(
                        "index "
                                + id
                                + " is out of range for "
                                + this
                                + ": indices must be in [0, "
                                + numEmbeddings
                                + ")");
            }
        }
        return ids;
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
        os.writeUTF(describe());
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
        if (!saved.equals(describe())) {
            throw new MalformedModelException(
                    "Saved parameters are for " + saved + ", not for " + describe());
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

    /** Returns true when this embedding was built with {@code sparse=True}. */
    public boolean isSparse() {
        return sparse;
    }

    /** PyTorch's repr, for example {@code Embedding(10, 3, padding_idx=1, max_norm=2.0)}. */
    @Override
    public String toString() {
        return describe();
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

    /** Options of an {@link Embedding}, named as in PyTorch. */
    public static final class Builder {
        private int numEmbeddings;
        private int embeddingDim;
        private Integer paddingIdx;
        private Double maxNorm;
        private double normType = 2;
        private boolean scaleGradByFreq;
        private boolean sparse;

        private Builder() {}

        /** Sets the number of rows (the vocabulary size). */
        public Builder setNumEmbeddings(int numEmbeddings) {
            this.numEmbeddings = numEmbeddings;
            return this;
        }

        /** Sets the size of each embedding vector. */
        public Builder setEmbeddingDim(int embeddingDim) {
            this.embeddingDim = embeddingDim;
            return this;
        }

        /** Sets the padding index; negative values count from the end; null for none. */
        public Builder optPaddingIdx(Integer paddingIdx) {
            this.paddingIdx = paddingIdx;
            return this;
        }

        /** Sets the largest norm a looked-up row may have; null for no limit. */
        public Builder optMaxNorm(Double maxNorm) {
            this.maxNorm = maxNorm;
            return this;
        }

        /** Sets p of the p-norm used with maxNorm: any p > 0, or infinity. Default 2. */
        public Builder optNormType(double normType) {
            this.normType = normType;
            return this;
        }

        /** Divides each row's gradient by the frequency of its index in the input. */
        public Builder optScaleGradByFreq(boolean scaleGradByFreq) {
            this.scaleGradByFreq = scaleGradByFreq;
            return this;
        }

        /** Records PyTorch's {@code sparse} flag; see the class documentation. */
        public Builder optSparse(boolean sparse) {
            this.sparse = sparse;
            return this;
        }

        /** Builds an embedding with N(0, 1) weights and the padding row zeroed. */
        public Embedding build() {
            return new Embedding(this, 1.0, null, false);
        }

        /**
         * Builds an embedding around a copy of {@code embeddings}, which must be 2-D; its shape
         * sets numEmbeddings and embeddingDim. The padding row is not zeroed. A frozen weight gets
         * no gradient and no optimizer update, and stays frozen when saved and loaded.
         */
        public Embedding fromPretrained(NDArray embeddings, boolean freeze) {
            Objects.requireNonNull(embeddings, "embeddings");
            return new Embedding(this, 1.0, embeddings, freeze);
        }
    }
}
