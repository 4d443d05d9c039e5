package dev.jgpt.train.inspect;

import ai.djl.ndarray.NDArray;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;

/**
 * A model's token embedding as plain numbers: one row of n_embd floats per token id, as stored in
 * the weights (before the sqrt(n_embd) scale, which changes no direction), with the vocabulary
 * that names the rows.
 */
public record TokenVectors(float[][] rows, Vocabulary vocabulary) {

    /** The token embedding of {@code gpt}, whose ids {@code vocabulary} names. */
    public static TokenVectors of(Gpt gpt, Vocabulary vocabulary) {
        NDArray weight = gpt.tokenEmbedding().getWeight().getArray(); // (V, D)
        int count = Math.toIntExact(weight.getShape().get(0));
        int width = Math.toIntExact(weight.getShape().get(1));
        float[] flat = weight.toFloatArray();
        float[][] rows = new float[count][width];
        for (int id = 0; id < count; id++) {
            System.arraycopy(flat, id * width, rows[id], 0, width);
        }
        return new TokenVectors(rows, vocabulary);
    }

    public int size() {
        return rows.length;
    }

    public int width() {
        return rows[0].length;
    }

    /** Whether row {@code id} is all zeros, as the never-trained padding row is. */
    public boolean isZero(int id) {
        for (float value : rows[id]) {
            if (value != 0) {
                return false;
            }
        }
        return true;
    }

    /** The readable label of row {@code id}. */
    public String label(int id) {
        return TokenLabels.of(vocabulary, id);
    }
}
