package dev.jgpt.train.cli;

import static dev.jgpt.train.cli.JgptCliTest.jgpt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgpt.train.cli.JgptCliTest.Run;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new user met following the README (issue 9), each kept as the README says now. */
class NewUserTest {

    @TempDir static Path dir;

    private static Path textRun;
    private static Path csvRun;
    private static Path text;

    private static final String[] TINY = {
        "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16", "--batch-size", "4",
        "--eval-iters", "2", "--warmup-iters", "5", "--log-interval", "10"
    };

    private static String[] args(String[] first, String... more) {
        String[] all = Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    private static String[] train(String... more) {
        String[] head = args(new String[] {"train"}, TINY);
        return args(head, more);
    }

    @BeforeAll
    static void trainATextAndACsvRun() throws IOException {
        text = dir.resolve("cats.txt");
        Files.writeString(text, "the cat sat on the mat.\n".repeat(300));
        textRun = dir.resolve("text-run");
        Run trained = jgpt(train("--data", text.toString(), "--out-dir", textRun.toString(), "--max-iters", "30", "--eval-interval", "10",
                "--keep-checkpoints", "all"));
        assertEquals(0, trained.exitCode(), trained.err());

        Path csv = dir.resolve("reviews.csv");
        StringBuilder rows = new StringBuilder("id,text\n");
        for (int i = 0; i < 200; i++) {
            rows.append(i).append(",").append(i % 2 == 0 ? "good film" : "bad plot, good cast").append("\n");
        }
        Files.writeString(csv, rows);
        csvRun = dir.resolve("csv-run");
        Run csvTrained = jgpt(train("--data", csv.toString(), "--column", "text", "--out-dir", csvRun.toString(), "--max-iters", "20",
                "--eval-interval", "0"));
        assertEquals(0, csvTrained.exitCode(), csvTrained.err());
    }

    private static void assertOneLineError(Run run, int exitCode, String... expected) {
        assertEquals(exitCode, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("jgpt: "), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        for (String piece : expected) {
            assertTrue(run.err().contains(piece), "'" + piece + "' in " + run.err());
        }
        assertFalse(run.err().contains("Exception"), run.err());
    }

    /** Item 1: the run's --column belongs to its CSV, not to a text file evaluated later. */
    @Test
    void csvTrainedModelEvaluatesATextFile() throws IOException {
        Path other = dir.resolve("other.txt");
        Files.writeString(other, "good cast, bad film\n".repeat(20));
        Run eval = jgpt("eval", "--checkpoint", csvRun.toString(), "--data", other.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().startsWith(other + " loss "), eval.out());
        assertEquals(0, jgpt("eval", "--checkpoint", csvRun.toString()).exitCode(), "the run's own CSV still uses its column");
    }

    /** Item 3: config-file errors exit 1 with one line that names the file, the key and the problem. */
    @Test
    void configFileErrorsNameFileKeyAndProblem() throws IOException {
        Path missing = dir.resolve("missing.json");
        assertOneLineError(jgpt("train", "--config", missing.toString()), 1, "config file " + missing + " does not exist");

        Path truncated = dir.resolve("truncated.json");
        Files.writeString(truncated, "{\"n-layer\": ");
        assertOneLineError(jgpt("train", "--config", truncated.toString()), 1, truncated.toString(), "not valid JSON", "$.n-layer");

        Path badValue = dir.resolve("bad-value.json");
        Files.writeString(badValue, "{\"n-layer\": \"six\"}");
        Run bad = jgpt("train", "--config", badValue.toString(), "--out-dir", dir.resolve("never").toString());
        assertOneLineError(bad, 1, badValue + ": \"n-layer\": 'six' is not an int");
        assertFalse(bad.err().contains("Invalid value for option"), bad.err());

        Path unknown = dir.resolve("unknown.json");
        Files.writeString(unknown, "{\"n-layers\": 2}");
        assertOneLineError(jgpt("train", "--config", unknown.toString()), 1, unknown + ": unknown key \"n-layers\"");

        Run typed = jgpt("train", "--config", truncated.toString(), "--n-layer", "six");
        assertEquals(1, typed.exitCode(), "the file is read first: " + typed.err());
        Run flag = jgpt("train", "--n-layer", "six");
        assertEquals(2, flag.exitCode(), "a bad typed flag stays a usage error: " + flag.err());
    }

    /** Item 3: a damaged state.json is named with the place of the problem, not with Gson's class names. */
    @Test
    void malformedStateFileIsOneLineInTheUsersWords() throws IOException {
        Path damaged = dir.resolve("damaged");
        Files.createDirectories(damaged);
        Path source = textRun.resolve("latest").toRealPath();
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, damaged.resolve(file.getFileName()));
            }
        }
        Files.writeString(damaged.resolve("state.json"), "{\"format\": 1, \"iter\": ");
        Run checked = jgpt("eval", "--checkpoint", damaged.toString());
        assertOneLineError(checked, 1, "checkpoint " + damaged + " is damaged: state.json or state.sha256 is truncated or corrupt");
        // A checkpoint saved before state.sha256 existed has only the parser to tell.
        Files.delete(damaged.resolve("state.sha256"));
        Run run = jgpt("eval", "--checkpoint", damaged.toString());
        assertOneLineError(run, 1, "checkpoint " + damaged + " has no readable state.json", "line 1 column");
        assertFalse(run.err().contains("gson"), run.err());
    }

    /** Item 5: resuming a run that is already at --max-iters says so and fails. */
    @Test
    void resumeAtOrPastMaxItersSaysWhereTheRunIs() {
        for (String maxIters : new String[] {"30", "20"}) {
            Run resumed = jgpt("train", "--resume", "--out-dir", textRun.toString(), "--max-iters", maxIters);
            assertOneLineError(resumed, 1, "already at iteration 30", "pass --max-iters above 30");
            assertFalse(resumed.out().contains("done"), resumed.out());
        }
    }

    /** Item 6: a run folder means its latest checkpoint for sample and eval; DIR/best names the best. */
    @Test
    void sampleAndEvalUseLatestUnlessBestIsNamed() throws IOException {
        Path copy = dir.resolve("best-is-old");
        Files.createDirectories(copy);
        try (Stream<Path> entries = Files.list(textRun)) {
            for (Path entry : entries.toList()) {
                if (Files.isSymbolicLink(entry)) {
                    Files.createSymbolicLink(copy.resolve(entry.getFileName()), Files.readSymbolicLink(entry));
                } else if (entry.getFileName().toString().startsWith("ckpt-")) {
                    Files.createSymbolicLink(copy.resolve(entry.getFileName()), entry.toAbsolutePath());
                }
            }
        }
        Files.delete(copy.resolve("best"));
        Files.createSymbolicLink(copy.resolve("best"), Path.of("ckpt-0000010"));

        assertTrue(jgpt("eval", "--checkpoint", copy.toString()).out().contains("at iteration 30"));
        assertTrue(jgpt("eval", "--checkpoint", copy.resolve("best").toString()).out().contains("at iteration 10"));
        String[] sample = {"sample", "--start", "the", "--num-samples", "1", "--max-new-tokens", "30", "--checkpoint"};
        assertEquals(jgpt(args(sample, copy.resolve("latest").toString())).out(), jgpt(args(sample, copy.toString())).out());
    }

    /** Item 7: --keep-checkpoints N keeps the N newest (and best); all keeps every one. */
    @Test
    void keepCheckpointsKeepsTheNewestOrAll() throws IOException {
        assertEquals(List.of("ckpt-0000000", "ckpt-0000010", "ckpt-0000020", "ckpt-0000030"), checkpoints(textRun), "all");

        Path kept = dir.resolve("kept");
        assertEquals(0, jgpt(train("--data", text.toString(), "--out-dir", kept.toString(), "--max-iters", "50", "--eval-interval", "10")).exitCode());
        List<String> left = checkpoints(kept);
        assertTrue(left.containsAll(List.of("ckpt-0000030", "ckpt-0000040", "ckpt-0000050")), "the default keeps the 3 newest: " + left);
        String best = Files.readSymbolicLink(kept.resolve("best")).toString();
        assertTrue(left.stream().allMatch(n -> n.compareTo("ckpt-0000030") >= 0 || n.equals(best)), "older ones are deleted: " + left);

        Path one = dir.resolve("one");
        assertEquals(0, jgpt(train("--data", text.toString(), "--out-dir", one.toString(), "--max-iters", "20", "--eval-interval", "10",
                "--keep-checkpoints", "1")).exitCode());
        assertTrue(checkpoints(one).size() <= 2, "latest and best: " + checkpoints(one));
        assertTrue(checkpoints(one).contains("ckpt-0000020"));

        assertEquals(2, jgpt("train", "--keep-checkpoints", "0").exitCode());
    }

    private static List<String> checkpoints(Path run) throws IOException {
        try (Stream<Path> entries = Files.list(run)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ckpt-")).sorted().toList();
        }
    }

    /**
     * Item 9: only characters (and a final </s>) are drawn, so a text run, or a CSV run with
     * --ignore-eos, gives exactly --max-new-tokens characters; samples are separated, not
     * followed, by the rule.
     */
    @Test
    void samplesHaveTheCharactersAskedForAndRulesOnlyBetween() {
        // A text run never saw </s> and draws none; a CSV run does, unless told to ignore it.
        for (Path run : new Path[] {textRun, csvRun}) {
            Run sampled = jgpt("sample", "--checkpoint", run.toString(), "--num-samples", "3", "--max-new-tokens", "120",
                    run == csvRun ? "--ignore-eos" : "--no-kv-cache", "--temperature", "4", "--top-k", "0", "--seed", "11");
            assertEquals(0, sampled.exitCode(), sampled.err());
            String out = sampled.out();
            assertTrue(out.endsWith("\n") && !out.strip().endsWith(SampleCommand.RULE), out);
            String[] samples = out.substring(0, out.length() - 1).split("\n" + SampleCommand.RULE + "\n", -1);
            assertEquals(3, samples.length, out);
            for (String sample : samples) {
                assertEquals(120, sample.codePointCount(0, sample.length()), run + ": " + sample);
                assertFalse(sample.contains("\uFFFD"), sample);
            }
        }
    }

    /** Item 9: a text run starts from a new line, as its training text did, not from <s>. */
    @Test
    void textRunStartsAfterANewLine() {
        String[] sample = {"sample", "--checkpoint", textRun.toString(), "--num-samples", "1", "--max-new-tokens", "40", "--seed", "5"};
        Run fresh = jgpt(sample);
        Run afterNewLine = jgpt(args(sample, "--start", "\n"));
        assertEquals(afterNewLine.out(), "\n" + fresh.out());
    }

    /** Item 9: characters of --start that the model lacks are named and shown as typed. */
    @Test
    void unknownPromptCharactersAreNamedNotReplaced() {
        Run run = jgpt("sample", "--checkpoint", textRun.toString(), "--start", "the dog", "--num-samples", "1", "--max-new-tokens", "5");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("the dog"), run.out());
        assertFalse(run.out().contains("\uFFFD"), run.out());
        assertTrue(run.err().contains("2 character(s)") && run.err().contains("\"d\", \"g\""), run.err());
    }

    /** Issue 13: sample prints each token as it is drawn, flushing it to the terminal. */
    @Test
    void samplePrintsTokensAsTheyAreDrawn() {
        List<Integer> flushedSizes = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream watching = new PrintStream(bytes, false, StandardCharsets.UTF_8) {
            @Override
            public void flush() {
                super.flush();
                flushedSizes.add(bytes.size());
            }
        };
        PrintStream saved = System.out;
        System.setOut(watching);
        try {
            assertEquals(0, Jgpt.run("sample", "--checkpoint", textRun.toString(), "--num-samples", "1", "--max-new-tokens", "50", "--ignore-eos"));
        } finally {
            System.setOut(saved);
        }
        assertTrue(flushedSizes.stream().distinct().count() >= 50, "flushed at " + flushedSizes);
    }

    /** Item 10: --start FILE:- reads the prompt from standard input. */
    @Test
    void startFromStandardInput() {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream("the m".getBytes(StandardCharsets.UTF_8)));
        try {
            Run run = jgpt("sample", "--checkpoint", textRun.toString(), "--start", "FILE:-", "--num-samples", "1", "--max-new-tokens", "5");
            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.out().startsWith("the m"), run.out());
        } finally {
            System.setIn(saved);
        }
    }

    /** Item 10: a bad model shape is refused before any corpus is read or announced. */
    @Test
    void modelShapeIsCheckedBeforeTheCorpus() {
        String[][] bad = {{"--n-layer", "0"}, {"--n-head", "3"}, {"--dropout", "1.5"}, {"--block-size", "0"}};
        String[] expected = {"--n-layer must be > 0, got 0", "--n-embd must be a multiple of --n-head, got 128 and 3",
            "--dropout must be in [0, 1), got 1.5", "--block-size must be > 0, got 0"};
        for (int i = 0; i < bad.length; i++) {
            Run run = jgpt("train", "--data", text.toString(), "--out-dir", dir.resolve("shape" + i).toString(), bad[i][0], bad[i][1]);
            assertOneLineError(run, 1, expected[i]);
            assertEquals("", run.out(), "nothing read or announced");
        }
    }

    /** Item 10: resuming a built-in-stories run with another --data names the stories, not "null". */
    @Test
    void resumeWithOtherDataNamesTheStories() {
        Path stories = dir.resolve("stories");
        assertEquals(0, jgpt(train("--out-dir", stories.toString(), "--max-iters", "2", "--eval-interval", "0")).exitCode());
        Run run = jgpt("train", "--resume", "--out-dir", stories.toString(), "--data", text.toString(), "--max-iters", "4");
        assertOneLineError(run, 1, "does not match the checkpoint's built-in stories");
        assertFalse(run.err().contains("null"), run.err());
    }

    /** Item 10: bench refuses the training flags it would ignore, and lists none of them. */
    @Test
    void benchRefusesTrainingOnlyFlags() {
        for (String flag : new String[] {"--out-dir", "--max-iters", "--warmup-iters", "--eval-interval", "--eval-iters", "--log-interval"}) {
            Run run = jgpt("bench", flag, "5");
            assertEquals(2, run.exitCode(), flag + ": " + run.err());
            assertTrue(run.err().startsWith("jgpt: Unknown options: '" + flag + "'"), run.err());
            assertFalse(jgpt("bench", "--help").out().contains(flag + "="), flag);
        }
        assertTrue(jgpt("train", "--help").out().contains("--out-dir"), "train keeps them");

        Run bench = jgpt("bench", "--data", text.toString(), "--n-layer", "1", "--n-embd", "16", "--n-head", "2", "--block-size", "16",
                "--iters", "1", "--warmup", "0", "--sample-tokens", "5");
        assertEquals(0, bench.exitCode(), bench.err());
        assertTrue(bench.out().indexOf("sampling ") < bench.out().indexOf("training "), "printed in the order it runs: " + bench.out());
    }

    /** bench --checkpoint times the saved model at its own shape; --iters 0 times its sampling alone. */
    @Test
    void benchTimesASavedModel() {
        String shape = "n_layer 1, n_head 2, n_embd 16, block_size 16"; // the run's, not bench's defaults
        Run sampling = jgpt("bench", "--checkpoint", textRun.toString(), "--iters", "0", "--sample-tokens", "5");
        assertEquals(0, sampling.exitCode(), sampling.err());
        assertTrue(sampling.out().contains(shape) && sampling.out().contains("from " + textRun), sampling.out());
        assertTrue(sampling.out().contains("sampling ") && !sampling.out().contains("training "), sampling.out());

        Run both = jgpt("bench", "--checkpoint", textRun.toString(), "--data", text.toString(), "--iters", "1", "--warmup", "0",
                "--sample-tokens", "5");
        assertEquals(0, both.exitCode(), both.err());
        assertTrue(both.out().contains(shape) && both.out().contains("training "), both.out());

        assertOneLineError(jgpt("bench", "--checkpoint", textRun.toString(), "--n-layer", "2", "--iters", "0"), 1,
                "--n-layer 2 does not match", "--checkpoint keeps the architecture");
        assertOneLineError(jgpt("bench", "--iters", "0", "--sample-tokens", "0"), 1, "leaves nothing to time");
    }

    /** Item 10: checkpoint folders get the mode any new folder gets (the umask's), not 0700. */
    @Test
    void checkpointFoldersHaveTheUsualMode() throws IOException {
        Path plain = Files.createDirectory(dir.resolve("plain"));
        String usual = PosixFilePermissions.toString(Files.getPosixFilePermissions(plain));
        for (String checkpoint : checkpoints(textRun)) {
            assertEquals(usual, PosixFilePermissions.toString(Files.getPosixFilePermissions(textRun.resolve(checkpoint))), checkpoint);
        }
    }
}
