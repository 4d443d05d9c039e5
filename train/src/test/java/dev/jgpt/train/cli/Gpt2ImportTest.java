package dev.jgpt.train.cli;

import static dev.jgpt.train.cli.JgptCliTest.assertUserError;
import static dev.jgpt.train.cli.JgptCliTest.jgpt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.data.BytePairTokenizer;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.cli.JgptCliTest.Run;
import dev.jgpt.train.store.ExportFolder;
import dev.jgpt.train.store.Safetensors;
import dev.jgpt.train.store.SavedModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jgpt import and export --format hf against GPT-2 folders that interop/make_gpt2_fixtures.py made
 * (src/test/resources/gpt2-import): random weights in GPT-2's layout, both key styles, with the
 * logits and eval loss of an independent PyTorch forward of GPT-2 (Conv1D, tanh GELU).
 */
class Gpt2ImportTest {

    private static final Path FIXTURES = Path.of("src/test/resources/gpt2-import");
    private static final double TOLERANCE = 1e-5;

    @TempDir Path dir;

    private static JsonObject expected(String style) throws IOException {
        return JsonParser.parseString(Files.readString(FIXTURES.resolve(style).resolve("expected.json"))).getAsJsonObject();
    }

    private Path imported(String style) {
        Path out = dir.resolve("imported-" + style);
        Run run = jgpt("import", "--from", FIXTURES.resolve(style).toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bare", "prefixed"})
    void anImportGivesGpt2sLogits(String style) throws IOException {
        JsonObject expected = expected(style);
        int[] ids = ints(expected.getAsJsonArray("ids"));
        assertArrayEquals(ids, BytePairTokenizer.gpt2().ids(expected.get("text").getAsString()), "GPT-2's ids of the text");
        SavedModel model = SavedModel.open(imported(style), "latest");
        GptConfig config = model.modelConfig();
        assertEquals(GptConfig.Activation.GELU_NEW, config.activation());
        assertEquals(GptConfig.Positions.LEARNED, config.positions());
        assertTrue(config.tieWeights());
        assertFalse(config.scaleEmbedding());
        assertEquals(null, config.paddingIdx());
        assertEquals("gpt2", model.tokenizer().kind());
        int[] columns = ints(expected.getAsJsonArray("columns"));
        JsonArray logits = expected.getAsJsonArray("logits");
        JsonArray logSumExp = expected.getAsJsonArray("logsumexp");
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = model.loadModel(manager);
            int t = config.blockSize();
            NDArray tokens = manager.create(Arrays.copyOf(ids, t), new ai.djl.ndarray.types.Shape(1, t));
            NDArray out = gpt.logits(new ParameterStore(manager, false), tokens, false).get(0); // (T, vocab)
            float[] flat = out.toFloatArray();
            int vocab = config.vocabSize();
            double worst = 0;
            for (int position = 0; position < t; position++) {
                JsonArray row = logits.get(position).getAsJsonArray();
                for (int i = 0; i < columns.length; i++) {
                    worst = Math.max(worst, Math.abs(flat[position * vocab + columns[i]] - row.get(i).getAsDouble()));
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int id = 0; id < vocab; id++) {
                    max = Math.max(max, flat[position * vocab + id]);
                }
                double sum = 0;
                for (int id = 0; id < vocab; id++) {
                    sum += Math.exp(flat[position * vocab + id] - max);
                }
                worst = Math.max(worst, Math.abs(max + Math.log(sum) - logSumExp.get(position).getAsDouble()));
            }
            assertTrue(worst <= TOLERANCE, style + ": logits differ from GPT-2's forward by " + worst);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bare", "prefixed"})
    void evalOfAnImportGivesGpt2sLossOverTheSameTargets(String style) throws IOException {
        JsonObject expected = expected(style);
        Run run = jgpt("eval", "--checkpoint", imported(style).toString(), "--data", FIXTURES.resolve(style).resolve("text.txt").toString(), "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonObject result = JsonParser.parseString(run.out()).getAsJsonObject();
        assertEquals(expected.get("targets").getAsLong(), result.get("tokens").getAsLong());
        assertEquals(expected.get("loss").getAsDouble(), result.get("loss").getAsDouble(), TOLERANCE);
    }

    @Test
    void infoSampleAndInitFromTakeAnImportAndKeepItsActivation() throws IOException {
        Path imported = imported("bare");
        Run info = jgpt("info", "--checkpoint", imported.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("2 layers, 2 heads, 8 wide, block 16, learned positions, tied head, tanh GELU (gelu_new)"), info.out());
        assertTrue(info.out().contains("vocabulary    50257 tokens: gpt2"), info.out());
        Run sample = jgpt("sample", "--checkpoint", imported.toString(), "--max-new-tokens", "5", "--num-samples", "1");
        assertEquals(0, sample.exitCode(), sample.err());

        Path text = Files.writeString(dir.resolve("text.txt"), Files.readString(FIXTURES.resolve("bare/text.txt")).repeat(20));
        List<String> train = List.of("train", "--init-from", imported.toString(), "--data", text.toString(), "--prepared-dir",
                dir.resolve("prepared").toString(), "--out-dir", dir.resolve("tuned").toString(), "--batch-size", "1",
                "--max-iters", "1", "--eval-interval", "0", "--eval-iters", "1", "--no-plot");
        assertUserError(jgpt(concat(train, "--activation", "gelu")), "--activation \"gelu\" does not match");
        assertUserError(jgpt(concat(train, "--activation", "relu")), "--activation must be gelu or gelu_new, got relu");
        Run tuned = jgpt(train.toArray(String[]::new));
        assertEquals(0, tuned.exitCode(), tuned.err());
        Run tunedInfo = jgpt("info", "--checkpoint", dir.resolve("tuned").toString());
        assertTrue(tunedInfo.out().contains("tanh GELU (gelu_new)"), tunedInfo.out());

        assertUserError(jgpt("sample", "--checkpoint", FIXTURES.resolve("bare").toString()),
                "is a Hugging Face folder (model_type \"gpt2\"): turn it into an export folder with jgpt import");
    }

    private static String[] concat(List<String> args, String... more) {
        List<String> all = new java.util.ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void exportFormatHfWritesGpt2sLayoutAndImportsBackToTheSameWeights() throws IOException {
        Path first = imported("prefixed");
        Path hf = dir.resolve("hf");
        assertEquals(0, jgpt("export", "--format", "hf", "--checkpoint", first.toString(), "--out", hf.toString()).exitCode());
        // GPT2LMHeadModel's file, as the fixture holds it: the same names, shapes (Conv1D (in, out)) and bytes, less the mask buffers and the tied head.
        Path fixture = FIXTURES.resolve("prefixed/model.safetensors");
        Map<String, Safetensors.Tensor> original = Safetensors.header(fixture);
        Map<String, Safetensors.Tensor> written = Safetensors.header(hf.resolve("model.safetensors"));
        List<String> kept = original.keySet().stream().filter(name -> !name.contains(".attn.bias") && !name.contains(".attn.masked_bias")
                && !name.equals("lm_head.weight")).toList();
        assertEquals(kept.stream().sorted().toList(), written.keySet().stream().sorted().toList());
        byte[] originalBytes = Files.readAllBytes(fixture);
        byte[] writtenBytes = Files.readAllBytes(hf.resolve("model.safetensors"));
        for (String name : kept) {
            assertEquals(original.get(name).shape(), written.get(name).shape(), name);
            assertArrayEquals(slice(originalBytes, original.get(name)), slice(writtenBytes, written.get(name)), name);
        }
        JsonObject config = JsonParser.parseString(Files.readString(hf.resolve("config.json"))).getAsJsonObject();
        JsonObject fixtureConfig = JsonParser.parseString(Files.readString(FIXTURES.resolve("prefixed/config.json"))).getAsJsonObject();
        for (String key : List.of("model_type", "n_layer", "n_head", "n_embd", "n_positions", "vocab_size", "activation_function",
                "layer_norm_epsilon", "tie_word_embeddings")) {
            assertEquals(fixtureConfig.get(key), config.get(key), key); // numbers compare by value
        }
        Path back = dir.resolve("back");
        assertEquals(0, jgpt("import", "--from", hf.toString(), "--out", back.toString()).exitCode());
        assertArrayEquals(Files.readAllBytes(first.resolve("model.safetensors")), Files.readAllBytes(back.resolve("model.safetensors")));
    }

    @Test
    void anotherArchitectureIsNotExportedToHuggingFace() {
        Path run = dir.resolve("run");
        assertEquals(0, jgpt("train", "--prepared-dir", dir.resolve("prepared").toString(), "--out-dir", run.toString(), "--n-layer", "1",
                "--n-head", "1", "--n-embd", "8", "--block-size", "8", "--batch-size", "2", "--max-iters", "1", "--eval-interval", "0",
                "--eval-iters", "1", "--no-plot").exitCode());
        assertUserError(jgpt("export", "--format", "hf", "--checkpoint", run.toString(), "--out", dir.resolve("hf").toString()),
                "is not GPT-2's architecture: a run trained with --positions learned --no-scale-embedding --tokenizer gpt2");
        assertFalse(Files.exists(dir.resolve("hf")));
    }

    @Test
    void whatIsNotGpt2InSafetensorsIsRefusedInOneLine() throws IOException {
        Path llama = copy("bare", "llama");
        editConfig(llama, config -> config.addProperty("model_type", "llama"));
        assertRefused(llama, "says model_type llama; jgpt imports GPT-2 (model_type gpt2) only");

        Path pickle = copy("bare", "pickle");
        Files.move(pickle.resolve("model.safetensors"), pickle.resolve("pytorch_model.bin"));
        assertRefused(pickle, "holds only pytorch_model.bin: jgpt reads safetensors, never pickle");

        Path misShaped = copy("bare", "mis-shaped");
        editHeader(misShaped, header -> header.getAsJsonObject("h.1.mlp.c_fc.weight").add("shape", JsonParser.parseString("[32, 8]")));
        assertRefused(misShaped, "tensor h.1.mlp.c_fc.weight has shape (32, 8) but");

        Path missing = copy("bare", "missing");
        editHeader(missing, header -> header.add("h.0.ln_2.renamed", header.remove("h.0.ln_2.bias")));
        assertRefused(missing, "has no tensor h.0.ln_2.bias (shape (8))");

        Path wider = copy("bare", "wider");
        editConfig(wider, config -> config.addProperty("n_embd", 16));
        assertRefused(wider, "tensor wte.weight has shape (50257, 8) but");

        Path deeper = copy("bare", "shallower");
        editConfig(deeper, config -> config.addProperty("n_layer", 1));
        assertRefused(deeper, "(n_layer 1) has no place for, the first h.1.");

        Path untied = copy("prefixed", "untied");
        changeFirstValue(untied, "lm_head.weight");
        assertRefused(untied, "lm_head.weight differs from wte.weight but");
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void anUntiedHeadIsImportedUntiedWhenTheConfigSaysSo() throws IOException {
        Path untied = copy("prefixed", "untied");
        editConfig(untied, config -> config.addProperty("tie_word_embeddings", false));
        changeFirstValue(untied, "lm_head.weight");
        Path out = dir.resolve("out");
        assertEquals(0, jgpt("import", "--from", untied.toString(), "--out", out.toString()).exitCode());
        assertFalse(SavedModel.open(out, "latest").modelConfig().tieWeights());
        Map<String, Safetensors.Tensor> tensors = Safetensors.header(out.resolve("model.safetensors"));
        byte[] bytes = Files.readAllBytes(out.resolve("model.safetensors"));
        assertFalse(Arrays.equals(slice(bytes, tensors.get("lm_head.weight")), slice(bytes, tensors.get("transformer.wte.weight"))));

        Path hf = dir.resolve("hf");
        assertEquals(0, jgpt("export", "--format", "hf", "--checkpoint", out.toString(), "--out", hf.toString()).exitCode());
        assertTrue(Files.readString(hf.resolve("config.json")).contains("\"tie_word_embeddings\": false"));
        assertTrue(Safetensors.header(hf.resolve("model.safetensors")).containsKey("lm_head.weight"));
        Path back = dir.resolve("back");
        assertEquals(0, jgpt("import", "--from", hf.toString(), "--out", back.toString()).exitCode());
        assertArrayEquals(bytes, Files.readAllBytes(back.resolve("model.safetensors")));
    }

    private void assertRefused(Path from, String expected) {
        assertUserError(jgpt("import", "--from", from.toString(), "--out", dir.resolve("out").toString()), expected);
    }

    private Path copy(String style, String name) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(name));
        for (String file : List.of("config.json", "model.safetensors")) {
            Files.copy(FIXTURES.resolve(style).resolve(file), folder.resolve(file));
        }
        return folder;
    }

    private static void editConfig(Path folder, Consumer<JsonObject> edit) throws IOException {
        JsonObject config = JsonParser.parseString(Files.readString(folder.resolve("config.json"))).getAsJsonObject();
        edit.accept(config);
        Files.writeString(folder.resolve("config.json"), config.toString());
    }

    /** Rewrites the safetensors header of the folder's model after {@code edit}; offsets count from the data, so the data stays. */
    private static void editHeader(Path folder, Consumer<JsonObject> edit) throws IOException {
        Path file = folder.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        int length = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(bytes, 8, length, StandardCharsets.UTF_8)).getAsJsonObject();
        edit.accept(header);
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + bytes.length - 8 - length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(bytes, 8 + length, bytes.length - 8 - length);
        Files.write(file, out.array());
    }

    /** Adds 1 to the first value of tensor {@code name} in the folder's model: a head that differs from wte. */
    private static void changeFirstValue(Path folder, String name) throws IOException {
        Path file = folder.resolve("model.safetensors");
        long at = Safetensors.header(file).get(name).begin();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer value = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(value, at);
            float changed = value.getFloat(0) + 1;
            channel.write(value.clear().putFloat(changed).flip(), at);
        }
    }

    private static byte[] slice(byte[] file, Safetensors.Tensor tensor) {
        return Arrays.copyOfRange(file, (int) tensor.begin(), (int) tensor.end());
    }

    private static int[] ints(JsonArray array) {
        int[] values = new int[array.size()];
        int i = 0;
        for (JsonElement value : array) {
            values[i++] = value.getAsInt();
        }
        return values;
    }
}
