package dev.jgpt.train.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run folder's lock within one JVM (other processes: TrainProcessTest). */
class RunLockTest {

    @TempDir Path dir;

    @Test
    void aSecondLockInThisProcessIsRefusedAndTheFirstStaysHeld() throws IOException {
        long pid = ProcessHandle.current().pid();
        try (RunLock first = RunLock.acquire(dir)) {
            assertEquals(pid + "\n", Files.readString(dir.resolve(RunLock.FILE)));
            CheckpointException error = assertThrows(CheckpointException.class, () -> RunLock.acquire(dir.resolve(".").resolve("..").resolve(dir.getFileName())));
            assertTrue(error.getMessage().contains("is in use by this process (pid " + pid + ")"), error.getMessage());
            assertThrows(CheckpointException.class, () -> RunLock.acquire(dir), "the refusal did not release the first lock");
        }
        try (RunLock again = RunLock.acquire(dir)) {
            assertEquals(pid + "\n", Files.readString(dir.resolve(RunLock.FILE)));
        }
    }
}
