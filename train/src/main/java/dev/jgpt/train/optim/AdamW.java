package dev.jgpt.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay, step for step what {@code torch.optim.AdamW} computes, with
 * nanoGPT's parameter groups: only parameters of two or more dimensions (matmul weights,
 * embeddings) decay; biases and LayerNorm gains do not. Frozen parameters get no update and no
 * state. Moments are kept by parameter name, so they can be saved and restored with the model.
 *
 * <p>DJL's own {@code Adam} and its native {@code NDArrayEx.adamUpdate} are not used: the native
 * update adds eps to the uncorrected {@code sqrt(v)} and folds the bias corrections into the
 * learning rate ({@code lr·sqrt(1−β2^t)/(1−β1^t) · m / (sqrt(v) + eps)}), which is torch's formula
 * with eps scaled by {@code 1/sqrt(1−β2^t)}; its {@code adamw} flag decays every parameter alike,
 * and {@code PtNDArrayEx} zeroes the gradient after each update.
 *
 * <p>Call {@link #step} outside a {@code GradientCollector}: it updates parameters in place.
 */
public final class AdamW implements AutoCloseable {

    static final int MAGIC = 0x4A474157; // "JGAW": optimizer.bin, the state of checkpoints before format 3
    static final int VERSION = 1;
    private static final float DEFAULT_EPS = 1e-8f;
    private static final NDIndex EVERYTHING = new NDIndex("...");

    final float beta1;
    final float beta2;
    final float eps;
    final float weightDecay;

    private Map<String, Moments> moments = new LinkedHashMap<>();
    private NDManager stateManager; // created with the first moments, on the parameters' device
    private long stepCount;

    /**
     * The first and second moment of one parameter, updated in place.
     *
     * @param mean the first moment, torch's {@code exp_avg}
     * @param variance the second moment, torch's {@code exp_avg_sq}
     */
    public record Moments(NDArray mean, NDArray variance) {}

    /**
     * The step's factors as 0-d arrays, made once per step and shared by every parameter:
     * {@code mul(Number)} would wrap a number in a new native scalar at every use.
     */
    private final class Factors {
        final NDArray beta1;
        final NDArray oneMinusBeta1;
        final NDArray beta2;
        final NDArray oneMinusBeta2;
        final NDArray eps;
        final NDArray stepSize;
        final NDArray biasCorrection2Sqrt;
        final NDArray decay;

        Factors(NDManager scope, float stepSize, float biasCorrection2Sqrt, float decay) {
            Shape scalar = new Shape();
            this.beta1 = scope.full(scalar, AdamW.this.beta1);
            this.oneMinusBeta1 = scope.full(scalar, 1 - AdamW.this.beta1);
            this.beta2 = scope.full(scalar, AdamW.this.beta2);
            this.oneMinusBeta2 = scope.full(scalar, 1 - AdamW.this.beta2);
            this.eps = scope.full(scalar, AdamW.this.eps);
            this.stepSize = scope.full(scalar, stepSize);
            this.biasCorrection2Sqrt = scope.full(scalar, biasCorrection2Sqrt);
            this.decay = scope.full(scalar, decay);
        }
    }

    /**
     * Creates an optimizer with no state yet.
     *
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param eps added to the bias-corrected root of the second moment, at least 0
     * @param weightDecay decoupled decay per unit of learning rate, at least 0
     */
    public AdamW(float beta1, float beta2, float eps, float weightDecay) {
        requireInRange("beta1", beta1, 0, 1);
        requireInRange("beta2", beta2, 0, 1);
        requireInRange("eps", eps, 0, Float.POSITIVE_INFINITY);
        requireInRange("weight decay", weightDecay, 0, Float.POSITIVE_INFINITY);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /**
     * Creates an optimizer with eps = 1e-8, torch's default.
     *
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param weightDecay decoupled decay per unit of learning rate, at least 0
     */
    public AdamW(float beta1, float beta2, float weightDecay) {
        this(beta1, beta2, DEFAULT_EPS, weightDecay);
    }

    /**
     * Updates every parameter that requires a gradient, in place, from its accumulated gradient.
     *
     * @param parameters the model's parameters, as {@code block.getParameters()} returns them
     * @param learningRate the learning rate of this step
     */
    public void step(PairList<String, Parameter> parameters, float learningRate) {
        stepCount++;
        Map<String, NDArray> trained = TrainedParameters.arrays(parameters);
        if (trained.isEmpty()) {
            return;
        }
        double biasCorrection1 = 1 - Math.pow(beta1, stepCount);
        float stepSize = (float) (learningRate / biasCorrection1);
        float biasCorrection2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, stepCount));
        float decayFactor = (float) (1 - (double) learningRate * weightDecay);
        try (NDManager scope = trained.values().iterator().next().getManager().newSubManager()) {
            Factors factors = new Factors(scope, stepSize, biasCorrection2Sqrt, decayFactor);
            for (Map.Entry<String, NDArray> entry : trained.entrySet()) {
                update(entry.getValue(), momentsOf(entry.getKey(), entry.getValue()), factors);
            }
        }
    }

    private void update(NDArray weight, Moments state, Factors factors) {
        if (weightDecay != 0 && weight.getShape().dimension() >= 2) {
            weight.muli(factors.decay); // p ← p·(1 − lr·wd), before the moments, as torch does
        }
        // m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²
        try (NDArray gradient = weight.getGradient();
                NDArray scaled = gradient.mul(factors.oneMinusBeta1);
                NDArray squared = gradient.square()) {
            state.mean().muli(factors.beta1).addi(scaled);
            state.variance().muli(factors.beta2).addi(squared.muli(factors.oneMinusBeta2));
        }
        // p ← p − lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps), in torch's order of operations
        try (NDArray denominator = state.variance().sqrt().divi(factors.biasCorrection2Sqrt).addi(factors.eps);
                NDArray update = state.mean().div(denominator).muli(factors.stepSize)) {
            weight.subi(update);
        }
    }

    /**
     * Sets the gradient of every parameter that requires one to zero, in place, so the next
     * backward pass starts afresh (DJL's gradients accumulate).
     *
     * @param parameters the model's parameters
     */
    public void zeroGradients(PairList<String, Parameter> parameters) {
        Collection<NDArray> trained = TrainedParameters.arrays(parameters).values();
        if (trained.isEmpty()) {
            return;
        }
        try (NDArray zero = trained.iterator().next().getManager().full(new Shape(), 0f)) {
            for (NDArray weight : trained) {
                try (NDArray gradient = weight.getGradient()) {
                    // Assigned rather than multiplied by zero, which would keep NaN and infinity.
                    gradient.set(EVERYTHING, zero);
                }
            }
        }
    }

    /**
     * Returns how many steps this optimizer has taken, counting those of a loaded state.
     *
     * @return the step count
     */
    public long stepCount() {
        return stepCount;
    }

    /**
     * Returns the moments of the parameter called {@code name} (as {@code getParameters()} names
     * it): the optimizer's own arrays, to read and not to close; null before its first step.
     *
     * @param name the parameter's name
     * @return its moments, or null
     */
    public Moments moments(String name) {
        return moments.get(name);
    }

    /**
     * Returns every trained parameter's moments by name (as {@code getParameters()} names it): the
     * optimizer's own arrays, to read and not to close; empty before the first step.
     *
     * @return the moments, in the order the parameters were first stepped
     */
    public Map<String, Moments> state() {
        return Collections.unmodifiableMap(moments);
    }

    /**
     * Replaces this optimizer's state with {@code saved} (copied) at step {@code savedStepCount}.
     * Everything is checked before anything is replaced: on an exception the current state is kept.
     *
     * @param saved moments by parameter name, as {@link #state} returns them
     * @param parameters the model's parameters, as {@code block.getParameters()} returns them
     * @throws IOException if the names or shapes do not match the parameters that require a gradient
     */
    public void restore(long savedStepCount, Map<String, Moments> saved, PairList<String, Parameter> parameters) throws IOException {
        Map<String, NDArray> trained = TrainedParameters.arrays(parameters);
        if (savedStepCount < 0) {
            throw new IOException("corrupt AdamW state: step count " + savedStepCount);
        }
        for (Map.Entry<String, Moments> entry : saved.entrySet()) {
            NDArray weight = trained.get(entry.getKey());
            if (weight == null) {
                throw notTrained(entry.getKey());
            }
            for (NDArray moment : List.of(entry.getValue().mean(), entry.getValue().variance())) {
                if (!moment.getShape().equals(weight.getShape())) {
                    throw shapeMismatch(entry.getKey(), moment.getShape(), weight.getShape());
                }
            }
        }
        requireEveryParameter(savedStepCount, trained, saved);
        Map<String, Moments> restored = new LinkedHashMap<>();
        NDManager restoredManager = null;
        for (Map.Entry<String, Moments> entry : saved.entrySet()) {
            NDArray weight = trained.get(entry.getKey());
            if (restoredManager == null) {
                restoredManager = weight.getManager().newSubManager();
            }
            restored.put(entry.getKey(), new Moments(copy(entry.getValue().mean(), restoredManager), copy(entry.getValue().variance(), restoredManager)));
        }
        adopt(savedStepCount, restored, restoredManager);
    }

    private static NDArray copy(NDArray array, NDManager manager) {
        return manager.create(array.toFloatArray(), array.getShape());
    }

    /**
     * Replaces this optimizer's state with one read from {@code optimizer.bin}, the format of
     * checkpoints before format 3, for the same model. Everything is checked before anything is
     * replaced: on an exception the current state is kept.
     *
     * @param in where to read from; left open
     * @param parameters the model's parameters, as {@code block.getParameters()} returns them
     * @throws IOException if the stream is not an AdamW state, ends early, was saved with other
     *     hyper-parameters, or its names or shapes do not match the parameters that require a
     *     gradient
     */
    public void load(DataInputStream in, PairList<String, Parameter> parameters) throws IOException {
        Map<String, NDArray> trained = TrainedParameters.arrays(parameters);
        long loadedStepCount;
        int count;
        try {
            if (in.readInt() != MAGIC) {
                throw new IOException("not an AdamW state: it does not start with the AdamW magic number");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("AdamW state version " + version + " is not supported (only " + VERSION + ")");
            }
            loadedStepCount = in.readLong();
            requireSameHyperParameters(in.readFloat(), in.readFloat(), in.readFloat(), in.readFloat());
            count = in.readInt();
        } catch (EOFException e) {
            throw truncated("its header", e);
        }
        if (loadedStepCount < 0 || count < 0) {
            throw new IOException(
                    "corrupt AdamW state: step count " + loadedStepCount + ", parameter count " + count);
        }

        Map<String, Moments> loaded = new LinkedHashMap<>();
        NDManager loadedManager = null;
        try {
            for (int i = 0; i < count; i++) {
                String name = readName(in, i, count);
                NDArray weight = trained.get(name);
                if (weight == null) {
                    throw notTrained(name);
                }
                if (loaded.containsKey(name)) {
                    throw new IOException("AdamW state holds moments for '" + name + "' twice");
                }
                if (loadedManager == null) {
                    loadedManager = weight.getManager().newSubManager();
                }
                loaded.put(name, readMoments(in, name, weight.getShape(), loadedManager));
            }
            requireEveryParameter(loadedStepCount, trained, loaded);
        } catch (IOException | RuntimeException e) {
            if (loadedManager != null) {
                loadedManager.close();
            }
            throw e;
        }
        adopt(loadedStepCount, loaded, loadedManager);
    }

    /** Before the first step there are no moments yet; after it, every trained parameter has some. */
    private static void requireEveryParameter(long savedStepCount, Map<String, NDArray> trained, Map<String, Moments> saved)
            throws IOException {
        List<String> missing = new ArrayList<>(trained.keySet());
        missing.removeAll(saved.keySet());
        if (savedStepCount > 0 && !missing.isEmpty()) {
            throw new IOException("AdamW state has no moments for the trained parameters " + missing);
        }
    }

    private void adopt(long savedStepCount, Map<String, Moments> saved, NDManager savedManager) {
        close();
        moments = saved;
        stateManager = savedManager;
        stepCount = savedStepCount;
    }

    private static IOException notTrained(String name) {
        return new IOException("AdamW state holds moments for '" + name + "', which is not a parameter this model trains");
    }

    private static IOException shapeMismatch(String name, Shape shape, Shape expected) {
        return new IOException("AdamW state has moments of shape " + shape + " for '" + name + "' but the parameter has shape " + expected);
    }

    /** Frees the moments. */
    @Override
    public void close() {
        if (stateManager != null) {
            stateManager.close();
            stateManager = null;
        }
        moments = new LinkedHashMap<>();
    }

    private Moments momentsOf(String name, NDArray weight) {
        Moments state = moments.get(name);
        if (state == null) {
            if (stateManager == null) {
                stateManager = weight.getManager().newSubManager();
            }
            state = new Moments(
                    stateManager.zeros(weight.getShape(), weight.getDataType()),
                    stateManager.zeros(weight.getShape(), weight.getDataType()));
            moments.put(name, state);
        } else if (!state.mean().getShape().equals(weight.getShape())) {
            throw new IllegalStateException("parameter '" + name + "' has shape " + weight.getShape()
                    + " but its moments have shape " + state.mean().getShape());
        }
        return state;
    }

    private void requireSameHyperParameters(float savedBeta1, float savedBeta2, float savedEps, float savedDecay)
            throws IOException {
        boolean same = Float.compare(savedBeta1, beta1) == 0
                && Float.compare(savedBeta2, beta2) == 0
                && Float.compare(savedEps, eps) == 0
                && Float.compare(savedDecay, weightDecay) == 0;
        if (!same) {
            throw new IOException(String.format(
                    "AdamW state was saved with beta1=%s, beta2=%s, eps=%s, weight decay=%s"
                            + " but this optimizer has beta1=%s, beta2=%s, eps=%s, weight decay=%s",
                    savedBeta1, savedBeta2, savedEps, savedDecay, beta1, beta2, eps, weightDecay));
        }
    }

    private static String readName(DataInputStream in, int index, int count) throws IOException {
        try {
            return in.readUTF();
        } catch (EOFException e) {
            throw truncated("the name of parameter " + (index + 1) + " of " + count, e);
        }
    }

    private static Moments readMoments(DataInputStream in, String name, Shape expected, NDManager manager)
            throws IOException {
        try {
            Shape shape = readShape(in, name);
            if (!shape.equals(expected)) {
                throw shapeMismatch(name, shape, expected);
            }
            NDArray mean = manager.create(readFloats(in, shape), shape);
            NDArray variance = manager.create(readFloats(in, shape), shape);
            return new Moments(mean, variance);
        } catch (EOFException e) {
            throw truncated("the moments of '" + name + "'", e);
        }
    }

    private static Shape readShape(DataInputStream in, String name) throws IOException {
        int dimensions = in.readInt();
        if (dimensions < 0 || dimensions > 32) {
            throw new IOException("corrupt AdamW state: '" + name + "' has " + dimensions + " dimensions");
        }
        long[] sizes = new long[dimensions];
        for (int i = 0; i < dimensions; i++) {
            sizes[i] = in.readLong();
        }
        return new Shape(sizes);
    }

    private static float[] readFloats(DataInputStream in, Shape shape) throws IOException {
        byte[] bytes = new byte[Math.multiplyExact(Math.toIntExact(shape.size()), Float.BYTES)];
        in.readFully(bytes);
        float[] values = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
        return values;
    }

    private static EOFException truncated(String what, EOFException cause) {
        EOFException e = new EOFException("AdamW state ends early, in " + what + " (is the file truncated?)");
        e.initCause(cause);
        return e;
    }

    private static void requireInRange(String name, float value, float min, float maxExclusive) {
        if (!(value >= min && value < maxExclusive)) {
            throw new IllegalArgumentException(
                    name + " must be in [" + min + ", " + maxExclusive + "), got " + value);
        }
    }
}
