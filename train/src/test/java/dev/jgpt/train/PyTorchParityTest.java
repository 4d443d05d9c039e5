package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.data.Batch;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.optim.AdamW;
import dev.jgpt.train.store.ExportFolder;
import dev.jgpt.train.store.Safetensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jgpt against numbers PyTorch computed (fixtures made by interop/make_parity_fixtures.py): the
 * logits and loss of exported models, and the weights after 20 steps of jgpt's own {@link TrainingStep}.
 */
class PyTorchParityTest {

    /** Float32 logits of order 1, computed by two libtorch builds in different orders of summation. */
    private static final double FORWARD_TOLERANCE = 1e-5;

    /**
     * After 20 steps at learning rates up to 3e-3 the weights have moved by up to 0.055. Adam
     * divides by sqrt(v), so float rounding in a small gradient changes an update by a fraction of
     * lr: jgpt ends within 5.0e-6 of PyTorch (measured on this fixture). One wrong rule moves some
     * weight by far more: beta2 0.999 for 0.99 by 5.0e-4, no clipping by 3.6e-3, decay on 1-D
     * parameters by 6.7e-3, the schedule one step late by 1.8e-2, eps 1e-6 by 3.0e-2 (printed by
     * make_parity_fixtures.py). 2e-5 sits 4x above the rounding and 25x below the nearest bug. The
     * rotary fixture's nearest bug (beta2) moves a weight by 6.0e-4.
     */
    private static final double LOCKSTEP_TOLERANCE = 2e-5;

    @ParameterizedTest
    @ValueSource(strings = {"torch_default", "torch_nanogpt", "torch_rope", "torch_rope_tied"})
    void logitsAndLossMatchPyTorch(String fixture) throws Exception {
        Path dir = resource(fixture);
        JsonObject expected = json(dir.resolve("expected.json"));
        ExportFolder export = ExportFolder.open(dir);
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = export.loadModel(manager);
            NDArray ids = manager.create(longs(expected.getAsJsonArray("ids")), new Shape(2, 8));
            NDArray targets = manager.create(longs(expected.getAsJsonArray("targets")), new Shape(2, 8));
            NDArray logits = gpt.logits(new ParameterStore(manager, false), ids, false);
            float[] actual = logits.toFloatArray();
            JsonArray want = expected.getAsJsonArray("logits");
            assertEquals(want.size(), actual.length);
            for (int i = 0; i < actual.length; i++) {
                assertEquals(want.get(i).getAsDouble(), actual[i], FORWARD_TOLERANCE, fixture + " logit " + i);
            }
            int counted = countedTargets(targets.toLongArray(), gpt.config().paddingIdx());
            float loss = CrossEntropy.loss(logits, targets, counted, gpt.config().paddingIdx()).getFloat();
            assertEquals(expected.get("loss").getAsDouble(), loss, FORWARD_TOLERANCE, fixture + " loss");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lockstep", "lockstep_rope"})
    void twentyAdamWStepsEndAtPyTorchsWeights(String fixture) throws Exception {
        Path dir = resource(fixture);
        JsonObject lockstep = json(dir.resolve("lockstep.json"));
        ExportFolder export = ExportFolder.open(dir);
        try (NDManager manager = NDManager.newBaseManager();
                AdamW optimizer = new AdamW(
                        lockstep.get("beta1").getAsFloat(), lockstep.get("beta2").getAsFloat(),
                        lockstep.get("eps").getAsFloat(), lockstep.get("weight_decay").getAsFloat())) {
            Gpt gpt = export.loadModel(manager);
            TrainingStep step = new TrainingStep(gpt, new ParameterStore(manager, false), optimizer, lockstep.get("grad_clip").getAsFloat());
            JsonArray batches = lockstep.getAsJsonArray("batches");
            int blockSize = gpt.config().blockSize();
            for (int i = 0; i < batches.size(); i++) {
                long[] rows = longs(batches.get(i).getAsJsonArray());
                int batchSize = rows.length / (blockSize + 1);
                long[] inputs = new long[batchSize * blockSize];
                long[] targets = new long[batchSize * blockSize];
                for (int r = 0; r < batchSize; r++) {
                    System.arraycopy(rows, r * (blockSize + 1), inputs, r * blockSize, blockSize);
                    System.arraycopy(rows, r * (blockSize + 1) + 1, targets, r * blockSize, blockSize);
                }
                Batch batch = new Batch(batchSize, blockSize, inputs, targets, countedTargets(targets, gpt.config().paddingIdx()));
                try (NDManager scope = manager.newSubManager()) {
                    TrainingStep.Result result = step.run(scope, List.of(batch), lockstep.getAsJsonArray("lrs").get(i).getAsFloat());
                    assertEquals(lockstep.getAsJsonArray("losses").get(i).getAsDouble(), result.loss(), 1e-5, "loss of step " + i);
                    assertEquals(lockstep.getAsJsonArray("grad_norms").get(i).getAsDouble(), result.gradientNorm(), 1e-5, "gradient norm of step " + i);
                }
            }
            Map<String, NDArray> expected = Safetensors.read(dir.resolve("final.safetensors"), manager);
            double worst = 0;
            for (Map.Entry<String, Parameter> named : gpt.namedParameters().entrySet()) {
                NDArray want = expected.get(named.getKey());
                double difference = named.getValue().getArray().sub(want).abs().max().getFloat();
                worst = Math.max(worst, difference);
                assertTrue(difference <= LOCKSTEP_TOLERANCE, named.getKey() + " differs from PyTorch's by " + difference);
            }
            System.out.println(fixture + ": largest difference from PyTorch's weights after 20 AdamW steps: " + worst);
        }
    }

    private static int countedTargets(long[] targets, Integer paddingIdx) {
        int counted = 0;
        for (long target : targets) {
            counted += target >= 0 && (paddingIdx == null || target != paddingIdx) ? 1 : 0;
        }
        return counted;
    }

    private static long[] longs(JsonArray nested) {
        return flatten(nested).mapToLong(JsonElement::getAsLong).toArray();
    }

    private static java.util.stream.Stream<JsonElement> flatten(JsonArray array) {
        return array.asList().stream().flatMap(e -> e.isJsonArray() ? flatten(e.getAsJsonArray()) : java.util.stream.Stream.of(e));
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(PyTorchParityTest.class.getResource("/parity/" + name).toURI());
    }
}
