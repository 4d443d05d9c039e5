package dev.jgpt.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgpt.train.chart.Pictures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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
            int code = Jgpt.run(TestPreparedDir.add(args));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    static void assertUserError(Run run, String expected) {
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("jgpt: "), run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line, no stack trace: " + run.err());
    }

    @Test
    void everyCommandHasHelp() {
        Set<String> commands = new CommandLine(new Jgpt()).getSubcommands().keySet(); // every one there is, not a list kept here
        assertTrue(commands.containsAll(Set.of("train", "sample", "eval", "bench", "prepare", "export", "plot", "embeddings", "attention", "info", "help")), commands.toString());
        for (String command : commands) {
            Run run = jgpt(command, "--help");
            assertEquals(0, run.exitCode(), command + ": " + run.err());
            assertTrue(run.out().contains("Usage: jgpt " + command), run.out());
            assertEquals("", run.err(), command);
        }
        Run top = jgpt("--help");
        assertEquals(0, top.exitCode());
        for (String command : commands) {
            assertTrue(top.out().contains("  " + command + " "), "jgpt --help names " + command + ":\n" + top.out());
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

        Files.writeString(config, "{\"n-layer\": 2,, }");
        Run malformed = jgpt("train", "--config", config.toString());
        assertEquals(1, malformed.exitCode());
        assertTrue(malformed.err().startsWith("jgpt: config file " + config + " is not valid JSON: "), malformed.err());
        assertEquals(1, malformed.err().strip().lines().count(), "no second line from Gson's troubleshooting page: " + malformed.err());
    }

    @Test
    void unexpectedErrorsAreOneLineNamingTheirClass() {
        java.io.StringWriter text = new java.io.StringWriter();
        int code = Jgpt.report(new IllegalStateException("broken\nSee https://example.org"), new java.io.PrintWriter(text), false);
        assertEquals(1, code);
        assertEquals("jgpt: IllegalStateException: broken (JGPT_DEBUG=1 prints the stack trace)\n", text.toString());
        java.io.StringWriter debug = new java.io.StringWriter();
        Jgpt.report(new IllegalStateException("broken"), new java.io.PrintWriter(debug), true);
        assertTrue(debug.toString().startsWith("jgpt: IllegalStateException: broken\njava.lang.IllegalStateException: broken\n\tat "), debug.toString());
    }

    private Path tinyText() throws IOException {
        Path text = dir.resolve("abc.txt");
        Files.writeString(text, "the cat sat on the mat. ".repeat(400));
        return text;
    }

    private static final String[] TINY = {
        "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16", "--batch-size", "4", "--eval-iters", "2", "--warmup-iters", "5"
    };

    /** jgpt train with a tiny model; later flags win. */
    private static String[] train(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train"));
        args.addAll(List.of(TINY));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** Extending a run keeps its schedule: past lr-decay-iters the rate stays at min-lr, unless changed explicitly. */
    @Test
    void resumingWithMoreIterationsKeepsTheScheduleLength() throws IOException {
        Path run = dir.resolve("run");
        assertEquals(0, jgpt(train("--data", tinyText().toString(), "--out-dir", run.toString(), "--max-iters", "20", "--eval-interval", "10", "--log-interval", "1")).exitCode());
        assertTrue(Files.readString(run.resolve("latest").resolve("state.json")).contains("\"lr-decay-iters\": 20"));
        Run longer = jgpt("train", "--resume", "--out-dir", run.toString(), "--max-iters", "30");
        assertEquals(0, longer.exitCode(), longer.err());
        Run explicit = jgpt("train", "--resume", "--out-dir", run.toString(), "--max-iters", "40", "--lr-decay-iters", "60");
        assertEquals(0, explicit.exitCode(), explicit.err());
        assertTrue(Files.readString(run.resolve("latest").resolve("state.json")).contains("\"lr-decay-iters\": 60"));

        for (String line : Files.readAllLines(run.resolve("metrics.csv")).subList(1, 42)) {
            String[] cells = line.split(",", -1);
            int iter = Integer.parseInt(cells[0]);
            float lr = Float.parseFloat(cells[1]);
            if (iter >= 20 && iter < 30) {
                assertEquals(1e-4f, lr, 1e-9f, "iteration " + iter + " is past lr-decay-iters 20: min-lr");
            } else if (iter >= 30) {
                assertTrue(lr > 1.5e-4f, "iteration " + iter + " decays to 60 now: " + lr);
            }
        }
    }

    /** The issue's case: a NaN loss used to go on for every iteration, save NaN weights and exit 0. */
    @Test
    void aRunThatDivergesStopsInOneLineWithoutSavingNaN() throws IOException {
        Path run = dir.resolve("run");
        Run diverged = jgpt(train("--data", tinyText().toString(), "--out-dir", run.toString(),
                "--lr", "1e4", "--warmup-iters", "0", "--grad-clip", "0", "--max-iters", "300", "--eval-interval", "10"));
        assertUserError(diverged, "training diverged: 5 steps in a row");
        assertFalse(diverged.out().contains("whole val split"), diverged.out());
        assertTrue(diverged.out().contains("step skipped"), diverged.out());
        Run eval = jgpt("eval", "--checkpoint", run.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        double loss = com.google.gson.JsonParser.parseString(eval.out()).getAsJsonObject().get("loss").getAsDouble();
        assertTrue(Double.isFinite(loss), eval.out());
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
        assertTrue(train.out().contains("evaluating...\nstep 30: train loss"), train.out());
        assertTrue(train.out().lines().anyMatch(l -> l.matches("iter 10/30 \\(36%\\): loss \\d\\.\\d{4}, lr .*, .* ms/iter, .* tokens/s, ETA \\d+:\\d\\d")), train.out());
        String whole = train.out().lines().filter(l -> l.startsWith("val loss over the whole val split: ")).findFirst().orElseThrow();
        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        assertTrue(metrics.get(metrics.size() - 1).startsWith("30,"), metrics.toString());
        assertTrue(metrics.get(metrics.size() - 1).contains("," + whole.substring(35, 41) + ","), "val_loss_full in the row of iteration 30: " + metrics);
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
        Run json = jgpt("eval", "--checkpoint", run.toString(), "--json");
        assertEquals(0, json.exitCode(), json.err());
        assertEquals(1, json.out().strip().lines().count(), json.out());
        com.google.gson.JsonObject result = com.google.gson.JsonParser.parseString(json.out()).getAsJsonObject();
        assertTrue(eval.out().startsWith(String.format(java.util.Locale.ROOT,
                "val loss %.4f, perplexity %.2f, %.4f bits per byte (%,d targets, checkpoint ", result.get("loss").getAsDouble(),
                result.get("perplexity").getAsDouble(), result.get("bits_per_byte").getAsDouble(), result.get("tokens").getAsLong())),
                eval.out() + json.out());
        assertEquals("val", result.get("data").getAsString());
        assertEquals(run.resolve("latest").toString(), result.get("checkpoint").getAsString());
        Run evalFile = jgpt("eval", "--checkpoint", run.toString(), "--data", text.toString());
        assertTrue(evalFile.out().contains("perplexity"), evalFile.out());
        assertFalse(evalFile.out().contains("NaN"), evalFile.out());

        Files.writeString(text, corpus + "a new character: z", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        assertUserError(jgpt("train", "--resume", "--out-dir", run.toString(), "--max-iters", "50"), "vocabulary");
    }

    /** Two short runs, then every picture and file of issue 13: plot, embeddings, attention, info. */
    @Test
    void picturesAndInfoOfTwoShortRuns() throws IOException {
        Path text = dir.resolve("pets.txt");
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            corpus.append(i % 2 == 0 ? "The cat sat on mat 1.\n" : "A dog ran to the tree 2. ");
        }
        Files.writeString(text, corpus);
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, "{\"n-layer\": 2, \"n-head\": 2, \"n-embd\": 16, \"block-size\": 16, \"batch-size\": 4, \"max-iters\": 30, \"eval-interval\": 10, \"eval-iters\": 2, \"warmup-iters\": 5, \"log-interval\": 5}");
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        assertEquals(0, jgpt("train", "--config", config.toString(), "--data", text.toString(), "--out-dir", first.toString()).exitCode());
        assertEquals(0, jgpt("train", "--config", config.toString(), "--data", text.toString(), "--out-dir", second.toString(), "--lr", "3e-3", "--seed", "7").exitCode());
        Pictures.assertPng(first.resolve("loss.png"), 1000, 700, 20);
        Pictures.assertPng(second.resolve("loss.png"), 1000, 700, 20);
        Path quiet = dir.resolve("quiet");
        assertEquals(0, jgpt("train", "--config", config.toString(), "--data", text.toString(), "--out-dir", quiet.toString(), "--max-iters", "10", "--no-plot").exitCode());
        assertFalse(Files.exists(quiet.resolve("loss.png")), "--no-plot");

        Run both = jgpt("plot", first.toString(), second.toString(), "--out", dir.resolve("both.png").toString(), "--width", "800", "--height", "600");
        assertEquals(0, both.exitCode(), both.err());
        Pictures.assertPng(dir.resolve("both.png"), 800, 600, 20);
        Run svg = jgpt("plot", first.resolve("metrics.csv").toString(), "--out", dir.resolve("first.svg").toString(), "--title", "first run", "--y-scale", "log");
        assertEquals(0, svg.exitCode(), svg.err());
        Pictures.assertSvg(dir.resolve("first.svg"), 1000, 700);
        assertUserError(jgpt("plot", first.toString(), "--out", dir.resolve("x.gif").toString()), "must end in .png or .svg");
        assertUserError(jgpt("plot", dir.resolve("none").toString(), "--out", dir.resolve("x.png").toString()), "no metrics.csv at");
        assertUserError(jgpt("plot", first.toString(), "--out", dir.resolve("x.png").toString(), "--y-scale", "cubic"), "--y-scale must be auto, linear or log, got cubic");

        Path embeddings = dir.resolve("embeddings");
        Run map = jgpt("embeddings", "--checkpoint", first.toString(), "--out", embeddings.toString(), "--svg");
        assertEquals(0, map.exitCode(), map.err());
        Pictures.assertPng(embeddings.resolve("embeddings.png"), 1100, 850, 20);
        Pictures.assertSvg(embeddings.resolve("embeddings.svg"), 1100, 850);
        int vocabulary = dev.jgpt.data.Vocabulary.fromText(corpus.toString()).size();
        assertEquals(vocabulary, Files.readAllLines(embeddings.resolve("vectors.tsv")).size());
        assertEquals(16, Files.readAllLines(embeddings.resolve("vectors.tsv")).get(0).split("\t").length);
        assertEquals(vocabulary + 1, Files.readAllLines(embeddings.resolve("metadata.tsv")).size());
        // The defaults: a vowel, a digit, a capital, space and newline, one line each.
        for (String query : new String[] {"\n  e ", "\n  1 ", "\n  A ", "\n  <space> ", "\n  <newline> "}) {
            assertTrue(map.out().contains(query), "no line for '" + query.strip() + "' in: " + map.out());
        }
        Run chosen = jgpt("embeddings", "--checkpoint", first.toString(), "--out", embeddings.toString(), "--query", "a\\s", "--neighbours", "3");
        assertEquals(0, chosen.exitCode(), chosen.err());
        assertEquals(2, chosen.out().lines().filter(line -> line.startsWith("  ")).count(), chosen.out());
        assertTrue(chosen.out().contains("\n  <space> "), chosen.out());
        assertUserError(jgpt("embeddings", "--checkpoint", first.toString(), "--out", embeddings.toString(), "--query", "z"), "--query: z is not in the model's vocabulary");

        Run attention = jgpt("attention", "--checkpoint", first.toString(), "--text", "The cat sat", "--out", dir.resolve("attention.png").toString());
        assertEquals(0, attention.exitCode(), attention.err());
        assertTrue(attention.out().contains("2 layers × 2 heads, 11 positions"), attention.out());
        Pictures.assertPng(dir.resolve("attention.png"), 2 * (11 * 22 + 70), 2 * (11 * 22 + 70) + 46, 10); // and the colour scale
        assertUserError(jgpt("attention", "--checkpoint", first.toString(), "--text", "x".repeat(17), "--out", dir.resolve("a.png").toString()), "--text has 17 characters; the model sees at most block_size = 16");

        Run info = jgpt("info", "--checkpoint", first.toString());
        assertEquals(0, info.exitCode(), info.err());
        for (String expected : new String[] {"iteration     30 of 30", "parameters", "best val loss", "last val loss", "vocabulary    " + vocabulary + " tokens", "metrics.csv", "loss.png", "model.params", "\"n-layer\": 2"}) {
            assertTrue(info.out().contains(expected), "no '" + expected + "' in: " + info.out());
        }
    }

    @Test
    void prepareOnceThenTrainAndEvaluateACsvWithinATokenBound() throws IOException {
        StringBuilder rows = new StringBuilder("id,text\n");
        for (int i = 0; i < 60; i++) {
            rows.append(i).append(",the cat sat on mat number ").append(i).append(" and slept.\n");
        }
        Path csv = Files.writeString(dir.resolve("rows.csv"), rows);
        Path prepared = dir.resolve("prepared");

        Run prepare = jgpt("prepare", "--data", csv.toString(), "--column", "text", "--prepared-dir", prepared.toString());
        assertEquals(0, prepare.exitCode(), prepare.err());
        assertTrue(prepare.out().startsWith(csv + " column \"text\": 60 rows, "), prepare.out());
        assertTrue(prepare.out().contains("prepared files in " + prepared.resolve("rows.csv-")), prepare.out());

        Path run = dir.resolve("csvrun");
        Run train = jgpt("train", "--data", csv.toString(), "--column", "text", "--prepared-dir", prepared.toString(),
                "--out-dir", run.toString(), "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16",
                "--batch-size", "4", "--max-iters", "10", "--eval-interval", "0", "--eval-iters", "2", "--eval-tokens", "40");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().matches("(?s).*val loss over the whole val split: [0-9.]+, perplexity [0-9.]+, [0-9.]+ bits per byte \\(\\d+ of"
                + " \\d+ targets, evenly spaced windows\\).*"), train.out());

        Run whole = jgpt("eval", "--checkpoint", run.toString(), "--prepared-dir", prepared.toString(), "--eval-tokens", "0");
        assertEquals(0, whole.exitCode(), whole.err());
        assertTrue(whole.out().matches("val loss [0-9.]+, perplexity [0-9.]+, [0-9.]+ bits per byte \\(\\d+ targets, checkpoint .*\\n"), whole.out());

        Path blank = Files.writeString(dir.resolve("blank.csv"), "id,text\n1,\n2,\n");
        assertUserError(jgpt("eval", "--checkpoint", run.toString(), "--data", blank.toString(), "--prepared-dir",
                prepared.toString()), "corpus " + blank + " column \"text\" is empty");
        assertUserError(jgpt("eval", "--checkpoint", run.toString(), "--eval-tokens", "-1"), "--eval-tokens must be >= 0");
    }

    @Test
    void aRopeRunResumesExportsAndShowsItsPositions() throws IOException {
        Path text = dir.resolve("abc.txt");
        Files.writeString(text, "the cat sat on the mat. ".repeat(300));
        Path run = dir.resolve("rope");
        String[] tiny = {"--data", text.toString(), "--out-dir", run.toString(), "--n-layer", "1", "--n-head", "2", "--n-embd", "16",
                "--block-size", "16", "--batch-size", "4", "--eval-interval", "0", "--eval-iters", "2", "--positions", "rope"};
        assertUserError(jgpt(concat(tiny, "--rope-base", "0")), "--rope-base must be a finite number > 0, got 0.0");
        assertUserError(jgpt(concat(tiny, "--n-head", "4", "--n-embd", "12")),
                "--positions rope needs an even head size, got --n-embd / --n-head = 12 / 4 = 3");
        assertUserError(jgpt("train", "--positions", "rotary", "--out-dir", dir.resolve("x").toString()),
                "--positions must be sinusoidal, learned or rope, got rotary");
        assertUserError(jgpt("train", "--rope-base", "500", "--out-dir", dir.resolve("x").toString()),
                "--rope-base 500.0 is for --positions rope, not sinusoidal");
        Run train = jgpt(concat(tiny, "--rope-base", "500", "--max-iters", "6"));
        assertEquals(0, train.exitCode(), train.err());
        assertUserError(jgpt(concat(tiny, "--resume", "--rope-base", "1000", "--max-iters", "8")),
                "--rope-base 1000.0 does not match the checkpoint's 500.0");
        Run resumed = jgpt(concat(tiny, "--resume", "--max-iters", "8"));
        assertEquals(0, resumed.exitCode(), resumed.err());

        Run info = jgpt("info", "--checkpoint", run.toString());
        assertTrue(info.out().contains("block 16, rope (base 500) positions, exact GELU:"), info.out());
        Path export = dir.resolve("rope-export");
        assertEquals(0, jgpt("export", "--checkpoint", run.toString(), "--out", export.toString()).exitCode());
        String config = Files.readString(export.resolve("config.json"));
        assertTrue(config.contains("\"positions\": \"rope\"") && config.contains("\"rope_base\": 500.0"), config);
        Run fromRun = jgpt("eval", "--checkpoint", run.toString(), "--data", text.toString());
        Run fromExport = jgpt("eval", "--checkpoint", export.toString(), "--data", text.toString());
        assertEquals(0, fromExport.exitCode(), fromExport.err());
        assertEquals(fromRun.out().replaceAll("checkpoint .*", ""), fromExport.out().replaceAll("checkpoint .*", ""));
        Run attention = jgpt("attention", "--checkpoint", run.toString(), "--text", "the cat", "--out", dir.resolve("rope.png").toString());
        assertEquals(0, attention.exitCode(), attention.err());
        Pictures.assertPng(dir.resolve("rope.png"), 2 * (7 * 22 + 70), 7 * 22 + 70 + 46, 10); // and the colour scale
    }

    private static String[] concat(String[] flags, String... more) {
        String[] all = new String[flags.length + more.length + 1];
        all[0] = "train";
        System.arraycopy(flags, 0, all, 1, flags.length);
        System.arraycopy(more, 0, all, flags.length + 1, more.length);
        return all;
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
        Path plain = Files.createDirectory(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(export),
                "an export folder's mode comes from the umask (0755 under 022), as any folder's");
        assertUserError(jgpt("export", "--checkpoint", run.toString(), "--out", export.toString()), "already exists and is not an empty folder");
        assertUserError(jgpt("export", "--checkpoint", dir.resolve("nothing").toString(), "--out", dir.resolve("x").toString()), "no checkpoint at");

        Run fromRun = jgpt("eval", "--checkpoint", run.toString(), "--data", text.toString());
        Run fromExport = jgpt("eval", "--checkpoint", export.toString(), "--data", text.toString());
        assertEquals(0, fromExport.exitCode(), fromExport.err());
        assertEquals(fromRun.out().replaceAll("checkpoint .*", ""), fromExport.out().replaceAll("checkpoint .*", ""));
        Run whole = jgpt("eval", "--checkpoint", export.toString(), "--data", text.toString(), "--json", "--eval-tokens", "0");
        assertEquals(0, whole.exitCode(), whole.err());
        assertEquals(Files.readString(text).length() - 1,
                com.google.gson.JsonParser.parseString(whole.out()).getAsJsonObject().get("tokens").getAsLong(),
                "a text of N characters has N - 1 targets, the one across the train/val boundary included");
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
