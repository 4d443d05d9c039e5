package dev.jgpt.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import java.util.Arrays;
import java.util.Random;

/**
 * Generates text from a trained model one token at a time, as nanoGPT's sample.py: the context is
 * cropped to block_size, the last position's logits are divided by the temperature, cut to the
 * top-k and to the top-p nucleus, and the next token is drawn with a seeded Java RNG (DJL's
 * randomMultinomial is not supported by the PyTorch engine). A sample ends early at {@code </s>}.
 */
public final class Sampler {

    private final Gpt gpt;
    private final NDManager manager;
    private final ParameterStore parameterStore;

    public Sampler(Gpt gpt, NDManager manager) {
        this.gpt = gpt;
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
    }

    /**
     * Continues {@code context} by up to {@code maxNewTokens} tokens and returns only the new ones.
     *
     * @param temperature > 0; lower is more conservative
     * @param topK keep only the k most likely tokens; 0 keeps all
     * @param topP keep the smallest set of tokens whose probabilities add up to at least p; 1 keeps all
     */
    public int[] generate(int[] context, int maxNewTokens, float temperature, int topK, float topP, Random random) {
        int blockSize = gpt.config().blockSize();
        int[] tokens = Arrays.copyOf(context, context.length + maxNewTokens);
        int length = context.length;
        for (int n = 0; n < maxNewTokens; n++) {
            int start = Math.max(0, length - blockSize);
            float[] logits = lastLogits(Arrays.copyOfRange(tokens, start, length));
            int next = draw(logits, temperature, topK, topP, random);
            tokens[length++] = next;
            if (next == Vocabulary.EOS) {
                break;
            }
        }
        return Arrays.copyOfRange(tokens, context.length, length);
    }

    private float[] lastLogits(int[] window) {
        try (NDManager scope = manager.newSubManager()) {
            long[] ids = Arrays.stream(window).asLongStream().toArray();
            NDArray input = scope.create(ids, new Shape(1, ids.length));
            NDArray logits = gpt.logits(parameterStore, input, false); // (1, T, V)
            return logits.get(0, window.length - 1).toFloatArray();
        }
    }

    /** Draws one id from the logits after temperature, top-k and top-p. */
    static int draw(float[] logits, float temperature, int topK, float topP, Random random) {
        int vocab = logits.length;
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a])); // most likely first
        int kept = topK > 0 ? Math.min(topK, vocab) : vocab;

        double max = logits[order[0]] / temperature;
        double[] weights = new double[kept];
        double total = 0;
        for (int r = 0; r < kept; r++) {
            weights[r] = Math.exp(logits[order[r]] / temperature - max);
            total += weights[r];
        }
        if (topP < 1) {
            double cumulative = 0;
            int nucleus = 0;
            while (nucleus < kept && cumulative < topP * total) {
                cumulative += weights[nucleus++];
            }
            kept = Math.max(nucleus, 1);
            total = cumulative;
        }
        double u = random.nextDouble() * total;
        for (int r = 0; r < kept; r++) {
            u -= weights[r];
            if (u < 0) {
                return order[r];
            }
        }
        return order[kept - 1];
    }
}
