package dev.jgpt.train.store;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.data.BytePairTokenizer;
import dev.jgpt.data.TiktokenFiles;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GPT-2 in Hugging Face's layout, both ways: {@code config.json} (model_type gpt2) and {@code
 * model.safetensors}. Its tensor names are nanoGPT's (jgpt's) with or without the {@code
 * transformer.} prefix; its four Conv1D weights per block are stored (in, out), the transpose of a
 * Linear's; the head is wte unless {@code tie_word_embeddings} is false. In jgpt terms GPT-2 is
 * learned positions, an unscaled embedding without padding id, biases, LayerNorm eps 1e-5, the
 * {@code gpt2} tokenizer and gelu_new. Both directions stream one tensor at a time: no second copy
 * of the weights is ever held.
 */
public final class HuggingFaceGpt2 {

    static final String PICKLE = "pytorch_model.bin";
    private static final String PREFIX = "transformer.";
    private static final double LAYER_NORM_EPS = 1e-5;
    private static final List<String> CONV1D = List.of("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight");

    private HuggingFaceGpt2() {}

    /**
     * Writes the GPT-2 folder {@code from} as a jgpt export folder at {@code out} (which must not
     * exist or be empty; it appears complete or not at all), and opens it.
     *
     * @throws CheckpointException in one line for another model type, a folder without
     *     model.safetensors, a config jgpt cannot build, a missing or mis-shaped tensor, or a config
     *     that disagrees with the weights
     */
    public static ExportFolder importFolder(Path from, Path out) {
        Path configFile = from.resolve(ExportFolder.CONFIG);
        Path weightsFile = from.resolve(ExportFolder.MODEL);
        if (!Files.isDirectory(from)) {
            throw new CheckpointException(from + " is not a folder: name a Hugging Face GPT-2 folder (config.json, model.safetensors)");
        }
        JsonObject config = readConfig(configFile);
        String type = config.has("model_type") ? config.get("model_type").getAsString() : null;
        if (!"gpt2".equals(type)) {
            throw new CheckpointException(configFile + " says model_type " + type + "; jgpt imports GPT-2 (model_type gpt2) only");
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new CheckpointException(Files.isRegularFile(from.resolve(PICKLE))
                    ? from + " holds only " + PICKLE + ": jgpt reads safetensors, never pickle; convert it to model.safetensors first (docs/gpt2.md shows how)"
                    : from + " has no " + ExportFolder.MODEL);
        }
        GptConfig model = modelOf(configFile, config);
        Map<String, Safetensors.Tensor> stored = byJgptName(weightsFile, Safetensors.header(weightsFile));
        Map<String, Shape> expected = hfShapes(model);
        for (Map.Entry<String, Shape> tensor : expected.entrySet()) {
            Safetensors.Tensor found = stored.get(tensor.getKey());
            String name = hfName(tensor.getKey());
            if (found == null) {
                throw new CheckpointException(weightsFile + " has no tensor " + name + " (shape " + tensor.getValue() + ")");
            }
            if (!found.dtype().equals("F32")) {
                throw new CheckpointException(weightsFile + ": tensor " + name + " is " + found.dtype() + "; jgpt imports F32 only");
            }
            if (!found.shape().equals(tensor.getValue())) {
                throw new CheckpointException(weightsFile + ": tensor " + name + " has shape " + found.shape() + " but " + configFile
                        + String.format(Locale.ROOT, " (n_layer %d, n_head %d, n_embd %d, n_positions %d, vocab_size %d) needs ",
                                model.nLayer(), model.nHead(), model.nEmbd(), model.blockSize(), model.vocabSize())
                        + tensor.getValue());
            }
        }
        List<String> unplaced = stored.keySet().stream()
                .filter(name -> !expected.containsKey(name) && !name.equals(ExportFolder.HEAD)) // a tied head is checked below
                .toList();
        if (!unplaced.isEmpty()) {
            throw new CheckpointException(weightsFile + " holds " + unplaced.size() + " tensor(s) " + configFile + " (n_layer "
                    + model.nLayer() + ") has no place for, the first " + hfName(unplaced.get(0)));
        }
        try (FileChannel in = FileChannel.open(weightsFile, StandardOpenOption.READ)) {
            Safetensors.Tensor head = stored.get(ExportFolder.HEAD);
            if (model.tieWeights() && head != null && !head.shape().equals(expected.get(ExportFolder.TOKEN_EMBEDDING))) {
                throw new CheckpointException(weightsFile + ": tensor lm_head.weight has shape " + head.shape() + " but wte.weight's is "
                        + expected.get(ExportFolder.TOKEN_EMBEDDING));
            }
            if (model.tieWeights() && head != null
                    && !sameBytes(in, stored.get(ExportFolder.HEAD), stored.get(ExportFolder.TOKEN_EMBEDDING))) {
                throw new CheckpointException(weightsFile + ": lm_head.weight differs from wte.weight but " + configFile
                        + " says tie_word_embeddings (true unless set): set it to false to import the head as it is");
            }
            Map<String, Shape> shapes = new LinkedHashMap<>();
            expected.forEach((name, shape) -> shapes.put(name, isConv1D(name) ? transposed(shape) : shape));
            shapes.putIfAbsent(ExportFolder.HEAD, shapes.get(ExportFolder.TOKEN_EMBEDDING)); // tied: the head is wte, as ExportFolder writes it
            writeExport(out, model, temporary -> {
                try (SafetensorsStream written = new SafetensorsStream(temporary.resolve(ExportFolder.MODEL), shapes)) {
                    for (String name : shapes.keySet()) {
                        Safetensors.Tensor tensor = stored.getOrDefault(name, stored.get(ExportFolder.TOKEN_EMBEDDING));
                        if (isConv1D(name)) {
                            written.write(name, transpose(read(in, tensor), tensor.shape()));
                        } else {
                            written.copy(name, in, tensor.begin(), tensor.end());
                        }
                    }
                }
            });
        } catch (IOException e) {
            throw new CheckpointException("cannot import " + from + " to " + out + ": " + e.getMessage(), e);
        }
        return ExportFolder.open(out);
    }

    /**
     * Writes {@code saved} as a GPT-2 folder in Hugging Face's layout at {@code out} (which must
     * not exist or be empty): config.json and model.safetensors with GPT2LMHeadModel's names.
     *
     * @throws CheckpointException in one line when its architecture or tokenizer is not GPT-2's,
     *     naming the flags that would make it so
     */
    public static void export(SavedModel saved, Path out) {
        GptConfig model = saved.modelConfig();
        List<String> needed = new ArrayList<>();
        if (model.positions() != GptConfig.Positions.LEARNED) {
            needed.add("--positions learned");
        }
        if (model.scaleEmbedding()) {
            needed.add("--no-scale-embedding");
        }
        if (!saved.tokenizer().kind().equals("gpt2")) {
            needed.add("--tokenizer gpt2");
        }
        if (!needed.isEmpty()) {
            throw new CheckpointException(saved.dir() + " is not GPT-2's architecture: a run trained with " + String.join(" ", needed)
                    + " (and --tie-weights, --activation gelu_new as GPT-2 has them) exports to Hugging Face");
        }
        Map<String, Shape> shapes = hfShapes(model); // GPT2LMHeadModel's names are jgpt's
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = saved.loadModel(manager);
            Map<String, Parameter> named = gpt.namedParameters();
            ExportFolder.writeFolder(out, ".tmp-hf-", temporary -> {
                ExportFolder.writeJson(temporary.resolve(ExportFolder.CONFIG), hfConfig(model));
                try (SafetensorsStream written = new SafetensorsStream(temporary.resolve(ExportFolder.MODEL), shapes)) {
                    for (Map.Entry<String, Shape> tensor : shapes.entrySet()) {
                        String name = tensor.getKey();
                        ByteBuffer bytes = named.get(name).getArray().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                        // Conv1D (in, out) is the transpose of jgpt's (out, in), whose shape is the transpose of the file's.
                        written.write(name, isConv1D(name) ? transpose(bytes, transposed(tensor.getValue())) : bytes);
                    }
                }
            });
        }
    }

    /** The model {@code config} (GPT-2's keys) describes in jgpt's terms, or a one-line refusal. */
    private static GptConfig modelOf(Path file, JsonObject config) {
        try {
            int nEmbd = integer(config, "n_embd");
            double eps = config.has("layer_norm_epsilon") ? config.get("layer_norm_epsilon").getAsDouble() : LAYER_NORM_EPS;
            if (Math.abs(eps - LAYER_NORM_EPS) > 1e-12) {
                throw new IllegalArgumentException("layer_norm_epsilon is " + eps + "; jgpt's LayerNorm has GPT-2's 1e-5");
            }
            JsonElement inner = config.get("n_inner");
            if (inner != null && !inner.isJsonNull() && inner.getAsInt() != 4 * nEmbd) {
                throw new IllegalArgumentException("n_inner is " + inner + "; jgpt's MLP is 4 * n_embd = " + 4 * nEmbd + " wide");
            }
            String activation = config.has("activation_function") ? config.get("activation_function").getAsString() : "gelu_new";
            GptConfig.Activation kind = switch (activation) {
                case "gelu_new", "gelu_pytorch_tanh" -> GptConfig.Activation.GELU_NEW;
                case "gelu" -> GptConfig.Activation.GELU;
                default -> throw new IllegalArgumentException("activation_function is " + activation + "; jgpt has gelu and gelu_new");
            };
            refuseIfTrue(config, "scale_attn_by_inverse_layer_idx");
            refuseIfTrue(config, "add_cross_attention");
            if (config.has("scale_attn_weights") && !config.get("scale_attn_weights").getAsBoolean()) {
                throw new IllegalArgumentException("scale_attn_weights is false; jgpt's attention divides by sqrt(head size)");
            }
            int vocabSize = integer(config, "vocab_size");
            int gpt2Ids = BytePairTokenizer.gpt2().size();
            if (vocabSize < gpt2Ids) {
                throw new IllegalArgumentException("vocab_size is " + vocabSize + ", fewer than the " + gpt2Ids + " ids of GPT-2's tokenizer");
            }
            boolean tied = !config.has("tie_word_embeddings") || config.get("tie_word_embeddings").getAsBoolean();
            float dropout = config.has("resid_pdrop") ? config.get("resid_pdrop").getAsFloat() : 0f;
            return new GptConfig(vocabSize, integer(config, "n_positions"), integer(config, "n_layer"), integer(config, "n_head"), nEmbd,
                    dropout, GptConfig.Positions.LEARNED, tied, false, null, GptConfig.Init.GPT2, GptConfig.DEFAULT_ROPE_BASE, kind);
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException | ClassCastException e) {
            throw new CheckpointException(file + " describes a GPT-2 jgpt cannot build: " + e.getMessage(), e);
        }
    }

    /** config.json as transformers writes it for GPT2LMHeadModel. */
    private static JsonObject hfConfig(GptConfig model) {
        JsonObject config = new JsonObject();
        config.addProperty("model_type", "gpt2");
        config.add("architectures", JsonParser.parseString("[\"GPT2LMHeadModel\"]"));
        config.addProperty("vocab_size", model.vocabSize());
        config.addProperty("n_positions", model.blockSize());
        config.addProperty("n_ctx", model.blockSize());
        config.addProperty("n_embd", model.nEmbd());
        config.addProperty("n_layer", model.nLayer());
        config.addProperty("n_head", model.nHead());
        config.add("n_inner", null);
        config.addProperty("activation_function", model.activation().label());
        config.addProperty("layer_norm_epsilon", LAYER_NORM_EPS);
        config.addProperty("resid_pdrop", model.dropout());
        config.addProperty("embd_pdrop", model.dropout());
        config.addProperty("attn_pdrop", model.dropout());
        config.addProperty("initializer_range", 0.02);
        config.addProperty("scale_attn_weights", true);
        config.addProperty("tie_word_embeddings", model.tieWeights());
        int endOfText = BytePairTokenizer.gpt2().documentEnd();
        config.addProperty("bos_token_id", endOfText);
        config.addProperty("eos_token_id", endOfText);
        return config;
    }

    /**
     * Every tensor of GPT-2 under jgpt's name, with its shape in Hugging Face's file (Conv1D
     * weights (in, out)), in nanoGPT's order; lm_head.weight only when untied.
     */
    private static Map<String, Shape> hfShapes(GptConfig model) {
        long c = model.nEmbd();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(ExportFolder.TOKEN_EMBEDDING, new Shape(model.vocabSize(), c));
        shapes.put(PREFIX + "wpe.weight", new Shape(model.blockSize(), c));
        for (int layer = 0; layer < model.nLayer(); layer++) {
            String h = PREFIX + "h." + layer + ".";
            shapes.put(h + "ln_1.weight", new Shape(c));
            shapes.put(h + "ln_1.bias", new Shape(c));
            shapes.put(h + "attn.c_attn.weight", new Shape(c, 3 * c));
            shapes.put(h + "attn.c_attn.bias", new Shape(3 * c));
            shapes.put(h + "attn.c_proj.weight", new Shape(c, c));
            shapes.put(h + "attn.c_proj.bias", new Shape(c));
            shapes.put(h + "ln_2.weight", new Shape(c));
            shapes.put(h + "ln_2.bias", new Shape(c));
            shapes.put(h + "mlp.c_fc.weight", new Shape(c, 4 * c));
            shapes.put(h + "mlp.c_fc.bias", new Shape(4 * c));
            shapes.put(h + "mlp.c_proj.weight", new Shape(4 * c, c));
            shapes.put(h + "mlp.c_proj.bias", new Shape(c));
        }
        shapes.put(PREFIX + "ln_f.weight", new Shape(c));
        shapes.put(PREFIX + "ln_f.bias", new Shape(c));
        if (!model.tieWeights()) {
            shapes.put(ExportFolder.HEAD, new Shape(model.vocabSize(), c));
        }
        return shapes;
    }

    /**
     * The file's tensors under jgpt's names (transformer. added where missing), the attention mask
     * buffers (attn.bias, attn.masked_bias) left out.
     */
    private static Map<String, Safetensors.Tensor> byJgptName(Path file, Map<String, Safetensors.Tensor> tensors) {
        Map<String, Safetensors.Tensor> named = new LinkedHashMap<>();
        tensors.forEach((name, tensor) -> {
            if (name.matches("(transformer\\.)?h\\.\\d+\\.attn\\.(masked_)?bias")) {
                return;
            }
            String jgptName = name.startsWith(PREFIX) || name.equals(ExportFolder.HEAD) ? name : PREFIX + name;
            if (named.put(jgptName, tensor) != null) {
                throw new CheckpointException(file + " holds " + hfName(jgptName) + " both with and without the transformer. prefix");
            }
        });
        return named;
    }

    /** The name as GPT-2's own file has it (no prefix), for messages. */
    private static String hfName(String jgptName) {
        return jgptName.startsWith(PREFIX) ? jgptName.substring(PREFIX.length()) : jgptName;
    }

    private static boolean isConv1D(String name) {
        return CONV1D.stream().anyMatch(name::endsWith);
    }

    private static Shape transposed(Shape shape) {
        return new Shape(shape.get(1), shape.get(0));
    }

    /** The little-endian F32 bytes of a (rows, columns) matrix, transposed to (columns, rows). */
    private static ByteBuffer transpose(ByteBuffer bytes, Shape shape) {
        int rows = (int) shape.get(0);
        int columns = (int) shape.get(1);
        FloatBuffer from = bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        ByteBuffer result = littleEndian(rows * columns);
        FloatBuffer to = result.asFloatBuffer();
        for (int row = 0; row < rows; row++) {
            for (int column = 0; column < columns; column++) {
                to.put(column * rows + row, from.get(row * columns + column));
            }
        }
        return result;
    }

    private static ByteBuffer littleEndian(int floats) {
        return ByteBuffer.allocate(Math.multiplyExact(floats, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer read(FileChannel in, Safetensors.Tensor tensor) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(tensor.end() - tensor.begin()));
        while (bytes.hasRemaining()) {
            if (in.read(bytes, tensor.begin() + bytes.position()) < 0) {
                throw new IOException("the file ends inside a tensor");
            }
        }
        return bytes.flip();
    }

    /** Whether two tensors of the file hold the same bytes, compared a block at a time. */
    private static boolean sameBytes(FileChannel in, Safetensors.Tensor a, Safetensors.Tensor b) throws IOException {
        if (!a.shape().equals(b.shape()) || !a.dtype().equals(b.dtype())) {
            return false;
        }
        long block = 1 << 20;
        for (long at = 0; at < a.end() - a.begin(); at += block) {
            long length = Math.min(block, a.end() - a.begin() - at);
            if (!read(in, new Safetensors.Tensor(a.dtype(), a.shape(), a.begin() + at, a.begin() + at + length))
                    .equals(read(in, new Safetensors.Tensor(b.dtype(), b.shape(), b.begin() + at, b.begin() + at + length)))) {
                return false;
            }
        }
        return true;
    }

    /** An export folder of {@code model} with the gpt2 tokenizer, whose weights {@code weights} writes. */
    private static void writeExport(Path out, GptConfig model, ExportFolder.Contents weights) {
        ExportFolder.writeFolder(out, ".tmp-import-", temporary -> {
            ExportFolder.writeJson(temporary.resolve(ExportFolder.CONFIG), ExportFolder.architecture(model));
            TiktokenFiles.save(BytePairTokenizer.gpt2(), temporary);
            weights.write(temporary);
        });
    }

    private static JsonObject readConfig(Path file) {
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!json.isJsonObject()) {
                throw new CheckpointException(file + " is not a JSON object");
            }
            return json.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file.getParent() + " has no config.json: name a Hugging Face GPT-2 folder (config.json, model.safetensors)", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new CheckpointException(file + " is not valid JSON", e);
        }
    }

    private static int integer(JsonObject config, String key) {
        JsonElement value = config.get(key);
        if (value == null || value.isJsonNull()) {
            throw new IllegalArgumentException(key + " is missing");
        }
        return value.getAsInt();
    }

    private static void refuseIfTrue(JsonObject config, String key) {
        if (config.has(key) && config.get(key).getAsBoolean()) {
            throw new IllegalArgumentException(key + " is true; jgpt builds GPT-2 without it");
        }
    }
}
