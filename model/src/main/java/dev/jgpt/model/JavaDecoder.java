package dev.jgpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.embedding.PositionTable;
import java.util.Arrays;
import java.util.Map;

/**
 * A {@link Gpt} run in eval mode in plain Java, on a copy of its weights in float arrays, with its
 * own cache of keys and values: how a small model samples on the CPU. A token of the default
 * model is about 1.6 MFLOP, which these loops do in a fifth of a millisecond, where {@link
 * Gpt#nextLogits} makes about 90 native calls through DJL that cost a millisecond together
 * (bench/NOTES.md, "Sampling small models in Java"). The logits are those of {@link Gpt#logits} up
 * to float rounding. The weights are copied when the decoder is made: later training does not
 * reach it.
 */
public final class JavaDecoder {

    private static final double LAYER_NORM_EPS = 1e-5; // DJL's LayerNorm default, which Gpt uses

    private final int width;
    private final int nHead;
    private final int headSize;
    private final int blockSize;
    private final int vocabSize;
    private final boolean tanhGelu;
    private final float[] tokenRows; // (vocab, C)
    private final float tokenScale;
    private final float[] positionRows; // (block, C); null for rotary positions
    private final float[] ropeCos; // (block, hs) as RotaryPositions holds them; null without rotary positions
    private final float[] ropeSin;
    private final Layer[] layers;
    private final float[] finalNormWeight;
    private final float[] finalNormBias;
    private final float[][] headTransposed; // (C, vocab)
    private final float headInputScale; // 1/sqrt(C) for the tied head of a scaled embedding, as Gpt divides
    private final float attentionScale;
    private final float[][][][] keys; // (layer, head, hs, block): each channel's keys along the positions
    private final float[][][][] values; // (layer, head, block, hs)
    private int length;

    // Scratch for up to block_size positions at once, reused by every call: (position, features).
    private final float[][] x;
    private final float[][] normed;
    private final float[][] qkv;
    private final float[][] attended;
    private final float[][] hidden;
    private final float[][] branch;
    private final float[][] headOutputs; // (head, hs)
    private final float[] scores;

    /** One block's weights; each linear weight transposed to (in, out) rows, so that a product runs along rows. */
    private record Layer(
            float[] norm1Weight, float[] norm1Bias, float[][] qkvWeight, float[] qkvBias, float[][] projWeight, float[] projBias,
            float[] norm2Weight, float[] norm2Bias, float[][] fcWeight, float[] fcBias, float[][] mlpProjWeight, float[] mlpProjBias) {}

    /** A decoder with a copy of {@code gpt}'s current weights and an empty cache. */
    public JavaDecoder(Gpt gpt) {
        GptConfig config = gpt.config();
        width = config.nEmbd();
        nHead = config.nHead();
        headSize = config.headSize();
        blockSize = config.blockSize();
        vocabSize = config.vocabSize();
        tanhGelu = config.activation() == GptConfig.Activation.GELU_NEW;
        Map<String, Parameter> named = gpt.namedParameters();
        tokenRows = floats(named, "transformer.wte.weight");
        tokenScale = gpt.tokenEmbedding().getScale();
        positionRows = positionRows(gpt);
        RotaryPositions rotary = gpt.rotary();
        ropeCos = rotary == null ? null : rotary.cosTable();
        ropeSin = rotary == null ? null : rotary.sinTable();
        layers = new Layer[config.nLayer()];
        for (int i = 0; i < layers.length; i++) {
            String prefix = "transformer.h." + i + ".";
            layers[i] = new Layer(
                    floats(named, prefix + "ln_1.weight"), floats(named, prefix + "ln_1.bias"),
                    transposed(named, prefix + "attn.c_attn.weight"), floats(named, prefix + "attn.c_attn.bias"),
                    transposed(named, prefix + "attn.c_proj.weight"), floats(named, prefix + "attn.c_proj.bias"),
                    floats(named, prefix + "ln_2.weight"), floats(named, prefix + "ln_2.bias"),
                    transposed(named, prefix + "mlp.c_fc.weight"), floats(named, prefix + "mlp.c_fc.bias"),
                    transposed(named, prefix + "mlp.c_proj.weight"), floats(named, prefix + "mlp.c_proj.bias"));
        }
        finalNormWeight = floats(named, "transformer.ln_f.weight");
        finalNormBias = floats(named, "transformer.ln_f.bias");
        headTransposed = transposed(named, config.tieWeights() ? "transformer.wte.weight" : "lm_head.weight");
        headInputScale = config.tieWeights() && config.scaleEmbedding() ? (float) (1 / Math.sqrt(width)) : 1f;
        attentionScale = (float) (1 / Math.sqrt(headSize));
        keys = new float[layers.length][nHead][headSize][blockSize];
        values = new float[layers.length][nHead][blockSize][headSize];
        x = new float[blockSize][width];
        normed = new float[blockSize][width];
        qkv = new float[blockSize][3 * width];
        attended = new float[blockSize][width];
        hidden = new float[blockSize][4 * width];
        branch = new float[blockSize][width];
        headOutputs = new float[nHead][headSize];
        scores = new float[blockSize];
    }

    /** How many positions the cache holds: the next token goes at this position. */
    public int length() {
        return length;
    }

    /** Forgets every position. */
    public void clear() {
        length = 0;
    }

    /**
     * Runs tokens[from, to) at the positions after the cached ones, adds their keys and values to
     * the cache, and returns the logits of the token after the last of them (a new array of
     * vocab_size floats). A prompt, or the positions a window keeps when it jumps, runs in one
     * call, layer by layer, so that a layer's weights stay in the core's cache from one position
     * to the next.
     */
    public float[] run(int[] tokens, int from, int to) {
        int count = to - from;
        if (count < 1) {
            throw new IllegalArgumentException("no tokens to run: from " + from + " to " + to);
        }
        if (length + count > blockSize) {
            throw new IllegalStateException("the cache holds " + length + " of block_size (" + blockSize
                    + ") positions: " + count + " more do not fit");
        }
        for (int t = 0; t < count; t++) {
            int token = tokens[from + t];
            if (token < 0 || token >= vocabSize) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + vocabSize);
            }
            for (int c = 0; c < width; c++) {
                float row = tokenRows[token * width + c];
                x[t][c] = tokenScale == 1f ? row : row * tokenScale;
            }
            if (positionRows != null) {
                for (int c = 0; c < width; c++) {
                    x[t][c] += positionRows[(length + t) * width + c];
                }
            }
        }
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            layerNorm(x, count, layer.norm1Weight, layer.norm1Bias, normed);
            linear(normed, count, layer.qkvWeight, layer.qkvBias, qkv);
            for (int t = 0; t < count; t++) {
                cache(l, t, length + t);
            }
            for (int t = 0; t < count; t++) {
                attend(l, t, length + t);
            }
            linear(attended, count, layer.projWeight, layer.projBias, branch);
            addInto(x, count, branch);
            layerNorm(x, count, layer.norm2Weight, layer.norm2Bias, normed);
            linear(normed, count, layer.fcWeight, layer.fcBias, hidden);
            for (int t = 0; t < count; t++) {
                if (tanhGelu) {
                    tanhGelu(hidden[t]);
                } else {
                    gelu(hidden[t]);
                }
            }
            linear(hidden, count, layer.mlpProjWeight, layer.mlpProjBias, branch);
            addInto(x, count, branch);
        }
        length += count;
        float[][] last = {normed[count - 1]};
        layerNorm(new float[][] {x[count - 1]}, 1, finalNormWeight, finalNormBias, last);
        if (headInputScale != 1f) {
            for (int c = 0; c < width; c++) {
                last[0][c] *= headInputScale;
            }
        }
        float[][] logits = new float[1][vocabSize];
        linear(last, 1, headTransposed, null, logits);
        return logits[0];
    }

    /** Rotates position t's query and key (rotary positions), then caches its key and value at {@code position}. */
    private void cache(int layer, int t, int position) {
        float[] vectors = qkv[t];
        if (ropeCos != null) {
            rotate(vectors, 0, position); // the query
            rotate(vectors, width, position); // the key
        }
        for (int h = 0; h < nHead; h++) {
            for (int d = 0; d < headSize; d++) {
                keys[layer][h][d][position] = vectors[width + h * headSize + d];
            }
            System.arraycopy(vectors, 2 * width + h * headSize, values[layer][h][position], 0, headSize);
        }
    }

    /**
     * Each head's query of position t (qkv[t]'s first C floats) attends to the cached positions
     * 0..position: into attended[t]. Every inner loop runs along an array from its start, so that
     * the JIT vectorises it: the scores along a key channel's positions, the output along a
     * value's head.
     */
    private void attend(int layer, int t, int position) {
        float[][][] layerKeys = keys[layer];
        float[][][] layerValues = values[layer];
        float[] query = qkv[t];
        int positions = position + 1;
        for (int h = 0; h < nHead; h++) {
            int head = h * headSize;
            Arrays.fill(scores, 0, positions, 0f);
            addRowCombination(scores, positions, query, head, layerKeys[h], headSize);
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < positions; j++) {
                scores[j] *= attentionScale;
                max = Math.max(max, scores[j]);
            }
            float total = 0f;
            for (int j = 0; j < positions; j++) {
                scores[j] = (float) Math.exp(scores[j] - max);
                total += scores[j];
            }
            for (int j = 0; j < positions; j++) {
                scores[j] /= total;
            }
            float[] output = headOutputs[h];
            Arrays.fill(output, 0f);
            addRowCombination(output, headSize, scores, 0, layerValues[h], positions);
            System.arraycopy(output, 0, attended[t], head, headSize);
        }
    }

    /** Rotates, in every head, the C floats of {@code vectors} from {@code offset} by the angles of {@code position} (see RotaryPositions). */
    private void rotate(float[] vectors, int offset, int position) {
        int half = headSize / 2;
        int row = position * headSize;
        for (int h = 0; h < nHead; h++) {
            int head = offset + h * headSize;
            for (int j = 0; j < half; j++) {
                float first = vectors[head + j];
                float second = vectors[head + j + half];
                vectors[head + j] = first * ropeCos[row + j] + second * ropeSin[row + j];
                vectors[head + j + half] = second * ropeCos[row + j + half] + first * ropeSin[row + j + half];
            }
        }
    }

    /**
     * outputs[t] = inputs[t] · rows + bias for the first {@code count} positions, for rows (in,
     * out): passes along the rows ({@code addRowCombination}), which the JIT vectorises. Each row
     * is an array of its own: Java 17's JIT leaves a loop over an array from an offset
     * unvectorised, 10 times slower (bench/NOTES.md). One matrix's rows stay in the core's cache
     * from one position to the next, so that several positions at once run at about twice the
     * speed of one.
     */
    private static void linear(float[][] inputs, int count, float[][] rows, float[] bias, float[][] outputs) {
        for (int t = 0; t < count; t++) {
            float[] output = outputs[t];
            if (bias != null) {
                System.arraycopy(bias, 0, output, 0, bias.length);
            } else {
                Arrays.fill(output, 0f);
            }
            addRowCombination(output, output.length, inputs[t], 0, rows, rows.length);
        }
    }

    /**
     * sum[0, length) += Σ_i weights[from + i]·rows[i] over the first {@code count} rows, four rows
     * per pass along sum: a pass loads and stores sum once for four rows, 1.3-1.7 times faster
     * than a pass per row (bench/NOTES.md). More rows per pass leave the loop unvectorised.
     */
    private static void addRowCombination(float[] sum, int length, float[] weights, int from, float[][] rows, int count) {
        int i = 0;
        for (; i + 3 < count; i += 4) {
            float w0 = weights[from + i];
            float w1 = weights[from + i + 1];
            float w2 = weights[from + i + 2];
            float w3 = weights[from + i + 3];
            float[] r0 = rows[i];
            float[] r1 = rows[i + 1];
            float[] r2 = rows[i + 2];
            float[] r3 = rows[i + 3];
            for (int o = 0; o < length; o++) {
                sum[o] += w0 * r0[o] + w1 * r1[o] + w2 * r2[o] + w3 * r3[o];
            }
        }
        for (; i < count; i++) {
            float wi = weights[from + i];
            float[] row = rows[i];
            for (int o = 0; o < length; o++) {
                sum[o] += wi * row[o];
            }
        }
    }

    private void layerNorm(float[][] inputs, int count, float[] weight, float[] bias, float[][] outputs) {
        for (int t = 0; t < count; t++) {
            layerNorm(inputs[t], weight, bias, outputs[t]);
        }
    }

    private void layerNorm(float[] input, float[] weight, float[] bias, float[] output) {
        double sum = 0;
        for (int c = 0; c < width; c++) {
            sum += input[c];
        }
        double mean = sum / width;
        double squares = 0;
        for (int c = 0; c < width; c++) {
            double centred = input[c] - mean;
            squares += centred * centred;
        }
        float meanF = (float) mean;
        float inverseStd = (float) (1 / Math.sqrt(squares / width + LAYER_NORM_EPS));
        for (int c = 0; c < width; c++) {
            output[c] = (input[c] - meanF) * inverseStd * weight[c] + bias[c];
        }
    }

    private static void addInto(float[][] sums, int count, float[][] addends) {
        for (int t = 0; t < count; t++) {
            float[] sum = sums[t];
            float[] addend = addends[t];
            for (int c = 0; c < sum.length; c++) {
                sum[c] += addend[c];
            }
        }
    }

    /**
     * The exact GELU, x·Φ(x) = x/2·(1 + erf(x/√2)), in place, as libtorch's default gelu computes
     * it in float. erf is Eigen's rational approximation for float (clamped to [-4, 4], where erf
     * is ±1 in float), which uses no exp, so that the JIT vectorises the loop.
     */
    static void gelu(float[] values) {
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            values[i] = 0.5f * v * (1f + erf(v * (float) (1 / Math.sqrt(2))));
        }
    }

    /** erf(x) in float, to within a few float steps: Eigen's and XLA's rational approximation. */
    static float erf(float x) {
        float v = Math.max(-4f, Math.min(4f, x));
        float v2 = v * v;
        float p = v2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
        p = v2 * p + -2.10102402082508e-06f;
        p = v2 * p + -5.69250639462346e-05f;
        p = v2 * p + -7.34990630326855e-04f;
        p = v2 * p + -2.95459980854025e-03f;
        p = v2 * p + -1.60960333262415e-02f;
        float q = v2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
        q = v2 * q + -1.68282697438203e-03f;
        q = v2 * q + -7.37332916720468e-03f;
        q = v2 * q + -1.42647390514189e-02f;
        return v * p / q;
    }

    /** GPT-2's GELU, x·sigmoid(2u) with u = sqrt(2/π)·(x + 0.044715·x³), in place, in Mlp's order of float ops. */
    static void tanhGelu(float[] values) {
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            float inner = (v * v * 0.044715f + 1f) * v;
            float twiceU = inner * (float) (2 * Math.sqrt(2 / Math.PI));
            values[i] = (float) (1 / (1 + Math.exp(-twiceU))) * v;
        }
    }

    /**
     * erf(x) to within 1.2e-7 (relative error of its complement; Numerical Recipes' Chebyshev fit
     * of erfc), far inside float rounding once GELU's output is rounded.
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }

    private static float[] floats(Map<String, Parameter> named, String name) {
        return named.get(name).getArray().toFloatArray();
    }

    /** A (rows, columns) weight as (columns, rows), each of its rows an array. */
    private static float[][] transposed(Map<String, Parameter> named, String name) {
        NDArray weight = named.get(name).getArray();
        int rows = (int) weight.getShape().get(0);
        int columns = (int) weight.getShape().get(1);
        float[] values = weight.toFloatArray();
        float[][] transposed = new float[columns][rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                transposed[c][r] = values[r * columns + c];
            }
        }
        return transposed;
    }

    /** The position table's rows for positions 0 .. block_size-1, as the model adds them; null for rotary positions. */
    private static float[] positionRows(Gpt gpt) {
        PositionTable table = gpt.positionTable();
        if (table == null) {
            return null;
        }
        NDArray weight = gpt.tokenEmbedding().getWeight().getArray();
        try (NDManager scope = weight.getManager().newSubManager()) {
            NDArray positions = scope.zeros(new Shape(1, gpt.config().blockSize()), DataType.INT64);
            NDArray rows = table.rows(new ParameterStore(scope, false), positions, 0, false);
            rows.attach(scope); // a learned table's lookup may belong to the weight's manager
            return rows.toFloatArray();
        }
    }
}
