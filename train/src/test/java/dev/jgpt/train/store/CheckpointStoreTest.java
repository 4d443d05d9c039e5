package dev.jgpt.train.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import dev.jgpt.data.Corpora;
import dev.jgpt.data.Corpus;
import dev.jgpt.data.CorpusOptions;
import dev.jgpt.data.Progress;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.NoGrad;
import dev.jgpt.train.TrainConfig;
import dev.jgpt.train.Trainer;
import dev.jgpt.train.TrainerTest;
import dev.jgpt.train.optim.AdamW;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints are verified when loaded, and a failed or interrupted save loses nothing. */
class CheckpointStoreTest {

    private static final Corpus CORPUS = Corpora.fromText("sentences", TrainerTest.sentences(500), null);

    @TempDir Path dir;

    private Path latest;

    @BeforeEach
    void trainTwoCheckpoints() {
        try (Trainer trainer = Trainer.start(TrainerTest.tiny(dir, 4, 2, 0f), CORPUS, TrainerTest.QUIET)) {
            trainer.train();
        }
        latest = CheckpointStore.open(dir, "latest").dir();
    }

    @Test
    void runFolderHoldsLatestAndBestLinksToCompleteCheckpoints() throws IOException {
        assertEquals(4, CheckpointStore.open(dir, "latest").iter());
        assertTrue(Files.isSymbolicLink(dir.resolve("latest")));
        assertTrue(Files.isSymbolicLink(dir.resolve("best")));
        try (var entries = Files.list(dir)) {
            long folders = entries.filter(p -> p.getFileName().toString().startsWith("ckpt-")).count();
            assertTrue(folders <= 2, "older checkpoints are pruned: " + folders + " left");
        }
    }

    @Test
    void truncatedFileIsRefusedByName() throws IOException {
        Path model = latest.resolve(Checkpoint.MODEL);
        try (var channel = java.nio.channels.FileChannel.open(model, StandardOpenOption.WRITE)) {
            channel.truncate(Files.size(model) / 2);
        }
        CheckpointException error = assertThrows(CheckpointException.class, () -> CheckpointStore.open(dir, "latest"));
        assertTrue(error.getMessage().contains("model.params is truncated or corrupt"), error.getMessage());
    }

    @Test
    void missingPieceIsRefusedByName() throws IOException {
        Files.delete(latest.resolve(Checkpoint.OPTIMIZER));
        CheckpointException error = assertThrows(CheckpointException.class, () -> CheckpointStore.open(dir, "latest"));
        assertTrue(error.getMessage().endsWith("is missing optimizer.safetensors"), error.getMessage());
    }

    @Test
    void emptyFolderIsRefused() {
        CheckpointException error = assertThrows(CheckpointException.class, () -> CheckpointStore.open(dir.resolve("nothing"), "best"));
        assertTrue(error.getMessage().contains("does not exist"), error.getMessage());
    }

    @Test
    void failedSaveLeavesThePreviousCheckpointLoadable() throws IOException {
        Checkpoint before = CheckpointStore.open(dir, "latest");
        CheckpointStore store = new CheckpointStore(dir);
        // No vocabulary: the save fails halfway, after the weights are written.
        try (Trainer trainer = Trainer.resume(before.config(), CORPUS, before, TrainerTest.QUIET)) {
            assertThrows(CheckpointException.class, () -> store.save(9, 1f, before.config(), null, false, trainer.model(), null, true));
        }
        Checkpoint after = CheckpointStore.open(dir, "latest");
        assertEquals(before.dir(), after.dir());
        assertEquals(4, after.iter());
        try (var entries = Files.list(dir)) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "the temporary folder is removed");
        }
    }

    @Test
    void leftoversOfAKilledSaveDoNotHideTheLatestCheckpoint() throws IOException {
        Files.createDirectory(dir.resolve(".tmp-ckpt-killed"));
        Files.writeString(dir.resolve(".tmp-ckpt-killed").resolve(Checkpoint.MODEL), "half");
        Files.createSymbolicLink(dir.resolve(".latest.new"), dir.resolve("ckpt-does-not-exist"));
        assertEquals(4, CheckpointStore.open(dir, "latest").iter());
        Checkpoint checkpoint = CheckpointStore.open(dir, "latest");
        try (Trainer trainer = Trainer.resume(TrainerTest.tiny(dir, 6, 2, 0f), CORPUS, checkpoint, TrainerTest.QUIET)) {
            trainer.train();
        }
        assertEquals(6, CheckpointStore.open(dir, "latest").iter());
        assertTrue(Files.notExists(dir.resolve(".tmp-ckpt-killed")), "the next save prunes leftovers");
    }

    /** Each copy has one file flipped at one byte or cut short; each is refused in one line or loads identically. */
    @Test
    void fortyRandomlyDamagedCopiesAreEachRefusedInOneLineOrLoadIdentically() throws IOException {
        Random random = new Random(8);
        List<String> files = List.of(Checkpoint.MODEL, Checkpoint.OPTIMIZER, Checkpoint.VOCAB, Checkpoint.STATE, Checkpoint.STATE_DIGEST);
        Checkpoint original = CheckpointStore.open(latest, "latest");
        int refused = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            List<float[]> originalWeights = weights(original.loadModel(manager));
            for (int k = 0; k < 40; k++) {
                Path copy = Files.createDirectory(dir.resolve("damaged-" + k));
                for (String file : files) {
                    Files.copy(latest.resolve(file), copy.resolve(file));
                }
                Path victim = copy.resolve(files.get(random.nextInt(files.size())));
                byte[] bytes = Files.readAllBytes(victim);
                if (random.nextBoolean()) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 + random.nextInt(255));
                } else {
                    bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
                }
                Files.write(victim, bytes);
                try (AdamW optimizer = new AdamW(0.9f, 0.99f, 0.1f)) {
                    Checkpoint damaged = CheckpointStore.open(copy, "latest");
                    Gpt gpt = damaged.loadModel(manager);
                    damaged.loadOptimizer(optimizer, gpt);
                    assertEquals(original.iter(), damaged.iter(), victim.toString());
                    assertEquals(original.config(), damaged.config(), victim.toString());
                    assertEquals(original.vocabulary(), damaged.vocabulary(), victim.toString());
                    List<float[]> loaded = weights(gpt);
                    for (int i = 0; i < loaded.size(); i++) {
                        assertArrayEquals(originalWeights.get(i), loaded.get(i), victim.toString());
                    }
                } catch (CheckpointException e) {
                    refused++;
                    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
                    assertTrue(e.getMessage().contains(copy.toString()), e.getMessage());
                    assertFalse(e.getMessage().contains("Troubleshooting") || e.getMessage().contains("Failed to invoke"), e.getMessage());
                }
            }
        }
        assertTrue(refused >= 35, "only " + refused + " of 40 damaged copies were refused");
    }

    private static List<float[]> weights(Gpt gpt) {
        return gpt.getParameters().values().stream().map(p -> p.getArray().toFloatArray()).toList();
    }

    /** A checkpoint saved before state.sha256 and lr-decay-iters existed still loads, and decays over its max-iters. */
    @Test
    void formatOneCheckpointsLoadAndTheirBadValuesAreRefusedInOneLine() throws IOException {
        Path old = copyOfFormatTwoCheckpoint(dir.resolve("old"));
        Files.delete(old.resolve(Checkpoint.STATE_DIGEST));
        Path state = old.resolve(Checkpoint.STATE);
        String text = Files.readString(state).replace("\"format\": 2", "\"format\": 1").replaceAll("\"lr-decay-iters\": \\d+,", "");
        Files.writeString(state, text);
        Checkpoint legacy = CheckpointStore.open(old, "latest");
        assertEquals(legacy.config().maxIters(), legacy.config().lrDecayIters());

        Files.writeString(state, text.replace("\"batch-size\": 4", "\"batch-size\": -1"));
        CheckpointException negative = assertThrows(CheckpointException.class, () -> CheckpointStore.open(old, "latest"));
        assertTrue(negative.getMessage().endsWith("has an invalid state.json: --batch-size must be > 0, got -1"), negative.getMessage());

        Files.writeString(state, text.replace("\"n-layer\": 1", "\"n-layer\": \"one\""));
        CheckpointException word = assertThrows(CheckpointException.class, () -> CheckpointStore.open(old, "latest"));
        assertEquals(1, word.getMessage().lines().count(), word.getMessage());
        assertTrue(word.getMessage().contains("has an invalid state.json: "), word.getMessage());

        Files.writeString(state, text.replace("\"format\": 1", "\"format\": 2"));
        CheckpointException digestless = assertThrows(CheckpointException.class, () -> CheckpointStore.open(old, "latest"));
        assertTrue(digestless.getMessage().endsWith("is missing state.sha256"), digestless.getMessage());
    }

    /**
     * A checkpoint that jgpt wrote before format 3 (src/test/resources/checkpoint-format2: iteration
     * 3 of a run on the built-in stories, its AdamW state in optimizer.bin) resumes: three more steps
     * end at the weights the old jgpt reached at iteration 6, and the new checkpoints are format 3.
     * It exports too.
     */
    @Test
    void aCheckpointWithOptimizerBinResumesToTheWeightsTheOldJgptReached() throws IOException {
        Path run = dir.resolve("old-run");
        Path old = copyOfFormatTwoCheckpoint(run.resolve("ckpt-0000003"));
        Files.createSymbolicLink(run.resolve("latest"), old.getFileName());
        Checkpoint checkpoint = CheckpointStore.open(run, "latest");
        assertEquals(3, checkpoint.iter());
        JsonObject json = checkpoint.config().toJson();
        json.addProperty("out-dir", run.toString());
        TrainConfig config = TrainConfig.fromJson(json);
        Corpus stories = Corpora.open(null, null, null, new CorpusOptions(dir, dir.resolve("prepared"), config.seed(), Progress.SILENT));
        try (Trainer trainer = Trainer.resume(config, stories, checkpoint, TrainerTest.QUIET);
                NDManager manager = NDManager.newBaseManager()) {
            trainer.train();
            Gpt reached = new Gpt(checkpoint.modelConfig());
            reached.initialize(manager, DataType.FLOAT32, new Shape(1, config.blockSize()));
            try (DataInputStream in = new DataInputStream(Files.newInputStream(FORMAT_TWO.resolve("iter6-model.params")))) {
                reached.loadParameters(manager, in);
            } catch (MalformedModelException e) {
                throw new AssertionError(e);
            }
            List<float[]> expected = weights(reached);
            List<float[]> actual = weights(trainer.model());
            for (int i = 0; i < expected.size(); i++) {
                for (int j = 0; j < expected.get(i).length; j++) {
                    assertEquals(expected.get(i)[j], actual.get(i)[j], 1e-5, "parameter " + i + ", value " + j);
                }
            }
        }
        Checkpoint resumed = CheckpointStore.open(run, "latest");
        assertEquals(6, resumed.iter());
        assertTrue(Files.isRegularFile(resumed.dir().resolve(Checkpoint.OPTIMIZER)));
        assertTrue(Files.notExists(resumed.dir().resolve("optimizer.bin")));

        Path export = dir.resolve("export");
        ExportFolder.write(CheckpointStore.open(copyOfFormatTwoCheckpoint(dir.resolve("old-again")), "latest"), export);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertEquals(2 * checkpoint.loadModel(manager).namedParameters().size(),
                    Safetensors.read(export.resolve(ExportFolder.OPTIMIZER), manager).size());
        }
    }

    private static final Path FORMAT_TWO = Path.of("src/test/resources/checkpoint-format2");

    private static Path copyOfFormatTwoCheckpoint(Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.list(FORMAT_TWO.resolve("ckpt-0000003"))) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }

    @Test
    void weightsWithNaNAreNeverSaved() throws IOException {
        Checkpoint before = CheckpointStore.open(dir, "latest");
        try (Trainer trainer = Trainer.resume(before.config(), CORPUS, before, TrainerTest.QUIET)) {
            String name = trainer.model().getParameters().keyAt(0);
            Parameter weight = trainer.model().getParameters().valueAt(0);
            try (NoGrad noGrad = new NoGrad()) {
                weight.getArray().set(new NDIndex(0), Float.NaN);
            }
            CheckpointException error = assertThrows(CheckpointException.class,
                    () -> new CheckpointStore(dir).save(9, 1f, before.config(), CORPUS.vocabulary(), false, trainer.model(), null, true));
            assertTrue(error.getMessage().endsWith("iteration 9 in " + dir + ": parameter " + name + " holds NaN (the weights have diverged)"), error.getMessage());
        }
        assertEquals(before.dir(), CheckpointStore.open(dir, "latest").dir());
    }

    @Test
    void everyFileOfACheckpointIsDigested() throws IOException {
        try (var entries = Files.list(latest)) {
            assertEquals(Set.of(Checkpoint.MODEL, Checkpoint.OPTIMIZER, Checkpoint.VOCAB, Checkpoint.STATE, Checkpoint.STATE_DIGEST),
                    entries.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
        Files.writeString(latest.resolve(Checkpoint.STATE), Files.readString(latest.resolve(Checkpoint.STATE)).replace("\"iter\": 4", "\"iter\": 5"));
        CheckpointException error = assertThrows(CheckpointException.class, () -> CheckpointStore.open(dir, "latest"));
        assertTrue(error.getMessage().endsWith("is damaged: state.json or state.sha256 is truncated or corrupt (the SHA-256 of state.json does not match)"), error.getMessage());
    }
}
