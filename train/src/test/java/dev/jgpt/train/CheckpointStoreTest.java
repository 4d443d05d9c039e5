package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgpt.data.Corpora;
import dev.jgpt.data.Corpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
        assertTrue(error.getMessage().endsWith("is missing optimizer.bin"), error.getMessage());
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
            assertThrows(CheckpointException.class, () -> store.save(9, 1f, before.config(), null, trainer.model(), null, true));
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
}
