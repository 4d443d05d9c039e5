package dev.jgpt.train;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.store.ModelJson;
import java.util.List;

/**
 * Every knob of a training run, with nanoGPT's CPU defaults. In JSON (config files, checkpoints)
 * each key is the flag's name without dashes in front: {@code nLayer} is {@code "n-layer"}.
 */
public record TrainConfig(
        String data,
        String column,
        String outDir,
        int nLayer,
        int nHead,
        int nEmbd,
        int blockSize,
        int batchSize,
        float dropout,
        String positions,
        boolean tieWeights,
        boolean noScaleEmbedding,
        String init,
        String initFrom,
        float lr,
        float minLr,
        int warmupIters,
        int maxIters,
        float weightDecay,
        float beta1,
        float beta2,
        float gradClip,
        int gradAccum,
        int evalInterval,
        int evalIters,
        int logInterval,
        int keepCheckpoints,
        long seed,
        String device,
        int lrDecayIters,
        int maxNonfiniteSteps,
        double ropeBase,
        String activation) {

    /**
     * Keys a resumed run may change; every other key must match the checkpoint. lr-decay-iters
     * changes only when typed: a longer max-iters alone does not stretch the schedule.
     */
    public static final List<String> CHANGEABLE_ON_RESUME =
            List.of("max-iters", "eval-interval", "eval-iters", "log-interval", "keep-checkpoints", "out-dir", "device",
                    "lr-decay-iters", "max-nonfinite-steps");

    /** {@link #keepCheckpoints} that keeps every checkpoint. */
    public static final int KEEP_ALL = 0;

    /** How many of the newest checkpoints a run keeps unless told otherwise (best is kept besides). */
    public static final int DEFAULT_KEEP_CHECKPOINTS = 3;

    /** Non-finite steps in a row after which a run stops. */
    public static final int DEFAULT_MAX_NONFINITE_STEPS = 5;

    private static final Gson GSON =
            new GsonBuilder()
                    .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_DASHES)
                    .serializeNulls()
                    .setPrettyPrinting()
                    .create();

    /**
     * Checks every number, the model's shape included, so that a bad one is reported before any
     * corpus is read; a bad one gets a message naming the flag and the value.
     */
    public TrainConfig {
        positive("n-layer", nLayer);
        positive("n-head", nHead);
        positive("n-embd", nEmbd);
        positive("block-size", blockSize);
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("--n-embd must be a multiple of --n-head, got " + nEmbd + " and " + nHead);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
        }
        if (keepCheckpoints < 0) {
            throw new IllegalArgumentException("--keep-checkpoints must be at least 1, or all, got " + keepCheckpoints);
        }
        positive("batch-size", batchSize);
        positive("max-iters", maxIters);
        positive("grad-accum", gradAccum);
        positive("eval-iters", evalIters);
        positive("log-interval", logInterval);
        positive("lr-decay-iters", lrDecayIters);
        positive("max-nonfinite-steps", maxNonfiniteSteps);
        if (evalInterval < 0) {
            throw new IllegalArgumentException("--eval-interval must be >= 0, got " + evalInterval);
        }
        if (warmupIters < 0) {
            throw new IllegalArgumentException("--warmup-iters must be >= 0, got " + warmupIters);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        }
        if (!(minLr >= 0) || minLr > lr) {
            throw new IllegalArgumentException("--min-lr must be in [0, --lr " + lr + "], got " + minLr);
        }
        inUnitInterval("beta1", beta1);
        inUnitInterval("beta2", beta2);
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
        }
        if (!(gradClip >= 0)) {
            throw new IllegalArgumentException("--grad-clip must be >= 0, got " + gradClip);
        }
        if (GptConfig.Positions.of(positions) == null) {
            throw new IllegalArgumentException("--positions must be sinusoidal, learned or rope, got " + positions);
        }
        if (!(ropeBase > 0 && Double.isFinite(ropeBase))) {
            throw new IllegalArgumentException("--rope-base must be a finite number > 0, got " + ropeBase);
        }
        if (!"rope".equals(positions) && ropeBase != GptConfig.DEFAULT_ROPE_BASE) {
            throw new IllegalArgumentException("--rope-base " + ropeBase + " is for --positions rope, not " + positions);
        }
        if ("rope".equals(positions) && (nEmbd / nHead) % 2 != 0) {
            throw new IllegalArgumentException("--positions rope needs an even head size, got --n-embd / --n-head = "
                    + nEmbd + " / " + nHead + " = " + nEmbd / nHead);
        }
        if (init == null) { // a checkpoint saved before --init existed
            init = "gpt2";
        }
        if (!"gpt2".equals(init) && !"plain".equals(init)) {
            throw new IllegalArgumentException("--init must be gpt2 or plain, got " + init);
        }
        if (activation == null) { // a checkpoint saved before --activation existed
            activation = GptConfig.Activation.GELU.label();
        }
        if (GptConfig.Activation.of(activation) == null) {
            throw new IllegalArgumentException("--activation must be gelu or gelu_new, got " + activation);
        }
    }

    private static void inUnitInterval(String flag, float value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("--" + flag + " must be in [0, 1), got " + value);
        }
    }

    private static void positive(String flag, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("--" + flag + " must be > 0, got " + value);
        }
    }

    /** The model this config describes, for {@code vocabulary} (which decides the padding id). */
    public GptConfig model(Tokenizer vocabulary) {
        return ModelJson.fromFlags(toJson(), vocabulary);
    }

    /** Tokens one optimizer step sees. */
    public long tokensPerIter() {
        return (long) batchSize * blockSize * gradAccum;
    }

    /** This config as a JSON object with flag-named keys. */
    public JsonObject toJson() {
        return GSON.toJsonTree(this).getAsJsonObject();
    }

    /** Pretty-printed JSON, as saved in checkpoints. */
    public String toJsonString() {
        return GSON.toJson(this);
    }

    /**
     * Reads a config saved by {@link #toJson}; a key that older checkpoints lack gets its default,
     * and one saved before lr-decay-iters existed decays over its max-iters, as it did then.
     */
    public static TrainConfig fromJson(JsonElement json) {
        if (json == null || !json.isJsonObject()) {
            return GSON.fromJson(json, TrainConfig.class);
        }
        JsonObject object = json.getAsJsonObject().deepCopy();
        if (!object.has("keep-checkpoints")) {
            object.addProperty("keep-checkpoints", DEFAULT_KEEP_CHECKPOINTS);
        }
        if (!object.has("lr-decay-iters") && object.has("max-iters")) {
            object.add("lr-decay-iters", object.get("max-iters"));
        }
        if (!object.has("max-nonfinite-steps")) {
            object.addProperty("max-nonfinite-steps", DEFAULT_MAX_NONFINITE_STEPS);
        }
        if (!object.has("rope-base")) {
            object.addProperty("rope-base", GptConfig.DEFAULT_ROPE_BASE);
        }
        return GSON.fromJson(object, TrainConfig.class);
    }
}
