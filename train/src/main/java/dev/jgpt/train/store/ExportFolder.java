package dev.jgpt.train.store;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.data.AtomicFiles;
import dev.jgpt.data.CorpusException;
import dev.jgpt.data.BytePairTokenizer;
import dev.jgpt.data.TiktokenFiles;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.TrainConfig;
import dev.jgpt.train.optim.AdamW;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * An export folder: a model in files that PyTorch users read without jgpt. {@value #MODEL} holds
 * every weight (F32) under nanoGPT's name, {@value #CONFIG} the architecture (and, from a jgpt
 * run, where training stood), {@value #VOCAB} the tokens in id order, and {@value #OPTIMIZER}
 * AdamW's moments, {@code <name>.exp_avg} and {@code <name>.exp_avg_sq}, when the run took a step.
 * README.md, "Moving to PyTorch and back", documents every key.
 */
public record ExportFolder(
        Path dir, GptConfig modelConfig, Tokenizer tokenizer, int iter, String data, String column, Boolean recordedDocuments)
        implements SavedModel {

    static final String CONFIG = "config.json";
    static final String MODEL = "model.safetensors";
    static final String OPTIMIZER = OptimizerState.FILE;
    static final String VOCAB = "vocab.json";
    static final String LATEST = "latest";
    static final String HEAD = "lm_head.weight";
    static final String TOKEN_EMBEDDING = "transformer.wte.weight";
    private static final String FORMAT = "jgpt-export-1";
    private static final Gson JSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    /**
     * Writes {@code checkpoint} as an export folder at {@code out}, which must not exist or be
     * empty; the folder appears complete or not at all.
     */
    public static void write(Checkpoint checkpoint, Path out) {
        try (NDManager manager = NDManager.newBaseManager();
                AdamW optimizer = new AdamW(checkpoint.config().beta1(), checkpoint.config().beta2(), checkpoint.config().weightDecay())) {
            writeFolder(out, ".tmp-export-", temporary -> {
                Gpt gpt = checkpoint.loadModel(manager);
                checkpoint.loadOptimizer(optimizer, gpt);
                Map<String, Parameter> named = gpt.namedParameters();
                Map<String, NDArray> weights = new LinkedHashMap<>();
                named.forEach((name, parameter) -> weights.put(name, parameter.getArray()));
                weights.putIfAbsent(HEAD, weights.get(TOKEN_EMBEDDING)); // tied: the head is the token embedding
                Safetensors.write(temporary.resolve(MODEL), weights);

                OptimizerState.write(temporary.resolve(OPTIMIZER), gpt, optimizer);
                JsonObject config = architecture(gpt.config());
                JsonObject training = new JsonObject();
                training.addProperty("iter", checkpoint.iter());
                training.addProperty("best_val_loss", checkpoint.bestValLoss());
                training.addProperty("optimizer_step", optimizer.stepCount());
                training.add("config", checkpoint.config().toJson());
                training.addProperty("documents", checkpoint.documents());
                config.add("training", training);
                writeJson(temporary.resolve(CONFIG), config);
                if (checkpoint.tokenizer() instanceof Vocabulary vocabulary) {
                    writeJson(temporary.resolve(VOCAB), vocabulary.tokens());
                } else {
                    TiktokenFiles.save((BytePairTokenizer) checkpoint.tokenizer(), temporary);
                }
            });
        }
    }

    /** What fills a new folder's temporary copy. */
    interface Contents {
        void write(Path temporary) throws IOException;
    }

    /**
     * Fills a temporary folder beside {@code out}, then moves it to {@code out}, which must not
     * exist or be empty: the folder appears complete or not at all.
     */
    static void writeFolder(Path out, String prefix, Contents contents) {
        if (Files.exists(out) && !isEmptyFolder(out)) {
            throw new CheckpointException(out + " already exists and is not an empty folder: export into a new one");
        }
        Path temporary = null;
        try {
            temporary = AtomicFiles.newTemporaryFolder(out.toAbsolutePath().getParent(), prefix);
            contents.write(temporary);
            if (Files.exists(out)) {
                Files.delete(out); // the empty folder the user named
            }
            AtomicFiles.moveFolder(temporary, out);
            temporary = null;
        } catch (IOException e) {
            throw new CheckpointException("cannot export to " + out + ": " + e.getMessage(), e);
        } finally {
            AtomicFiles.deleteQuietly(temporary);
        }
    }

    static void writeJson(Path file, Object json) throws IOException {
        AtomicFiles.writeNew(file, out -> out.write((JSON.toJson(json) + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    /** The architecture keys of config.json. */
    static JsonObject architecture(GptConfig model) {
        JsonObject config = new JsonObject();
        config.addProperty("format", FORMAT);
        ModelJson.toJson(model).entrySet().forEach(key -> config.add(key.getKey(), key.getValue()));
        return config;
    }

    /**
     * Opens and checks an export folder: its config describes a model jgpt can build, its
     * vocabulary matches it, and model.safetensors is a sound safetensors file.
     *
     * @throws CheckpointException naming the folder and the first problem found
     */
    public static ExportFolder open(Path dir) {
        JsonObject config = readJson(dir.resolve(CONFIG)).getAsJsonObject();
        if (config.has("model_type") && !config.has("format")) {
            throw new CheckpointException(dir + " is a Hugging Face folder (model_type " + config.get("model_type")
                    + "): turn it into an export folder with jgpt import --from " + dir + " --out DIR");
        }
        boolean bpe = TiktokenFiles.isIn(dir);
        Tokenizer vocabulary = bpe ? readTokenizer(dir) : readVocabulary(dir.resolve(VOCAB));
        Path vocabularyFile = dir.resolve(bpe ? TiktokenFiles.JSON_FILE : VOCAB);
        GptConfig model = model(dir.resolve(CONFIG), config);
        // nanoGPT pads GPT-2's 50,257 ids to 50,304 rows; the extra rows are never drawn.
        boolean padded = vocabulary.kind().equals("gpt2") && model.vocabSize() > vocabulary.size();
        if (model.vocabSize() != vocabulary.size() && !padded) {
            throw new CheckpointException(dir.resolve(CONFIG) + " says vocab_size " + model.vocabSize() + " but "
                    + vocabularyFile + " holds " + vocabulary.size() + " tokens");
        }
        if (!Objects.equals(model.paddingIdx(), vocabulary.paddingId())) {
            throw new CheckpointException(dir.resolve(CONFIG) + " says padding_idx " + model.paddingIdx() + " but "
                    + vocabularyFile + (vocabulary.paddingId() != null ? " has <pad> at 1" : " has no <pad> token (padding_idx must be null)"));
        }
        Safetensors.checkHeader(dir.resolve(MODEL));
        int iter = 0;
        String data = null;
        String column = null;
        Boolean documents = null;
        if (config.has("training") && config.get("training").isJsonObject()) {
            JsonObject training = config.getAsJsonObject("training");
            iter = training.has("iter") ? training.get("iter").getAsInt() : 0;
            documents = training.has("documents") && !training.get("documents").isJsonNull() ? training.get("documents").getAsBoolean() : null;
            JsonElement trainConfig = training.get("config");
            if (trainConfig != null && trainConfig.isJsonObject()) {
                data = Objects.requireNonNullElse(string(trainConfig.getAsJsonObject().get("data")), ""); // "": the built-in stories
                column = string(trainConfig.getAsJsonObject().get("column"));
            }
        }
        return new ExportFolder(dir, model, vocabulary, iter, data, column, documents);
    }

    /** As recorded in config.json's training, else guessed as for a model saved before it was recorded. */
    @Override
    public boolean documents() {
        return recordedDocuments != null ? recordedDocuments : SavedModel.super.documents();
    }

    /** Whether the {@code latest} link of the run folder {@code runDir} names an export folder, as from_nanogpt.py --out-run writes it. */
    static boolean isLatestOf(Path runDir) {
        Path latest = runDir.resolve(LATEST);
        return Files.isRegularFile(latest.resolve(CONFIG)) && !Files.exists(latest.resolve(Checkpoint.STATE));
    }

    /**
     * The latest checkpoint of {@code runDir}, to resume. When its {@code latest} link names an export
     * folder that holds where a run stood (from_nanogpt.py --out-run writes one: weights, AdamW's
     * moments and step count, the iteration, the run's settings), that is first saved as a jgpt
     * checkpoint, the corpus being {@code data} where the settings name none.
     *
     * @param data the corpus typed now, or null
     */
    public static Checkpoint resumable(Path runDir, String data) {
        if (isLatestOf(runDir)) {
            open(runDir.resolve(LATEST)).saveAsCheckpoint(runDir, data);
        }
        return CheckpointStore.open(runDir, LATEST);
    }

    private void saveAsCheckpoint(Path runDir, String data) {
        JsonElement recorded = readJson(dir.resolve(CONFIG)).getAsJsonObject().get("training");
        JsonObject training = recorded != null && recorded.isJsonObject() ? recorded.getAsJsonObject() : new JsonObject();
        if (!training.has("config") || !training.get("config").isJsonObject()) {
            throw new CheckpointException(dir.resolve(CONFIG) + " records no run to resume (no training.config)");
        }
        JsonObject settings = training.getAsJsonObject("config").deepCopy();
        if (!settings.has("data")) {
            if (data == null) {
                throw new IllegalArgumentException(runDir + " does not record the corpus it was trained on: resume with --data and that corpus");
            }
            settings.addProperty("data", data);
        }
        settings.addProperty("out-dir", runDir.toString());
        TrainConfig config = TrainConfig.fromJson(settings);
        JsonElement best = training.get("best_val_loss");
        long step = training.has("optimizer_step") ? training.get("optimizer_step").getAsLong() : 0;
        try (NDManager manager = NDManager.newBaseManager();
                AdamW optimizer = new AdamW(config.beta1(), config.beta2(), config.weightDecay())) {
            Gpt gpt = loadModel(manager);
            OptimizerState.read(dir.resolve(OPTIMIZER), gpt, optimizer, step);
            new CheckpointStore(runDir).save(iter, best == null || best.isJsonNull() ? null : best.getAsFloat(), config, tokenizer,
                    documents(), gpt, optimizer, false);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void loadWeights(Gpt gpt, NDManager manager) {
        Path file = dir.resolve(MODEL);
        Map<String, Shape> shapes = Safetensors.checkHeader(file);
        Map<String, Parameter> named = gpt.namedParameters();
        List<String> unexpected = new ArrayList<>(shapes.keySet());
        unexpected.removeAll(named.keySet());
        unexpected.remove(HEAD);
        if (!unexpected.isEmpty()) {
            throw new CheckpointException(file + " holds tensors this model does not have: " + unexpected);
        }
        for (Map.Entry<String, Parameter> entry : named.entrySet()) {
            Shape expected = entry.getValue().getArray().getShape();
            Shape shape = shapes.get(entry.getKey());
            if (shape == null) {
                throw new CheckpointException(file + " has no tensor " + entry.getKey() + " (shape " + expected + "), which " + CONFIG + " needs");
            }
            if (!shape.equals(expected)) {
                throw new CheckpointException(file + ": tensor " + entry.getKey() + " has shape " + shape + " but " + CONFIG + " needs " + expected);
            }
        }
        Map<String, NDArray> targets = new LinkedHashMap<>();
        named.forEach((name, parameter) -> targets.put(name, parameter.getArray())); // in place: each parameter keeps its gradient
        Safetensors.readInto(file, targets);
        NDArray tokenEmbedding = targets.get(TOKEN_EMBEDDING);
        if (modelConfig.tieWeights() && shapes.containsKey(HEAD)
                && !Safetensors.sameBytes(file, HEAD, tokenEmbedding.toDevice(Device.cpu(), false))) {
            throw new CheckpointException(file + ": " + HEAD + " differs from " + TOKEN_EMBEDDING + " but " + CONFIG + " says tie_weights");
        }
    }

    /** The model config.json describes, or a one-line refusal naming what jgpt cannot build. */
    private static GptConfig model(Path file, JsonObject config) {
        try {
            if (config.has("format") && !FORMAT.equals(string(config.get("format")))) {
                throw new IllegalArgumentException("format is " + config.get("format") + "; this jgpt reads " + FORMAT);
            }
            return ModelJson.fromJson(config);
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException | NullPointerException e) {
            throw new CheckpointException(file + " describes a model jgpt cannot build: " + e.getMessage(), e);
        }
    }

    private static String string(JsonElement value) {
        return value == null || value.isJsonNull() ? null : value.getAsString();
    }

    private static JsonElement readJson(Path file) {
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (file.getFileName().toString().equals(CONFIG) && !json.isJsonObject()) {
                throw new CheckpointException(file + " is not a JSON object");
            }
            return json;
        } catch (NoSuchFileException e) {
            throw new CheckpointException("export folder " + file.getParent() + " has no " + file.getFileName(), e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new CheckpointException(file + " is not valid JSON", e);
        }
    }

    private static Tokenizer readTokenizer(Path dir) {
        try {
            return TiktokenFiles.load(dir);
        } catch (CorpusException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    private static Vocabulary readVocabulary(Path file) {
        JsonElement json = readJson(file);
        if (!json.isJsonArray()) {
            throw new CheckpointException(file + " is not a JSON array of tokens");
        }
        JsonArray array = json.getAsJsonArray();
        List<String> tokens = new ArrayList<>();
        for (int id = 0; id < array.size(); id++) {
            JsonElement token = array.get(id);
            if (!token.isJsonPrimitive() || !token.getAsJsonPrimitive().isString()) {
                throw new CheckpointException(file + ": token " + id + " is " + token + ", not a string");
            }
            tokens.add(token.getAsString());
        }
        try {
            return Vocabulary.fromTokens(tokens, file.toString());
        } catch (CorpusException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    private static boolean isEmptyFolder(Path path) {
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }
}
