package dev.jgpt.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.jgpt.train.store.Checkpoint;
import dev.jgpt.train.store.CheckpointException;
import dev.jgpt.train.store.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jgpt train} in a process of its own, signalled and killed for real: interrupts save and
 * resume exactly, a second signal stops at once without harm, one process at a time trains in a
 * run folder, and errors print one line unless JGPT_DEBUG=1.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "sends POSIX signals with kill")
class TrainProcessTest {

    private static final String[] TINY = {
        "--n-layer", "1", "--n-head", "2", "--n-embd", "32", "--block-size", "16", "--batch-size", "8",
        "--warmup-iters", "10", "--eval-iters", "2", "--log-interval", "10", "--dropout", "0.1"
    };

    @TempDir Path dir;

    private Path text;

    @BeforeEach
    void writeCorpus() throws IOException {
        String[] words = {"the cat", "a dog", "the old bird", "sat on", "ran to", "the mat", "a tree", "the river"};
        Random random = new Random(42);
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 4000; i++) {
            corpus.append(words[random.nextInt(words.length)]).append(i % 7 == 6 ? ".\n" : " ");
        }
        text = dir.resolve("text.txt");
        Files.writeString(text, corpus);
    }

    private String[] train(Path outDir, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", text.toString(), "--out-dir", outDir.toString()));
        args.addAll(List.of(TINY));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static int stoppedAt(String out, String signal) {
        String prefix = "stopped by " + signal + " at iteration ";
        String line = out.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + out));
        return Integer.parseInt(line.substring(prefix.length(), line.indexOf(';')));
    }

    /** metrics.csv without the two timing columns, which differ between runs. */
    private static List<String> measuredValues(Path runDir) throws IOException {
        try (Stream<String> lines = Files.lines(runDir.resolve("metrics.csv"))) {
            return lines.map(line -> line.substring(0, ordinalIndexOf(line, ',', 6))).toList();
        }
    }

    private static int ordinalIndexOf(String text, char c, int n) {
        int at = -1;
        for (int k = 0; k < n; k++) {
            at = text.indexOf(c, at + 1);
        }
        return at;
    }

    @Test
    void sigintSavesAndTheResumedRunEndsWhereAnUninterruptedOneDoes() throws Exception {
        Path split = dir.resolve("split");
        int stopped;
        try (ChildJgpt child = ChildJgpt.start(Map.of(), train(split, "--max-iters", "200", "--eval-interval", "50"))) {
            child.awaitLine(line -> line.startsWith("iter 20/200"), 120);
            child.signal("INT");
            assertEquals(130, child.waitFor(60), child.out() + child.err());
            stopped = stoppedAt(child.out(), "SIGINT");
            assertTrue(child.out().contains("saved " + split.resolve(String.format("ckpt-%07d", stopped))) || stopped % 50 == 0, child.out());
            assertTrue(child.err().contains("jgpt: SIGINT: saving a checkpoint after the current step"), child.err());
        }
        assertTrue(stopped > 20 && stopped < 200, "stopped at " + stopped + ": the signal should end the run early");
        assertEquals(stopped, CheckpointStore.open(split, "latest").iter(), "the checkpoint is at the iteration where it stopped");

        JgptCliTest.Run resumed = JgptCliTest.jgpt("train", "--resume", "--out-dir", split.toString());
        assertEquals(0, resumed.exitCode(), resumed.err());
        Path whole = dir.resolve("whole");
        JgptCliTest.Run uninterrupted = JgptCliTest.jgpt(train(whole, "--max-iters", "200", "--eval-interval", "50"));
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.err());

        Path a = whole.resolve("latest");
        Path b = split.resolve("latest");
        assertEquals(200, CheckpointStore.open(split, "latest").iter());
        assertEquals(-1, Files.mismatch(a.resolve("model.params"), b.resolve("model.params")), "identical weights");
        assertEquals(-1, Files.mismatch(a.resolve(Checkpoint.OPTIMIZER), b.resolve(Checkpoint.OPTIMIZER)), "identical optimizer state");
        assertEquals(measuredValues(whole), measuredValues(split), "metrics.csv: the same rows, one per iteration");
    }

    @Test
    void secondSignalStopsAtOnceAndTheLastCheckpointStaysLoadable() throws Exception {
        Path run = dir.resolve("run");
        // A wider model, so that its save takes long enough for the second signal to land in it.
        try (ChildJgpt child = ChildJgpt.start(Map.of(), train(run, "--max-iters", "100000", "--n-embd", "256", "--n-layer", "2"))) {
            child.awaitLine(line -> line.startsWith("iter 10/"), 120);
            child.signal("TERM");
            child.signal("TERM");
            assertEquals(143, child.waitFor(60), child.out() + child.err());
        }
        Checkpoint latest = CheckpointStore.open(run, "latest");
        try (NDManager manager = NDManager.newBaseManager()) {
            latest.loadModel(manager);
        }
        JgptCliTest.Run resumed = JgptCliTest.jgpt("train", "--resume", "--out-dir", run.toString(), "--max-iters", Integer.toString(latest.iter() + 2));
        assertEquals(0, resumed.exitCode(), resumed.err());
    }

    @Test
    void aSecondTrainerIsRefusedWhileOneRunsAndAKilledOneBlocksNothing() throws Exception {
        Path run = dir.resolve("run");
        try (ChildJgpt child = ChildJgpt.start(Map.of(), train(run, "--max-iters", "100000"))) {
            child.awaitLine(line -> line.startsWith("iter 10/"), 120);
            String inUse = run + " is in use by process " + child.pid();
            JgptCliTest.Run resumed = JgptCliTest.jgpt("train", "--resume", "--out-dir", run.toString());
            JgptCliTest.assertUserError(resumed, inUse);
            JgptCliTest.assertUserError(JgptCliTest.jgpt(train(run)), inUse);
            assertFalse(resumed.out().contains("resuming"), "refused before anything else: " + resumed.out());

            child.kill(); // SIGKILL: no handler runs, the lock file stays behind
        }
        assertTrue(Files.exists(run.resolve("train.lock")));
        JgptCliTest.Run resumed = JgptCliTest.jgpt("train", "--resume", "--out-dir", run.toString(), "--max-iters", "5");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertEquals(5, CheckpointStore.open(run, "latest").iter());
    }

    @Test
    void errorsAreOneLineAndJgptDebugAddsTheStackTrace() throws Exception {
        String[] args = {"eval", "--checkpoint", dir.resolve("nothing").toString()};
        try (ChildJgpt plain = ChildJgpt.start(Map.of(), args)) {
            assertEquals(1, plain.waitFor(60));
            assertEquals("jgpt: no checkpoint at " + dir.resolve("nothing") + ": the folder does not exist\n", plain.err());
        }
        try (ChildJgpt debug = ChildJgpt.start(Map.of("JGPT_DEBUG", "1"), args)) {
            assertEquals(1, debug.waitFor(60));
            String err = debug.err();
            assertTrue(err.startsWith("jgpt: no checkpoint at "), err);
            assertTrue(err.contains("CheckpointException") && err.contains("\tat dev.jgpt.train.store.CheckpointStore"), err);
        }
    }
}
