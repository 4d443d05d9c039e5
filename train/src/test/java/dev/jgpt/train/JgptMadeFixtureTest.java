package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.store.CheckpointStore;
import dev.jgpt.train.store.ExportFolder;
import dev.jgpt.train.store.ExportFolderTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fixtures the other way round: models jgpt trained and exported, with the logits and loss
 * jgpt computed, which interop/tests/test_parity.py checks PyTorch against. This test keeps them
 * true to jgpt; {@code -Dparity.regenerate=true} writes them anew into src/test/resources/parity/.
 */
class JgptMadeFixtureTest {

    private static final long[] IDS = {4, 5, 6, 1, 7, 8, 4, 5, 6, 6, 5, 4, 0, 8, 7, 5};
    private static final long[] TARGETS = {5, 6, 1, 7, 8, 4, 5, 6, 6, 5, 4, 0, 8, 7, 5, 2};

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"jgpt_default", "jgpt_nanogpt", "jgpt_rope", "jgpt_rope_tied"})
    void committedFixtureIsWhatJgptComputes(String name) throws IOException {
        Path fixture = Path.of("src/test/resources/parity", name);
        if (Boolean.getBoolean("parity.regenerate")) {
            regenerate(fixture, config(name, dir.resolve("run")));
        }
        JsonObject expected = JsonParser.parseString(Files.readString(fixture.resolve("expected.json"))).getAsJsonObject();
        float[] logits = new float[IDS.length * 100];
        float loss;
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = ExportFolder.open(fixture).loadModel(manager);
            NDArray output = gpt.logits(new ParameterStore(manager, false), manager.create(IDS, new Shape(2, 8)), false);
            logits = output.toFloatArray();
            loss = CrossEntropy.loss(output, manager.create(TARGETS, new Shape(2, 8)), 15, gpt.config().paddingIdx()).getFloat();
        }
        JsonArray want = expected.getAsJsonArray("logits");
        assertEquals(want.size(), logits.length);
        for (int i = 0; i < logits.length; i++) {
            assertEquals(want.get(i).getAsFloat(), logits[i], 1e-6, "logit " + i);
        }
        assertEquals(expected.get("loss").getAsFloat(), loss, 1e-6);
    }

    /** The run each fixture comes from: rotary positions with the default base, and with base 500 and a tied head. */
    private static TrainConfig config(String name, Path run) {
        return switch (name) {
            case "jgpt_rope" -> TrainerTest.with(ExportFolderTest.tinyConfig(run, false), "positions", "rope");
            case "jgpt_rope_tied" ->
                    TrainerTest.with(ExportFolderTest.tinyConfig(run, false), "positions", "rope", "rope-base", 500.0, "tie-weights", true);
            default -> ExportFolderTest.tinyConfig(run, name.equals("jgpt_nanogpt"));
        };
    }

    private void regenerate(Path fixture, TrainConfig config) throws IOException {
        Path run = Path.of(config.outDir());
        try (Trainer trainer = Trainer.start(config, ExportFolderTest.TEXT, TrainerTest.QUIET)) {
            trainer.train();
        }
        if (Files.exists(fixture)) {
            try (var files = Files.list(fixture)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
        }
        ExportFolder.write(CheckpointStore.open(run, "latest"), fixture);
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt gpt = ExportFolder.open(fixture).loadModel(manager);
            NDArray output = gpt.logits(new ParameterStore(manager, false), manager.create(IDS, new Shape(2, 8)), false);
            JsonObject expected = new JsonObject();
            expected.add("ids", new GsonBuilder().create().toJsonTree(new long[][] {java.util.Arrays.copyOf(IDS, 8), java.util.Arrays.copyOfRange(IDS, 8, 16)}));
            expected.add("targets", new GsonBuilder().create().toJsonTree(new long[][] {java.util.Arrays.copyOf(TARGETS, 8), java.util.Arrays.copyOfRange(TARGETS, 8, 16)}));
            expected.add("logits", new GsonBuilder().create().toJsonTree(output.toFloatArray()));
            expected.addProperty("loss", CrossEntropy.loss(output, manager.create(TARGETS, new Shape(2, 8)), 15, gpt.config().paddingIdx()).getFloat());
            Files.writeString(fixture.resolve("expected.json"), expected + "\n");
        }
    }
}
