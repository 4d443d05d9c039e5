package dev.jgpt.train.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.data.Corpora;
import dev.jgpt.data.Corpus;
import dev.jgpt.train.TrainConfig;
import dev.jgpt.train.Trainer;
import dev.jgpt.train.TrainerTest;
import dev.jgpt.model.GptConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export folders: what jgpt writes reads back as the same model; what is damaged is refused in one line. */
public class ExportFolderTest {

    public static final Corpus TEXT = Corpora.fromText("tiny", "abc abd. bad cab.\n".repeat(40), null);

    @TempDir Path dir;

    public static TrainConfig tinyConfig(Path outDir, boolean nanoGpt) {
        return new TrainConfig(
                null, null, outDir.toString(), 2, 2, 8, 8, 4, 0f, nanoGpt ? "learned" : "sinusoidal", nanoGpt, nanoGpt, "gpt2", null,
                3e-3f, 3e-4f, 1, 3, 0.1f, 0.9f, 0.99f, 1.0f, 1, 0, 2, 1, 3, 1337, "cpu", 3, TrainConfig.DEFAULT_MAX_NONFINITE_STEPS,
                GptConfig.DEFAULT_ROPE_BASE, "gelu");
    }

    private Path trainAndExport(boolean nanoGpt) {
        Path run = dir.resolve(nanoGpt ? "run-nano" : "run");
        try (Trainer trainer = Trainer.start(tinyConfig(run, nanoGpt), TEXT, TrainerTest.QUIET)) {
            trainer.train();
        }
        Path export = dir.resolve(nanoGpt ? "export-nano" : "export");
        ExportFolder.write(CheckpointStore.open(run, "latest"), export);
        return export;
    }

    @Test
    void anExportHoldsTheCheckpointsModelUnderNanoGptNames() throws IOException {
        for (boolean nanoGpt : new boolean[] {false, true}) {
            Path export = trainAndExport(nanoGpt);
            Checkpoint checkpoint = CheckpointStore.open(dir.resolve(nanoGpt ? "run-nano" : "run"), "latest");
            ExportFolder opened = ExportFolder.open(export);
            assertEquals(checkpoint.modelConfig(), opened.modelConfig());
            assertEquals(checkpoint.vocabulary(), opened.vocabulary());
            assertEquals(3, opened.iter());
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray ids = manager.create(new long[] {4, 5, 6, 1, 7, 8, 4, 5}, new Shape(1, 8));
                ParameterStore store = new ParameterStore(manager, false);
                float[] expected = checkpoint.loadModel(manager).logits(store, ids, false).toFloatArray();
                assertArrayEquals(expected, opened.loadModel(manager).logits(store, ids, false).toFloatArray());

                Map<String, NDArray> tensors = Safetensors.read(export.resolve(ExportFolder.MODEL), manager);
                assertTrue(tensors.containsKey("transformer.h.1.attn.c_attn.weight"));
                assertEquals(new Shape(24, 8), tensors.get("transformer.h.1.attn.c_attn.weight").getShape());
                assertEquals(nanoGpt, tensors.containsKey("transformer.wpe.weight"));
                if (nanoGpt) {
                    assertEquals(tensors.get("transformer.wte.weight"), tensors.get("lm_head.weight"));
                }
                Map<String, NDArray> moments = Safetensors.read(export.resolve(ExportFolder.OPTIMIZER), manager);
                assertEquals(2 * (tensors.size() - (nanoGpt ? 1 : 0)), moments.size()); // a tied head has no moments of its own
            }
            JsonObject config = json(export.resolve(ExportFolder.CONFIG)).getAsJsonObject();
            assertEquals(!nanoGpt, config.get("scale_embedding").getAsBoolean());
            assertEquals(1, config.get("padding_idx").getAsInt());
            assertEquals(3, config.getAsJsonObject("training").get("optimizer_step").getAsInt());
            assertEquals("<pad>", json(export.resolve(ExportFolder.VOCAB)).getAsJsonArray().get(1).getAsString());
        }
    }

    /** Export and checkpoint folders and their files get the umask's modes, as any new ones (0755 and 0644 under umask 022), not 0700. */
    @Test
    void exportsAndCheckpointsHaveTheModesOfAnyNewFolderAndFile() throws IOException {
        Path export = trainAndExport(false);
        Path folder = Files.createDirectory(dir.resolve("made-as-usual"));
        Path file = Files.writeString(folder.resolve("file"), "x");
        Path checkpoint = CheckpointStore.open(dir.resolve("run"), "latest").dir();
        for (Path made : List.of(export, checkpoint)) {
            assertEquals(Files.getPosixFilePermissions(folder), Files.getPosixFilePermissions(made), made.toString());
            try (var files = Files.list(made)) {
                for (Path inside : files.toList()) {
                    assertEquals(Files.getPosixFilePermissions(file), Files.getPosixFilePermissions(inside), inside.toString());
                }
            }
        }
        try (var files = Files.list(export)) {
            assertEquals(Set.of(ExportFolder.MODEL, ExportFolder.OPTIMIZER, ExportFolder.CONFIG, ExportFolder.VOCAB),
                    files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()), "no temporary file is left");
        }
    }

    @Test
    void exportRefusesAFolderThatHoldsFiles() throws IOException {
        Path export = trainAndExport(false);
        CheckpointException error = assertThrows(CheckpointException.class,
                () -> ExportFolder.write(CheckpointStore.open(dir.resolve("run"), "latest"), export));
        assertEquals(export + " already exists and is not an empty folder: export into a new one", error.getMessage());
    }

    @Test
    void damagedExportsAreRefusedInOneLine() throws IOException {
        Path good = trainAndExport(true);
        refused(good, "truncated", f -> truncate(f.resolve(ExportFolder.MODEL), 40), "is not a valid safetensors file: tensor");
        refused(good, "garbled", f -> overwrite(f.resolve(ExportFolder.MODEL), 8, "[1,"), "is not a valid safetensors file: its header is not");
        refused(good, "longheader", f -> overwrite(f.resolve(ExportFolder.MODEL), 0, "\u00ff\u00ff\u00ff\u00ff"), "header length");
        refused(good, "bias", f -> editConfig(f, c -> { c.addProperty("bias", false); return c; }), "describes a model jgpt cannot build: bias is false");
        refused(good, "heads", f -> editConfig(f, c -> { c.addProperty("n_head", 3); return c; }), "n_embd must be a multiple of n_head");
        refused(good, "missing", f -> editConfig(f, c -> { c.remove("n_layer"); return c; }), "n_layer is missing");
        refused(good, "vocab", f -> write(f.resolve(ExportFolder.VOCAB), "[\"a\", \"b\"]"), "says vocab_size");
        refused(good, "layers", f -> editConfig(f, c -> { c.addProperty("n_layer", 1); return c; }), "holds tensors this model does not have: [transformer.h.1.");
        refused(good, "nothing", f -> delete(f.resolve(ExportFolder.VOCAB)), "has no vocab.json");
    }

    @Test
    void aPyTorchExportWithoutReservedTokensLoads() throws URISyntaxException {
        ExportFolder export = ExportFolder.open(Path.of(ExportFolderTest.class.getResource("/parity/torch_nanogpt").toURI()));
        assertFalse(export.vocabulary().hasSpecials());
        assertEquals(null, export.modelConfig().paddingIdx());
        assertEquals(null, export.data());
    }

    private void refused(Path good, String name, Damage damage, String expected) throws IOException {
        Path copy = dir.resolve("damaged-" + name);
        Files.createDirectories(copy);
        try (var files = Files.list(good)) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        damage.apply(copy);
        CheckpointException error = assertThrows(CheckpointException.class, () -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                ExportFolder.open(copy).loadModel(manager);
            }
        });
        assertTrue(error.getMessage().contains(expected), name + ": " + error.getMessage());
        assertFalse(error.getMessage().contains("\n"), name + ": " + error.getMessage());
    }

    private interface Damage {
        void apply(Path folder) throws IOException;
    }

    private static void truncate(Path file, int bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() - bytes);
        }
    }

    private static void overwrite(Path file, long at, String latin1) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at);
            raf.write(latin1.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private static void editConfig(Path folder, UnaryOperator<JsonObject> edit) throws IOException {
        Path file = folder.resolve(ExportFolder.CONFIG);
        write(file, edit.apply(json(file).getAsJsonObject()).toString());
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text);
    }

    private static void delete(Path file) throws IOException {
        Files.delete(file);
    }

    private static com.google.gson.JsonElement json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file));
    }
}
