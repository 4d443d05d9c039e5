package dev.jgpt.model.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.Arrays;
import java.util.Locale;

/**
 * PyTorch's {@code torch.nn.functional.embedding} for DJL arrays: the math of an {@link
 * Embedding}, for callers who own their weight.
 *
 * <p>Every value passes through exactly as PyTorch passes it: {@code inf}, {@code NaN}, {@code
 * -0.0} and subnormals come out of forward as they are in the weight, with or without padding and
 * frequency scaling. Gradients are PyTorch's too: positions holding the padding index send none
 * (they are selected away, never multiplied by zero, so an {@code inf} or {@code NaN} upstream
 * gradient there leaves no trace), and with frequency scaling each position's gradient is divided
 * by its index's count.
 */
public final class EmbeddingFunction {

    /** PyTorch's {@code embedding_renorm_} adds this to the norm before dividing. */
    private static final double RENORM_EPSILON = 1e-7;

    private EmbeddingFunction() {}

    /** The rows of {@code weight} (V×D) at {@code input}: {@code F.embedding(input, weight)}. */
    public static NDArray embedding(NDArray input, NDArray weight) {
        return embedding(input, weight, null, null, 2, false, false);
    }

    /**
     * {@code F.embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq,
     * sparse)}: the rows of {@code weight} (V×D) at the integer {@code input} of any shape, shape
     * {@code (*input.shape, D)}, in the input's manager.
     *
     * @param paddingIdx the row that gets no gradient; negative counts from the end; null for none
     * @param maxNorm when not null, each looked-up row whose {@code normType}-norm exceeds it is
     *     rescaled in place by {@code maxNorm / (norm + 1e-7)} first, outside autograd
     * @param normType p of the p-norm for {@code maxNorm}: any p > 0, or infinity
     * @param scaleGradByFreq divide each position's gradient by its index's count in the input
     * @param sparse accepted as in PyTorch; the gradient is the dense form of the sparse one
     * @throws IllegalArgumentException for a weight that is not 2-D, an option out of range or
     *     floating-point indices
     * @throws IndexOutOfBoundsException for an index outside {@code [0, V)}
     */
    public static NDArray embedding(
            NDArray input,
            NDArray weight,
            Integer paddingIdx,
            Double maxNorm,
            double normType,
            boolean scaleGradByFreq,
            boolean sparse) {
        Shape shape = weight.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("the embedding weight must be 2-D, got shape " + shape);
        }
        int rows = Math.toIntExact(shape.get(0));
        Integer padding = normalizePaddingIdx(paddingIdx, rows);
        checkNorm(maxNorm, normType);
        return apply(input, weight, padding, maxNorm, normType, scaleGradByFreq, "a weight of " + rows + " rows");
    }

    /**
     * The lookup with options already checked ({@code paddingIdx} counted from the start);
     * {@code owner} names the table in an index error.
     */
    static NDArray apply(
            NDArray input,
            NDArray weight,
            Integer paddingIdx,
            Double maxNorm,
            double normType,
            boolean scaleGradByFreq,
            String owner) {
        int rows = Math.toIntExact(weight.getShape().get(0));
        long[] ids = checkedIndices(input, rows, owner);
        if (maxNorm != null) {
            renormLookedUpRows(weight, input.getManager(), ids, rows, maxNorm, normType);
        }
        return lookup(input, weight, ids, paddingIdx, scaleGradByFreq);
    }

    /** Returns paddingIdx counted from the start, or null; refuses one outside [-rows, rows). */
    static Integer normalizePaddingIdx(Integer paddingIdx, int rows) {
        if (paddingIdx == null) {
            return null;
        }
        if (paddingIdx < -rows || paddingIdx >= rows) {
            throw new IllegalArgumentException(
                    "padding_idx "
                            + paddingIdx
                            + " is out of range: it must be within num_embeddings, in ["
                            + -rows
                            + ", "
                            + rows
                            + ")");
        }
        return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
    }

    /** Refuses a negative or NaN max_norm and a norm_type that is not > 0. */
    static void checkNorm(Double maxNorm, double normType) {
        if (maxNorm != null && !(maxNorm >= 0)) {
            throw new IllegalArgumentException("max_norm must be a number >= 0, got " + maxNorm);
        }
        if (!(normType > 0)) {
            throw new IllegalArgumentException("norm_type must be > 0 (or infinity), got " + normType);
        }
    }

    /**
     * The looked-up rows; with padding in the input or frequency scaling, their gradient is
     * reshaped per position while their value stays bit for bit the weight's.
     */
    private static NDArray lookup(NDArray input, NDArray weight, long[] ids, Integer paddingIdx, boolean scaleGradByFreq) {
        // The result belongs to the first operand's manager: the per-call input, not the weight's.
        NDArray rows = input.getNDArrayInternal().embedding(input, weight, SparseFormat.DENSE).singletonOrThrow();
        boolean padded = paddingIdx != null && contains(ids, paddingIdx);
        if (!padded && !scaleGradByFreq) {
            return rows; // the training hot path: one native op
        }
        NDManager manager = input.getManager();
        Shape perPosition = input.getShape().add(1); // per position, broadcast over the vector
        NDArray values = rows.stopGradient();
        NDArray out = scaleGradByFreq ? frequencyScaled(rows, values, ids, manager, perPosition) : rows;
        if (padded) {
            boolean[] isPadding = new boolean[ids.length];
            for (int i = 0; i < ids.length; i++) {
                isPadding[i] = ids[i] == paddingIdx;
            }
            // Padding positions take the gradient-stopped copy: same value, no gradient.
            out = NDArrays.where(manager.create(isPadding, perPosition).broadcast(rows.getShape()), values, out);
        }
        return out;
    }

    /**
     * Rows whose gradient is divided by the count of their index, with the value of {@code rows}
     * exactly. Positions whose index occurs once keep {@code rows} itself. Elsewhere, with g =
     * 1/count, the value is {@code e - (e - x) * g} (x the rows, e their gradient-stopped copy:
     * e - x is +0, so every finite value, -0.0 and NaN included, comes out unchanged) and, where e
     * is infinite (inf - inf would be NaN), {@code x * g + e * (1 - g)}, which is inf of the same
     * sign because 0 < g < 1. Both have gradient g.
     */
    private static NDArray frequencyScaled(NDArray rows, NDArray values, long[] ids, NDManager manager, Shape perPosition) {
        int[] counts = countOccurrences(ids, Math.toIntExact(maxId(ids) + 1));
        float[] factors = new float[ids.length];
        float[] complements = new float[ids.length];
        boolean[] repeated = new boolean[ids.length];
        boolean anyRepeated = false;
        for (int i = 0; i < ids.length; i++) {
            int count = counts[(int) ids[i]];
            factors[i] = 1f / count;
            complements[i] = 1f - factors[i];
            repeated[i] = count > 1;
            anyRepeated |= count > 1;
        }
        if (!anyRepeated) {
            return rows;
        }
        NDArray g = manager.create(factors, perPosition);
        NDArray finite = values.sub(values.sub(rows).mul(g));
        NDArray infinite = rows.mul(g).add(values.mul(manager.create(complements, perPosition)));
        NDArray blended = NDArrays.where(values.isInfinite(), infinite, finite);
        return NDArrays.where(manager.create(repeated, perPosition).broadcast(rows.getShape()), blended, rows);
    }

    /**
     * Rescales in place each looked-up row whose norm exceeds maxNorm, as {@code
     * torch.embedding_renorm_} does: outside autograd, through a gradient-stopped view that shares
     * the weight's storage. A NaN norm exceeds nothing; an infinite one gives the scale 0, as in
     * PyTorch (inf * 0 is NaN there too). Other rows are multiplied by 1, which changes no value.
     */
    private static void renormLookedUpRows(NDArray weight, NDManager callManager, long[] ids, int rows, double maxNorm, double normType) {
        long[] lookedUp = Arrays.stream(ids).distinct().sorted().toArray();
        if (lookedUp.length == 0) {
            return;
        }
        try (NDManager scratch = callManager.newSubManager()) {
            NDArray view = weight.stopGradient();
            view.attach(scratch);
            NDArray rowIds = scratch.create(lookedUp);
            NDArray picked = rowIds.getNDArrayInternal().embedding(rowIds, view, SparseFormat.DENSE).singletonOrThrow();
            float[] norms = norms(picked, normType).toFloatArray();
            float[] scale = new float[rows];
            Arrays.fill(scale, 1f);
            boolean any = false;
            for (int k = 0; k < lookedUp.length; k++) {
                if (norms[k] > maxNorm) {
                    // torch computes the scale in double and multiplies the float row by it.
                    scale[(int) lookedUp[k]] = (float) (maxNorm / (norms[k] + RENORM_EPSILON));
                    any = true;
                }
            }
            if (any) {
                view.muli(scratch.create(scale, new Shape(rows, 1)));
            }
        }
    }

    /** The normType-norm of each row of {@code rows} (U×D). */
    private static NDArray norms(NDArray rows, double normType) {
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

    /** Checks that indices are integers within [0, rows) and returns them, flattened. */
    private static long[] checkedIndices(NDArray input, int rows, String owner) {
        DataType type = input.getDataType();
        long[] ids;
        if (type == DataType.INT64) {
            ids = input.toLongArray();
        } else if (type == DataType.INT32) {
            int[] narrow = input.toIntArray();
            ids = new long[narrow.length];
            for (int i = 0; i < narrow.length; i++) {
                ids[i] = narrow[i];
            }
        } else {
            throw new IllegalArgumentException(
                    "Embedding indices must be integers (int32 or int64), got "
                            + type.toString().toLowerCase(Locale.ROOT)
                            + " indices of shape "
                            + input.getShape());
        }
        for (long id : ids) {
            if (id < 0 || id >= rows) {
                throw new IndexOutOfBoundsException(
                        "index " + id + " is out of range for " + owner + ": indices must be in [0, " + rows + ")");
            }
        }
        return ids;
    }

    private static boolean contains(long[] ids, long id) {
        for (long each : ids) {
            if (each == id) {
                return true;
            }
        }
        return false;
    }

    private static long maxId(long[] ids) {
        long max = -1;
        for (long id : ids) {
            max = Math.max(max, id);
        }
        return max;
    }

    private static int[] countOccurrences(long[] ids, int size) {
        int[] counts = new int[size];
        for (long id : ids) {
            counts[(int) id]++;
        }
        return counts;
    }
}
