package dev.jgpt.train.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.JavaDecoder;
import dev.jgpt.model.KvCache;
import dev.jgpt.train.NoGrad;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Generates text from a trained model one token at a time, as nanoGPT's sample.py: the last
 * position's logits are divided by the temperature, cut to the top-k and to the top-p nucleus, and
 * the next token is drawn with a seeded Java RNG ({@link TokenDraw}). A sample ends early at
 * {@code </s>} unless told to ignore it.
 *
 * <p>Only characters and {@code </s>} are drawn: {@code <s>}, {@code <pad>} and {@code <unk>} are
 * never a training target, so whatever probability the model gives them is noise, and they are
 * left out of the draw; so is {@code </s>} when a sample must not end early. Every drawn token
 * but the final {@code </s>} is therefore one character of text. A model without a padding id has
 * a vocabulary without reserved tokens (nanoGPT's, from an export folder): every id is a character
 * and may be drawn.
 *
 * <p>The model sees a window of at most block_size tokens. With the KV cache (the default) each
 * new token costs one position's worth of compute. When the text outgrows the window, the window
 * jumps forward to keep the last block_size/2 tokens, which are run through the model again, rather
 * than sliding by one token as nanoGPT does: absolute positions shift when a window slides, so no
 * cache could serve a sliding window. Without the cache the same windows are recomputed in full
 * for every token, which gives the same text. With the cache, a model of up to {@link
 * #JAVA_PARAMETERS} parameters on the CPU runs in plain Java ({@link JavaDecoder}), whose logits
 * equal the native path's up to float rounding.
 */
public final class Sampler {

    /**
     * Models of up to this many parameters sample on the CPU in plain Java ({@link JavaDecoder}),
     * faster than through DJL's native calls: 3 times at 0.8M parameters, twice at 3.2M, 1.2 times
     * at 10.7M (bench/NOTES.md, "Sampling small models in Java"). Larger ones read their
     * weights faster through libtorch on every core, and a copy of them would cost memory.
     */
    static final long JAVA_PARAMETERS = 12_000_000;

    private final Gpt gpt;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final boolean useCache;
    private final boolean stopAtEos;
    private final boolean reservedTokens; // ids 0 to 3 are <s>, <pad>, </s>, <unk>
    private final int drawableIds; // the tokenizer's ids; nanoGPT's GPT-2 models have rows beyond them
    private final long parameters; // which decides whether Java samples, and libtorch's threads where it does not
    private final boolean inJava;

    /**
     * A sampler that runs {@code gpt} in {@code manager}, with or without a KV cache, and ends a
     * sample at {@code </s>} or always generates the number of tokens asked for.
     */
    public Sampler(Gpt gpt, NDManager manager, boolean useCache, boolean stopAtEos) {
        this(gpt, manager, useCache, stopAtEos, gpt.config().vocabSize());
    }

    /** As {@link #Sampler(Gpt, NDManager, boolean, boolean)}, never drawing an id of {@code drawableIds} or above. */
    public Sampler(Gpt gpt, NDManager manager, boolean useCache, boolean stopAtEos, int drawableIds) {
        this.drawableIds = drawableIds;
        reservedTokens = gpt.config().paddingIdx() != null;
        if (reservedTokens && gpt.config().vocabSize() <= Vocabulary.UNK + 1) {
            throw new IllegalArgumentException("the model's vocabulary holds no character to draw");
        }
        this.gpt = gpt;
        this.parameters = gpt.getParameters().values().stream().distinct().mapToLong(p -> p.getArray().size()).sum();
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
        this.useCache = useCache;
        this.stopAtEos = stopAtEos && reservedTokens;
        this.inJava = useCache && parameters <= JAVA_PARAMETERS && !manager.getDevice().isGpu();
    }

    /**
     * Continues {@code context} by up to {@code maxNewTokens} tokens and returns only the new ones.
     *
     * @param temperature > 0; lower is more conservative
     * @param topK keep only the k most likely tokens; 0 keeps all
     * @param topP keep the smallest set of tokens whose probabilities add up to at least p; 1 keeps all
     */
    public int[] generate(int[] context, int maxNewTokens, float temperature, int topK, float topP, Random random) {
        return generate(context, maxNewTokens, temperature, topK, topP, random, id -> {});
    }

    /**
     * As {@link #generate(int[], int, float, int, float, Random)}, handing each new id to {@code
     * onToken} as soon as it is drawn, so that a caller can print text as it comes.
     */
    public int[] generate(
            int[] context, int maxNewTokens, float temperature, int topK, float topP, Random random, IntConsumer onToken) {
        int blockSize = gpt.config().blockSize();
        int keep = Math.max(1, blockSize / 2);
        int[] tokens = Arrays.copyOf(context, context.length + maxNewTokens);
        int length = context.length;
        int windowStart = Math.max(0, length - blockSize);
        JavaDecoder decoder = inJava ? new JavaDecoder(gpt) : null; // the weights as they are now
        try (SamplingThreads threads = new SamplingThreads(parameters);
                NoGrad noGrad = new NoGrad();
                KvCache cache = useCache && !inJava ? gpt.newCache(manager) : null) {
            for (int n = 0; n < maxNewTokens; n++) {
                if (length - windowStart > blockSize) {
                    windowStart = length - keep;
                    if (cache != null) {
                        cache.clear();
                    }
                    if (decoder != null) {
                        decoder.clear();
                    }
                }
                float[] logits;
                if (decoder != null) {
                    logits = decoder.run(tokens, windowStart + decoder.length(), length);
                } else {
                    logits = cache != null
                            ? lastLogits(tokens, windowStart + cache.length(), length, cache)
                            : lastLogits(tokens, windowStart, length, null);
                }
                leaveOutOfDraw(logits);
                int next = TokenDraw.draw(logits, temperature, topK, topP, random);
                tokens[length++] = next;
                onToken.accept(next);
                if (stopAtEos && next == Vocabulary.EOS) {
                    break;
                }
            }
        }
        return Arrays.copyOfRange(tokens, context.length, length);
    }

    /** Logits of the position after tokens[from, to), run through the cache when there is one. */
    private float[] lastLogits(int[] tokens, int from, int to, KvCache cache) {
        try (NDManager scope = manager.newSubManager()) {
            long[] ids = new long[to - from];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = tokens[from + i];
            }
            NDArray input = scope.create(ids, new Shape(1, ids.length));
            NDArray logits =
                    cache != null
                            ? gpt.nextLogits(parameterStore, input, cache)
                            : gpt.logits(parameterStore, input, false); // (1, T, V)
            float[] all = logits.toFloatArray(); // the last row is the next token's
            int vocab = (int) logits.getShape().get(2);
            return Arrays.copyOfRange(all, all.length - vocab, all.length);
        }
    }

    /** Gives the tokens that are not to be drawn (see the class comment) a logit of minus infinity. */
    private void leaveOutOfDraw(float[] logits) {
        Arrays.fill(logits, Math.min(drawableIds, logits.length), logits.length, Float.NEGATIVE_INFINITY);
        if (!reservedTokens) {
            return;
        }
        logits[Vocabulary.BOS] = Float.NEGATIVE_INFINITY;
        logits[Vocabulary.PAD] = Float.NEGATIVE_INFINITY;
        logits[Vocabulary.UNK] = Float.NEGATIVE_INFINITY;
        if (!stopAtEos) {
            logits[Vocabulary.EOS] = Float.NEGATIVE_INFINITY;
        }
    }
}
