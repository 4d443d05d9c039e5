package dev.jgpt.train.store;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.model.GptConfig;
import java.util.Locale;
import java.util.Map;

/**
 * The one mapping between a model's shape ({@link GptConfig}) and JSON. An export's config.json
 * uses nanoGPT's names ({@code n_layer}); a train config (config files, a checkpoint's
 * state.json) uses the flags' names ({@code n-layer}), where only the vocabulary is not a key
 * and scale_embedding is said the other way round ({@code no-scale-embedding}).
 */
public final class ModelJson {

    /** A train config's flag for each key of config.json that a flag sets. */
    private static final Map<String, String> FLAGS = Map.of(
            "n_layer", "n-layer",
            "n_head", "n-head",
            "n_embd", "n-embd",
            "block_size", "block-size",
            "dropout", "dropout",
            "positions", "positions",
            "tie_weights", "tie-weights",
            "init", "init",
            "activation", "activation");
    private static final double LAYER_NORM_EPS = 1e-5;

    private ModelJson() {}

    /** {@code model} under nanoGPT's names, with the parts of jgpt's architecture that never change. */
    public static JsonObject toJson(GptConfig model) {
        JsonObject config = new JsonObject();
        config.addProperty("n_layer", model.nLayer());
        config.addProperty("n_head", model.nHead());
        config.addProperty("n_embd", model.nEmbd());
        config.addProperty("block_size", model.blockSize());
        config.addProperty("vocab_size", model.vocabSize());
        config.addProperty("bias", true);
        config.addProperty("dropout", model.dropout());
        config.addProperty("positions", name(model.positions()));
        if (model.positions() == GptConfig.Positions.ROPE) {
            config.addProperty("rope_base", model.ropeBase());
        }
        config.addProperty("tie_weights", model.tieWeights());
        config.addProperty("scale_embedding", model.scaleEmbedding());
        config.addProperty("padding_idx", model.paddingIdx());
        config.addProperty("init", name(model.init()));
        config.addProperty("layer_norm_eps", LAYER_NORM_EPS);
        config.addProperty("activation", model.activation().label());
        return config;
    }

    /**
     * The model {@code config} describes under nanoGPT's names; the fixed parts (bias,
     * layer_norm_eps) are checked, and dropout, init and activation (exact gelu, for files written
     * before it was a choice) defaulted when absent.
     *
     * @throws IllegalArgumentException naming the first key jgpt cannot build
     */
    public static GptConfig fromJson(JsonObject config) {
        if (config.has("bias") && !config.get("bias").getAsBoolean()) {
            throw new IllegalArgumentException("bias is false; jgpt builds models with biases (bias true) only");
        }
        if (config.has("layer_norm_eps") && config.get("layer_norm_eps").getAsDouble() != LAYER_NORM_EPS) {
            throw new IllegalArgumentException("layer_norm_eps is " + config.get("layer_norm_eps") + "; jgpt's LayerNorm has 1e-5");
        }
        GptConfig.Activation activation = config.has("activation") && !config.get("activation").isJsonNull()
                ? GptConfig.Activation.of(string(config.get("activation"))) : GptConfig.Activation.GELU;
        if (activation == null) {
            throw new IllegalArgumentException("activation is " + config.get("activation") + ", not gelu (exact) or gelu_new (GPT-2's tanh form)");
        }
        GptConfig.Positions positions = parse(GptConfig.Positions.class, string(required(config, "positions")));
        if (positions == null) {
            throw new IllegalArgumentException("positions is " + config.get("positions") + ", not sinusoidal, learned or rope");
        }
        JsonElement padding = config.get("padding_idx");
        GptConfig.Init init = config.has("init") ? parse(GptConfig.Init.class, string(config.get("init"))) : GptConfig.Init.GPT2;
        if (init == null) {
            throw new IllegalArgumentException("init is " + config.get("init") + ", not gpt2 or plain");
        }
        return new GptConfig(
                required(config, "vocab_size").getAsInt(),
                required(config, "block_size").getAsInt(),
                required(config, "n_layer").getAsInt(),
                required(config, "n_head").getAsInt(),
                required(config, "n_embd").getAsInt(),
                config.has("dropout") ? config.get("dropout").getAsFloat() : 0f,
                positions,
                required(config, "tie_weights").getAsBoolean(),
                required(config, "scale_embedding").getAsBoolean(),
                padding == null || padding.isJsonNull() ? null : padding.getAsInt(),
                init,
                config.has("rope_base") && !config.get("rope_base").isJsonNull()
                        ? config.get("rope_base").getAsDouble() : GptConfig.DEFAULT_ROPE_BASE,
                activation);
    }

    /** {@code model}'s keys as a train config names them (its flags without dashes in front). */
    public static JsonObject toFlags(GptConfig model) {
        JsonObject json = toJson(model);
        JsonObject flags = new JsonObject();
        FLAGS.forEach((key, flag) -> flags.add(flag, json.get(key)));
        flags.addProperty("no-scale-embedding", !model.scaleEmbedding());
        flags.addProperty("rope-base", model.ropeBase());
        return flags;
    }

    /** The model a train config's JSON describes, for {@code vocabulary} (which decides the padding id). */
    public static GptConfig fromFlags(JsonObject trainConfig, Tokenizer vocabulary) {
        JsonObject config = new JsonObject();
        FLAGS.forEach((key, flag) -> config.add(key, trainConfig.get(flag)));
        config.addProperty("scale_embedding", !trainConfig.get("no-scale-embedding").getAsBoolean());
        config.add("rope_base", trainConfig.get("rope-base"));
        config.addProperty("vocab_size", vocabulary.size());
        config.addProperty("padding_idx", vocabulary.paddingId());
        return fromJson(config);
    }

    private static String name(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** The constant whose lower-case name is {@code name}, or null. */
    private static <E extends Enum<E>> E parse(Class<E> type, String name) {
        for (E value : type.getEnumConstants()) {
            if (name(value).equals(name)) {
                return value;
            }
        }
        return null;
    }

    private static JsonElement required(JsonObject config, String key) {
        JsonElement value = config.get(key);
        if (value == null || value.isJsonNull()) {
            throw new IllegalArgumentException(key + " is missing");
        }
        return value;
    }

    private static String string(JsonElement value) {
        return value == null || value.isJsonNull() ? null : value.getAsString();
    }
}
