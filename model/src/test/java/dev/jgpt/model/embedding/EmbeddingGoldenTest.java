package dev.jgpt.model.embedding;

import static dev.jgpt.model.embedding.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs PyTorch-computed golden cases (format: model/GOLDEN.md) against the embedding
 * layers: the bundled copy always, and every *.json in $EMBEDDING_GOLDEN_DIR when it is set.
 */
class EmbeddingGoldenTest {

    private static final double TOLERANCE = 1e-5;
    private static final double LOSS_TOLERANCE = 1e-4;

    @TestFactory
    Stream<DynamicTest> bundledCases() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/golden/embedding_cases.json")) {
            List<DynamicTest> tests = casesOf("embedding_cases.json", new InputStreamReader(in, StandardCharsets.UTF_8));
            assertFalse(tests.isEmpty(), "the bundled golden file holds no case");
            return tests.stream();
        }
    }

    @TestFactory
    Stream<DynamicTest> casesFromGoldenDir() throws IOException {
        String dir = System.getenv("EMBEDDING_GOLDEN_DIR");
        Assumptions.assumeTrue(dir != null && !dir.isEmpty(), "EMBEDDING_GOLDEN_DIR is not set");
        Path folder = Path.of(dir);
        assertTrue(Files.isDirectory(folder), "EMBEDDING_GOLDEN_DIR=" + dir + " is not a directory");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    tests.addAll(casesOf(file.getFileName().toString(), reader));
                }
            }
        }
        assertFalse(tests.isEmpty(), "EMBEDDING_GOLDEN_DIR=" + dir + " holds no golden case");
        return tests.stream();
    }

    /**
     * The harness must not pass what PyTorch did not compute: each bundled case, corrupted in one
     * expected number (a finite value moved, a NaN made finite, an inf flipped, a finite value made
     * NaN), fails.
     */
    @TestFactory
    Stream<DynamicTest> corruptedCasesFail() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonObject golden : bundled()) {
            for (String field : golden.keySet()) {
                if (!field.startsWith("expected_") || field.endsWith("_shape") || field.equals("expected_error")) {
                    continue;
                }
                for (Corruption corruption : Corruption.values()) {
                    JsonObject corrupted = golden.deepCopy();
                    if (corruption.apply(corrupted, field)) {
                        String name = golden.get("name").getAsString() + ", " + field + " " + corruption;
                        tests.add(DynamicTest.dynamicTest(name, () -> assertThrows(AssertionError.class, () -> run(corrupted))));
                    }
                }
            }
        }
        assertTrue(tests.size() > 100, "too few corruptions: " + tests.size());
        return tests.stream();
    }

    /** One way to spoil an expected number; each applies where the field holds such a number. */
    private enum Corruption {
        FINITE_MOVED(v -> Double.isFinite(v), v -> v + 1e-3 + Math.abs(v) * 1e-3),
        NAN_MADE_FINITE(v -> Double.isNaN(v), v -> 0.0),
        INF_FLIPPED(v -> Double.isInfinite(v), v -> -v),
        FINITE_MADE_NAN(v -> Double.isFinite(v), v -> Double.NaN);

        private final java.util.function.DoublePredicate applies;
        private final java.util.function.DoubleUnaryOperator change;

        Corruption(java.util.function.DoublePredicate applies, java.util.function.DoubleUnaryOperator change) {
            this.applies = applies;
            this.change = change;
        }

        /** Changes the first number of {@code field} this applies to; false if there is none. */
        boolean apply(JsonObject golden, String field) {
            JsonElement changed = changeFirst(golden.get(field));
            if (changed == null) {
                return false;
            }
            golden.add(field, changed);
            return true;
        }

        private JsonElement changeFirst(JsonElement element) {
            if (element.isJsonArray()) {
                com.google.gson.JsonArray copy = element.getAsJsonArray().deepCopy();
                for (int i = 0; i < copy.size(); i++) {
                    JsonElement changed = changeFirst(copy.get(i));
                    if (changed != null) {
                        copy.set(i, changed);
                        return copy;
                    }
                }
                return null;
            }
            double value = Json.number(element);
            return applies.test(value) ? new com.google.gson.JsonPrimitive(change.applyAsDouble(value)) : null;
        }
    }

    private List<JsonObject> bundled() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/golden/embedding_cases.json")) {
            JsonObject root = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
            List<JsonObject> cases = new ArrayList<>();
            root.getAsJsonArray("cases").forEach(element -> cases.add(element.getAsJsonObject()));
            return cases;
        }
    }

    private List<DynamicTest> casesOf(String file, Reader reader) {
        // Python writes an infinite norm_type as the bare word Infinity: parse leniently.
        JsonObject root = JsonParser.parseReader(reader).getAsJsonObject();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement element : root.getAsJsonArray("cases")) {
            JsonObject golden = element.getAsJsonObject();
            String name = file + ": " + golden.get("kind").getAsString() + " " + golden.get("name").getAsString();
            tests.add(DynamicTest.dynamicTest(name, () -> run(golden)));
        }
        return tests;
    }

    private void run(JsonObject golden) {
        switch (golden.get("kind").getAsString()) {
            case "embedding" -> {
                embedding(golden, DataType.INT64);
                embedding(golden, DataType.INT32);
            }
            case "error" -> error(golden);
            case "from_pretrained" -> fromPretrained(golden);
            case "token_embedding" -> tokenEmbedding(golden);
            case "positional_encoding" -> positionalEncoding(golden);
            case "one_hot_linear" -> oneHotLinear(golden);
            case "sgd_train" -> sgdTrain(golden);
            default -> fail("unknown golden case kind " + golden.get("kind"));
        }
    }

    private void embedding(JsonObject golden, DataType indexType) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Embedding embedding = builderOf(golden).build();
            Shape inputShape = Json.shape(golden, "input_shape", "input");
            NDArray input = Json.indices(manager, golden.get("input"), inputShape, indexType);
            initialize(embedding, manager, golden.get("weight"), inputShape);

            NDArray output = forwardChecked(embedding, manager, input, golden);
            String what = golden.get("name").getAsString() + " (" + indexType + " indices)";
            assertClose(
                    Json.floats(golden.get("expected_output")),
                    output,
                    Json.shape(golden, "expected_output_shape", "expected_output"),
                    TOLERANCE,
                    what + ": output");
            assertClose(
                    Json.floats(golden.get("expected_weight_after_forward")),
                    embedding.getWeight().getArray().toFloatArray(),
                    TOLERANCE,
                    what + ": weight after forward");
            if (golden.has("grad_output")) {
                assertClose(
                        Json.floats(golden.get("expected_weight_grad")),
                        embedding.getWeight().getArray().getGradient().toFloatArray(),
                        TOLERANCE,
                        what + ": weight gradient");
            }
        }
    }

    private void error(JsonObject golden) {
        try (NDManager manager = NDManager.newBaseManager()) {
            String expected = golden.get("expected_error").getAsString();
            Shape shape = Json.shape(golden, "input_shape", "input");
            NDArray input =
                    golden.get("input_is_float").getAsBoolean()
                            ? Json.floatArray(manager, golden.get("input"), shape)
                            : Json.indices(manager, golden.get("input"), shape, DataType.INT64);
            RuntimeException error =
                    assertThrows(
                            RuntimeException.class,
                            () -> {
                                Embedding embedding = builderOf(golden).build();
                                embedding.initialize(manager, DataType.FLOAT32, shape);
                                embedding.forward(new ParameterStore(manager, false), new NDList(input), false);
                            });
            String message = error.getMessage();
            switch (expected) {
                case "index_out_of_range" -> {
                    assertTrue(error instanceof IndexOutOfBoundsException, message);
                    long bad = firstOutOfRange(input.toLongArray(), golden.get("num_embeddings").getAsInt());
                    assertTrue(message.contains("index " + bad + " "), message);
                    assertTrue(message.contains("[0, " + golden.get("num_embeddings").getAsInt() + ")"), message);
                }
                case "integer_indices_required" -> {
                    assertTrue(error instanceof IllegalArgumentException, message);
                    assertTrue(message.contains("int32 or int64") && message.contains("float32"), message);
                }
                case "padding_idx_out_of_range" -> {
                    assertTrue(error instanceof IllegalArgumentException, message);
                    assertTrue(message.contains("padding_idx " + golden.get("padding_idx").getAsInt()), message);
                }
                default -> fail("unknown expected_error " + expected);
            }
        }
    }

    private static long firstOutOfRange(long[] ids, int numEmbeddings) {
        for (long id : ids) {
            if (id < 0 || id >= numEmbeddings) {
                return id;
            }
        }
        throw new AssertionError("the case has no index out of range");
    }

    private void fromPretrained(JsonObject golden) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray matrix = Json.floatArray(manager, golden.get("weight"));
            boolean freeze = golden.get("freeze").getAsBoolean();
            Embedding embedding =
                    withOptions(Embedding.builder(), golden).fromPretrained(matrix, freeze);
            Shape inputShape = Json.shape(golden, "input_shape", "input");
            NDArray input = Json.indices(manager, golden.get("input"), inputShape, DataType.INT64);
            embedding.initialize(manager, DataType.FLOAT32, inputShape);
            assertEquals(golden.get("weight_requires_grad").getAsBoolean(), embedding.getWeight().requiresGradient());
            assertEquals(!freeze, embedding.getWeight().getArray().hasGradient());

            assertMatchesGolden(golden, forwardChecked(embedding, manager, input, golden), embedding.getWeight());
            if (!golden.has("expected_weight_after_forward")
                    && (!golden.has("max_norm") || golden.get("max_norm").isJsonNull())) {
                // The padding row is kept as given, not zeroed.
                assertArrayEquals(matrix.toFloatArray(), embedding.getWeight().getArray().toFloatArray(), "weight");
            }
        }
    }

    private void tokenEmbedding(JsonObject golden) {
        try (NDManager manager = NDManager.newBaseManager()) {
            TokenEmbedding embedding =
                    withOptions(
                                    new TokenEmbedding.Builder()
                                            .setNumEmbeddings(golden.get("num_embeddings").getAsInt())
                                            .setEmbeddingDim(golden.get("d_model").getAsInt()),
                                    golden)
                            .build();
            assertEquals(golden.get("padding_idx").getAsInt(), embedding.getPaddingIdx());
            Shape inputShape = Json.shape(golden, "input_shape", "input");
            NDArray input = Json.indices(manager, golden.get("input"), inputShape, DataType.INT64);
            initialize(embedding, manager, golden.get("weight"), inputShape);

            assertMatchesGolden(golden, forwardChecked(embedding, manager, input, golden), embedding.getWeight());
        }
    }

    /** The output, the weight after forward (when the case gives it) and the weight's gradient (likewise). */
    private static void assertMatchesGolden(JsonObject golden, NDArray output, Parameter weight) {
        assertClose(
                Json.floats(golden.get("expected_output")),
                output,
                Json.shape(golden, "expected_output_shape", "expected_output"),
                TOLERANCE,
                "output");
        if (golden.has("expected_weight_after_forward")) {
            assertClose(
                    Json.floats(golden.get("expected_weight_after_forward")),
                    weight.getArray().toFloatArray(),
                    TOLERANCE,
                    "weight after forward");
        }
        if (golden.has("grad_output")) {
            assertClose(
                    Json.floats(golden.get("expected_weight_grad")),
                    weight.getArray().getGradient().toFloatArray(),
                    TOLERANCE,
                    "weight gradient");
        }
    }

    private void positionalEncoding(JsonObject golden) {
        try (NDManager manager = NDManager.newBaseManager()) {
            int dModel = golden.get("d_model").getAsInt();
            int seqLen = golden.get("seq_len").getAsInt();
            SinusoidalPositionalEncoding encoding =
                    new SinusoidalPositionalEncoding(golden.get("max_len").getAsInt(), dModel);
            NDArray tokens = manager.zeros(new Shape(2, seqLen), DataType.INT64);
            NDArray output = encoding.forward(new ParameterStore(manager, false), new NDList(tokens), false).singletonOrThrow();
            assertClose(
                    Json.floats(golden.get("expected_output")),
                    output,
                    new Shape(seqLen, dModel),
                    TOLERANCE,
                    "table");
        }
    }

    private void oneHotLinear(JsonObject golden) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray weight = Json.floatArray(manager, golden.get("weight"));
            int vocab = (int) weight.getShape().get(0);
            int dim = (int) weight.getShape().get(1);
            Shape inputShape = Json.shape(golden, "input_shape", "input");
            NDArray input = Json.indices(manager, golden.get("input"), inputShape, DataType.INT64);
            NDArray oneHot = input.oneHot(vocab);
            assertClose(
                    Json.floats(golden.get("expected_one_hot")),
                    oneHot,
                    inputShape.add(vocab),
                    0,
                    "one_hot");

            Linear linear = Linear.builder().setUnits(dim).optBias(false).build();
            linear.initialize(manager, DataType.FLOAT32, oneHot.getShape());
            linear.getParameters().get("weight").getArray().set(FloatBuffer.wrap(weight.transpose().toFloatArray()));
            Embedding embedding = Embedding.fromPretrained(weight, false);
            embedding.initialize(manager, DataType.FLOAT32, inputShape);

            NDArray gradOutput = Json.floatArray(manager, golden.get("grad_output"));
            NDArray viaLinear = forwardWithGradient(linear, manager, oneHot, gradOutput);
            NDArray viaEmbedding = forwardWithGradient(embedding, manager, input, gradOutput);
            float[] expected = Json.floats(golden.get("expected_output"));
            assertClose(expected, viaLinear, inputShape.add(dim), TOLERANCE, "one_hot @ W");
            assertClose(expected, viaEmbedding, inputShape.add(dim), TOLERANCE, "embedding");

            float[] expectedGrad = Json.floats(golden.get("expected_linear_weight_grad"));
            NDArray linearGrad = linear.getParameters().get("weight").getArray().getGradient();
            assertClose(expectedGrad, linearGrad, new Shape(dim, vocab), TOLERANCE, "linear weight gradient");
            NDArray embeddingGrad = embedding.getWeight().getArray().getGradient();
            assertClose(expectedGrad, embeddingGrad.transpose(), new Shape(dim, vocab), TOLERANCE, "embedding gradient");
        }
    }

    private void sgdTrain(JsonObject golden) {
        try (NDManager manager = NDManager.newBaseManager()) {
            int vocab = golden.get("num_embeddings").getAsInt();
            Embedding embedding =
                    Embedding.builder().setNumEmbeddings(vocab).setEmbeddingDim(golden.get("embedding_dim").getAsInt()).build();
            NDArray all = manager.arange(0, vocab, 1, DataType.INT64);
            initialize(embedding, manager, golden.get("weight"), all.getShape());
            NDArray vec = Json.floatArray(manager, golden.get("vec"));
            float label = golden.get("label").getAsFloat();
            float lr = golden.get("lr").getAsFloat();
            float[] expectedLosses = Json.floats(golden.get("expected_losses"));
            int steps = golden.get("steps").getAsInt();
            assertEquals(steps, expectedLosses.length);

            NDArray weight = embedding.getWeight().getArray();
            ParameterStore parameters = new ParameterStore(manager, false);
            float[] losses = new float[steps];
            for (int step = 0; step < steps; step++) {
                try (NDManager stepManager = manager.newSubManager();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray ids = all.duplicate();
                    ids.attach(stepManager);
                    NDArray out = embedding.forward(parameters, new NDList(ids), true).singletonOrThrow().matMul(vec);
                    NDArray loss = out.sub(label).square().mean();
                    losses[step] = loss.getFloat();
                    collector.backward(loss);
                }
                try (NDArray grad = weight.getGradient()) {
                    weight.subi(grad.mul(lr));
                    grad.subi(grad);
                }
            }
            assertClose(expectedLosses, losses, LOSS_TOLERANCE, "losses");
            float[] trained = weight.toFloatArray();
            assertClose(Json.floats(golden.get("expected_weight_after_training")), trained, TOLERANCE, "trained weight");

            for (int i = 0; i < 100; i++) {
                try (NDManager evalManager = manager.newSubManager()) {
                    NDArray freshVec = evalManager.randomNormal(vec.getShape());
                    NDArray ids = evalManager.arange(0, vocab, 1, DataType.INT64);
                    embedding.forward(parameters, new NDList(ids), false).singletonOrThrow().matMul(freshVec).sum().getFloat();
                }
            }
            assertArrayEquals(trained, weight.toFloatArray(), "eval forwards changed the weight");
        }
    }

    private static Embedding.Builder builderOf(JsonObject golden) {
        return withOptions(
                Embedding.builder()
                        .setNumEmbeddings(golden.get("num_embeddings").getAsInt())
                        .setEmbeddingDim(golden.get("embedding_dim").getAsInt()),
                golden);
    }

    /** Applies the options a case gives; a case may leave any of them out. */
    private static <T extends Embedding.BaseBuilder<T>> T withOptions(T builder, JsonObject golden) {
        if (golden.has("padding_idx")) {
            builder.optPaddingIdx(optionalInt(golden, "padding_idx"));
        }
        if (golden.has("max_norm") && !golden.get("max_norm").isJsonNull()) {
            builder.optMaxNorm(Json.number(golden.get("max_norm")));
        }
        if (golden.has("norm_type")) {
            builder.optNormType(Json.number(golden.get("norm_type")));
        }
        if (golden.has("scale_grad_by_freq")) {
            builder.optScaleGradByFreq(golden.get("scale_grad_by_freq").getAsBoolean());
        }
        if (golden.has("sparse")) {
            builder.optSparse(golden.get("sparse").getAsBoolean());
        }
        return builder;
    }

    private static Integer optionalInt(JsonObject golden, String field) {
        JsonElement value = golden.get(field);
        return value == null || value.isJsonNull() ? null : value.getAsInt();
    }

    private static void initialize(Embedding embedding, NDManager manager, JsonElement weight, Shape inputShape) {
        embedding.initialize(manager, DataType.FLOAT32, inputShape);
        embedding.getWeight().getArray().set(FloatBuffer.wrap(Json.floats(weight)));
    }

    /** Forward; with grad_output, also back-propagates sum(output * grad_output). */
    private static NDArray forwardChecked(Block block, NDManager manager, NDArray input, JsonObject golden) {
        if (!golden.has("grad_output")) {
            return block.forward(new ParameterStore(manager, false), new NDList(input), false).singletonOrThrow();
        }
        return forwardWithGradient(block, manager, input, Json.floatArray(manager, golden.get("grad_output")));
    }

    private static NDArray forwardWithGradient(Block block, NDManager manager, NDArray input, NDArray gradOutput) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray output = block.forward(new ParameterStore(manager, false), new NDList(input), true).singletonOrThrow();
            collector.backward(output.mul(gradOutput.reshape(output.getShape())).sum());
            return output;
        }
    }
}
