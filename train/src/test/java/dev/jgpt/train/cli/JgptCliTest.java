package dev.jgpt.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, one-line errors, train → sample → eval. */
class JgptCliTest {

    @TempDir Path dir;

    /** What one run of the command line printed and returned. */
    record Run(int exitCode, String out, String err) {}

    static Run jgpt(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Jgpt.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    private static void assertUserError(Run run, String expected) {
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("jgpt: "), run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line, no stack trace: " + run.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"train", "sample", "eval"}) {
            Run run = jgpt(command, "--help");
            assertEquals(0, run.exitCode());
            assertTrue(run.out().contains("Usage: jgpt " + command), run.out());
        }
    }

    @Test
    void badFlagsExitNonZeroWithOneLineReason() {
        Run unknown = jgpt("train", "--n-layers", "3");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().startsWith("jgpt: Unknown options: '--n-layers'"), unknown.err());

        assertUserError(jgpt("train", "--n-head", "3", "--out-dir", dir.resolve("a").toString()), "--n-embd must be a multiple of --n-head, got 128 and 3");
        assertUserError(jgpt("train", "--data", dir.resolve("missing.txt").toString(), "--out-dir", dir.resolve("b").toString()), "missing.txt");
        assertUserError(jgpt("sample", "--checkpoint", dir.resolve("none").toString()), "no checkpoint at");
        assertUserError(jgpt("sample", "--checkpoint", dir.toString(), "--temperature", "0"), "--temperature must be > 0, got 0.0");
    }

    @Test
    void badConfigFileIsNamed() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"n-layers\": 2}");
        Run run = jgpt("train", "--config", config.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("unknown key \"n-layers\""), run.err());
    }

    @Test
    void trainSampleEvalAndResumeEndToEnd() throws IOException {
        Path text = dir.resolve("abc.txt");
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            corpus.append("the cat sat on the mat. ");
        }
        Files.writeString(text, corpus);
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, "{\"n-layer\": 1, \"n-head\": 2, \"n-embd\": 16, \"block-size\": 16, \"batch-size\": 4, \"max-iters\": 40, \"eval-interval\": 20, \"eval-iters\": 2, \"warmup-iters\": 5}");
        Path run = dir.resolve("run");

        Run train = jgpt("train", "--config", config.toString(), "--data", text.toString(), "--out-dir", run.toString(), "--max-iters", "30");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("step 30: train loss"), train.out());
        assertTrue(Files.readString(run.resolve("latest").resolve("state.json")).contains("\"max-iters\": 30"), "the flag wins over the config file");

        Run again = jgpt("train", "--data", text.toString(), "--out-dir", run.toString());
        assertUserError(again, "already holds a run");
        assertUserError(jgpt("train", "--resume", "--out-dir", run.toString(), "--lr", "0.01"), "--lr 0.01 does not match the checkpoint's 0.001");
        Run resumed = jgpt("train", "--resume", "--out-dir", run.toString(), "--max-iters", "40");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("resuming") && resumed.out().contains("step 40"), resumed.out());

        Run first = jgpt("sample", "--checkpoint", run.toString(), "--start", "the c", "--num-samples", "2", "--max-new-tokens", "40", "--seed", "7");
        Run second = jgpt("sample", "--checkpoint", run.toString(), "--start", "the c", "--num-samples", "2", "--max-new-tokens", "40", "--seed", "7");
        Run other = jgpt("sample", "--checkpoint", run.toString(), "--start", "the c", "--num-samples", "2", "--max-new-tokens", "40", "--seed", "8");
        assertEquals(0, first.exitCode(), first.err());
        assertEquals(first.out(), second.out(), "the same seed gives the same text");
        assertNotEquals(first.out(), other.out());
        assertEquals(1, first.out().lines().filter(SampleCommand.RULE::equals).count(), "a rule between the two samples");
        assertTrue(first.out().startsWith("the c"), first.out());

        Run unknown = jgpt("sample", "--checkpoint", run.toString(), "--start", "the dog", "--max-new-tokens", "5", "--num-samples", "1");
        assertEquals(0, unknown.exitCode());
        assertTrue(unknown.err().contains("warning: 2 character(s)"), unknown.err());

        Path prompt = dir.resolve("prompt.txt");
        Files.writeString(prompt, "the m");
        Run fromFile = jgpt("sample", "--checkpoint", run.toString(), "--start", "FILE:" + prompt, "--num-samples", "1", "--max-new-tokens", "10");
        assertTrue(fromFile.out().startsWith("the m"), fromFile.out());

        Run eval = jgpt("eval", "--checkpoint", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().startsWith("val loss "), eval.out());
        Run evalFile = jgpt("eval", "--checkpoint", run.toString(), "--data", text.toString());
        assertTrue(evalFile.out().contains("perplexity"), evalFile.out());
        assertFalse(evalFile.out().contains("NaN"), evalFile.out());

        Files.writeString(text, corpus + "a new character: z", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        assertUserError(jgpt("train", "--resume", "--out-dir", run.toString(), "--max-iters", "50"), "vocabulary");
    }

    @Test
    void exportThenEvalSampleAndTrainFromTheExportFolder() throws IOException {
        Path text = dir.resolve("abc.txt");
        Files.writeString(text, "the cat sat on the mat. ".repeat(300));
        Path run = dir.resolve("run");
        Run train = jgpt("train", "--data", text.toString(), "--out-dir", run.toString(), "--n-layer", "1", "--n-head", "2",
                "--n-embd", "16", "--block-size", "16", "--batch-size", "4", "--max-iters", "20", "--eval-interval", "0",
                "--eval-iters", "2", "--positions", "learned", "--tie-weights", "--no-scale-embedding", "--init", "plain");
        assertEquals(0, train.exitCode(), train.err());

        Path export = dir.resolve("export");
        Run exported = jgpt("export", "--checkpoint", run.toString(), "--out", export.toString());
        assertEquals(0, exported.exitCode(), exported.err());
        assertTrue(exported.out().contains("(iteration 20) to " + export), exported.out());
        assertUserError(jgpt("export", "--checkpoint", run.toString(), "--out", export.toString()), "already exists and is not an empty folder");
        assertUserError(jgpt("export", "--checkpoint", dir.resolve("nothing").toString(), "--out", dir.resolve("x").toString()), "no checkpoint at");

        Run fromRun = jgpt("eval", "--checkpoint", run.toString(), "--data", text.toString());
        Run fromExport = jgpt("eval", "--checkpoint", export.toString(), "--data", text.toString());
        assertEquals(0, fromExport.exitCode(), fromExport.err());
        assertEquals(fromRun.out().replaceAll("checkpoint .*", ""), fromExport.out().replaceAll("checkpoint .*", ""));
        assertEquals(0, jgpt("eval", "--checkpoint", export.toString()).exitCode(), "the export names its corpus");
        Run sample = jgpt("sample", "--checkpoint", export.toString(), "--start", "the ", "--num-samples", "1", "--max-new-tokens", "20");
        assertEquals(0, sample.exitCode(), sample.err());
        assertTrue(sample.out().startsWith("the "), sample.out());

        assertUserError(jgpt("train", "--init-from", export.toString(), "--data", text.toString(), "--out-dir", dir.resolve("a").toString(),
                "--n-layer", "2"), "--n-layer 2 does not match " + export + "'s 1: --init-from keeps the architecture");
        Path tuned = dir.resolve("tuned");
        Run fineTune = jgpt("train", "--init-from", export.toString(), "--data", text.toString(), "--out-dir", tuned.toString(),
                "--batch-size", "4", "--max-iters", "4", "--eval-interval", "2", "--eval-iters", "2");
        assertEquals(0, fineTune.exitCode(), fineTune.err());
        assertTrue(fineTune.out().contains("from the weights of " + export), fineTune.out());
        String state = Files.readString(tuned.resolve("latest").resolve("state.json"));
        assertTrue(state.contains("\"n-layer\": 1") && state.contains("\"no-scale-embedding\": true"), state);
    }
}
