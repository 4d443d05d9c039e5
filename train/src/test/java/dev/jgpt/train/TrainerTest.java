package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Batch;
import dev.jgpt.data.Corpora;
import dev.jgpt.data.Corpus;
import dev.jgpt.data.EvaluationWindows;
import dev.jgpt.data.Sha256;
import dev.jgpt.data.Split;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.data.Window;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.chart.LossPlot;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.chart.Pictures;
import dev.jgpt.train.store.Checkpoint;
import dev.jgpt.train.store.CheckpointStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop end to end on a tiny model and a slice of the built-in stories. */
public class TrainerTest {

    public static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    public static final Corpus STORIES = Corpora.fromText("sentences", sentences(3000), null);

    /** A small generated text: random sentences of a tiny grammar. */
    public static String sentences(int count) {
        String[] subjects = {"the cat", "a dog", "the old bird", "my friend"};
        String[] verbs = {"sat on", "ran to", "looked at", "jumped over"};
        String[] objects = {"the mat", "a tree", "the red house", "the river"};
        java.util.Random random = new java.util.Random(42);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(subjects[random.nextInt(4)]).append(' ').append(verbs[random.nextInt(4)]).append(' ')
                    .append(objects[random.nextInt(4)]).append(i % 5 == 4 ? ".\n" : ". ");
        }
        return text.toString();
    }

    @TempDir Path dir;

    public static TrainConfig tiny(Path outDir, int maxIters, int evalInterval, float dropout) {
        return new TrainConfig(
                null, null, outDir.toString(), 1, 2, 32, 16, 8, dropout, "sinusoidal", false, false, "gpt2", null,
                3e-3f, 3e-4f, 10, maxIters, 0.1f, 0.9f, 0.99f, 1.0f, 2,
                evalInterval, 4, 5, 1, 1337, "cpu", maxIters, TrainConfig.DEFAULT_MAX_NONFINITE_STEPS,
                GptConfig.DEFAULT_ROPE_BASE, "gelu");
    }

    /** {@code config} with some keys changed, by their flag names. */
    static TrainConfig with(TrainConfig config, Object... keysAndValues) {
        com.google.gson.JsonObject json = config.toJson();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            json.add((String) keysAndValues[i], new com.google.gson.Gson().toJsonTree(keysAndValues[i + 1]));
        }
        return TrainConfig.fromJson(json);
    }

    static List<CSVRecord> metrics(Path outDir) throws IOException {
        try (var reader = Files.newBufferedReader(outDir.resolve("metrics.csv"))) {
            return CSVFormat.DEFAULT.builder().setHeader().get().parse(reader).getRecords();
        }
    }

    @Test
    void tinyModelHalvesItsLossAndStartsNearLogVocabulary() throws IOException {
        TrainConfig config = tiny(dir, 150, 50, 0f);
        try (Trainer trainer = Trainer.start(config, STORIES, QUIET)) {
            trainer.addListener(new LossPlot(dir, QUIET));
            trainer.train();
        }
        List<CSVRecord> rows = metrics(dir);
        assertEquals(List.of("iter", "lr", "loss", "train_loss", "val_loss", "val_loss_full", "val_bpb", "val_bpb_full", "ms_per_iter", "tokens_per_s"),
                rows.get(0).getParser().getHeaderNames());
        float firstLoss = Float.parseFloat(rows.get(0).get("train_loss"));
        assertEquals(Math.log(STORIES.vocabulary().size()), firstLoss, 0.15, "first estimated loss");
        CSVRecord last = rows.get(rows.size() - 1);
        assertEquals("150", last.get("iter"));
        float lastVal = Float.parseFloat(last.get("val_loss"));
        assertTrue(lastVal < firstLoss / 2, "val loss " + lastVal + " is not half of " + firstLoss);
        assertTrue(rows.stream().anyMatch(r -> r.get("val_loss").isEmpty() && !r.get("loss").isEmpty() && !r.get("tokens_per_s").isEmpty()));
        Pictures.assertPng(dir.resolve("loss.png"), 1000, 700, 20); // redrawn at each evaluation
    }

    /**
     * A run stopped between two steps saves there; resumed, it ends where an uninterrupted one
     * does, with the same metrics.csv rows, though the stopped run logged steps past its checkpoint
     * (as one killed after its last save would have).
     */
    @Test
    void stoppedAndResumedRunEqualsTheUninterruptedOne() throws IOException {
        Path whole = dir.resolve("whole");
        Path split = dir.resolve("split");
        try (Trainer trainer = Trainer.start(tiny(whole, 40, 10, 0.1f), STORIES, QUIET)) {
            assertTrue(trainer.train(() -> false));
        }
        assertFalse(Files.exists(whole.resolve("loss.png")), "a run without the loss plot listening draws nothing");
        try (Trainer trainer = Trainer.start(tiny(split, 40, 10, 0.1f), STORIES, QUIET)) {
            assertFalse(trainer.train(() -> trainer.iteration() == 23));
        }
        Checkpoint stopped = CheckpointStore.open(split, "latest");
        assertEquals(23, stopped.iter());
        Files.writeString(split.resolve("metrics.csv"), "25,0.001,2.5,,,,1.00,100.0\n30,0.001,2.4,2.4,2.4,,,\n", StandardOpenOption.APPEND);
        try (Trainer trainer = Trainer.resume(tiny(split, 40, 10, 0.1f), STORIES, stopped, QUIET)) {
            trainer.train();
        }
        Checkpoint a = CheckpointStore.open(whole, "latest");
        Checkpoint b = CheckpointStore.open(split, "latest");
        assertEquals(40, b.iter());
        assertEquals(Sha256.of(a.dir().resolve(Checkpoint.MODEL)), Sha256.of(b.dir().resolve(Checkpoint.MODEL)));
        assertEquals(Sha256.of(a.dir().resolve(Checkpoint.OPTIMIZER)), Sha256.of(b.dir().resolve(Checkpoint.OPTIMIZER)));
        assertEquals(a.bestValLoss(), b.bestValLoss());
        assertEquals(measured(metrics(whole)), measured(metrics(split)));
    }

    /** Every column of metrics.csv but the timing ones. */
    private static List<List<String>> measured(List<CSVRecord> rows) {
        return rows.stream().map(r -> List.of(r.get("iter"), r.get("lr"), r.get("loss"), r.get("train_loss"), r.get("val_loss"))).toList();
    }

    @Test
    void metricsHaveOneRowPerIterationWithBatchLossAndEstimatesApart() throws IOException {
        try (Trainer trainer = Trainer.start(tiny(dir, 20, 10, 0f), STORIES, QUIET)) {
            trainer.train();
            trainer.recordWholeValLoss(1.5f, 2.16f);
        }
        List<CSVRecord> rows = metrics(dir);
        assertEquals(List.of("0", "5", "10", "15", "19", "20"), rows.stream().map(r -> r.get("iter")).toList());
        CSVRecord ten = rows.get(2);
        assertFalse(ten.get("loss").isEmpty() || ten.get("train_loss").isEmpty() || ten.get("val_loss").isEmpty(), ten.toString());
        assertFalse(ten.get("loss").equals(ten.get("train_loss")), "the batch loss and the estimate are different numbers");
        assertTrue(rows.get(1).get("train_loss").isEmpty() && rows.get(1).get("val_loss").isEmpty());
        // ASCII stories: a target is one byte or, for </s>, none, so the bits per byte are at least the bits per token
        double valBits = Double.parseDouble(ten.get("val_loss")) / Math.log(2);
        double valBpb = Double.parseDouble(ten.get("val_bpb"));
        assertTrue(valBpb >= valBits - 1e-3 && valBpb < valBits * 1.5, valBpb + " bits per byte against " + valBits + " per token");
        CSVRecord last = rows.get(5);
        assertEquals("", last.get("loss"));
        assertEquals("1.5000", last.get("val_loss_full"));
        assertEquals("2.1600", last.get("val_bpb_full"));
    }

    /**
     * ms/iter times the steps alone. The clock here moves only when a batch is drawn, 1 s per
     * batch (or a batch's windows), so a step (2 micro-batches) takes exactly 2 s and an evaluation (2 x 4 batches) 8 s:
     * every logged speed must read 2,000 ms. It used to read 400 ms on the line after an
     * evaluation (one step's time over the 5 steps since the last line), and would read more if an
     * evaluation or a save counted as step time.
     */
    @Test
    void evaluationsAndSavesDoNotLeakIntoStepTimes() throws IOException {
        long[] now = {0};
        Corpus ticking = new Corpus() {
            @Override
            public Vocabulary vocabulary() {
                return STORIES.vocabulary();
            }

            @Override
            public Batch batch(Split split, int batchSize, int blockSize, java.util.Random random) {
                now[0] += 1_000_000_000;
                return STORIES.batch(split, batchSize, blockSize, random);
            }

            @Override
            public void checkBlockSize(int blockSize) {
                STORIES.checkBlockSize(blockSize);
            }

            @Override
            public List<Window> estimateWindows(Split split, int count, int blockSize, java.util.Random random) {
                now[0] += 1_000_000_000;
                return STORIES.estimateWindows(split, count, blockSize, random);
            }

            @Override
            public Batch batch(Split split, List<Window> windows, int blockSize) {
                return STORIES.batch(split, windows, blockSize);
            }

            @Override
            public Corpus whole() {
                return STORIES.whole();
            }

            @Override
            public boolean documents() {
                return STORIES.documents();
            }

            @Override
            public long tokenCount(Split split) {
                return STORIES.tokenCount(split);
            }

            @Override
            public EvaluationWindows evaluationWindows(Split split, int blockSize, long maxTargets) {
                return STORIES.evaluationWindows(split, blockSize, maxTargets);
            }

            @Override
            public long unknownCount() {
                return STORIES.unknownCount();
            }

            @Override
            public String describe() {
                return STORIES.describe();
            }
        };
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Trainer trainer = Trainer.start(tiny(dir, 40, 10, 0f), ticking, new PrintStream(log, true, StandardCharsets.UTF_8))) {
            trainer.useClock(() -> now[0]);
            trainer.train();
        }
        List<CSVRecord> steps = metrics(dir).stream().filter(r -> !r.get("loss").isEmpty()).toList();
        assertEquals(9, steps.size(), "a line every 5 iterations and at the last");
        for (CSVRecord row : steps) {
            assertEquals("2000.00", row.get("ms_per_iter"), "iteration " + row.get("iter"));
            assertEquals("128.0", row.get("tokens_per_s"), "8 x 16 x 2 tokens in 2 s");
        }
        // After the step of iteration 25: 14 steps of 2 s and evaluations at 30 and 40 of 8 s each.
        String out = log.toString(StandardCharsets.UTF_8);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("iter 25/40 (65%): loss ") && l.endsWith(", 2000.0 ms/iter, 128 tokens/s, ETA 0:44")), out);
    }

    /** The case: --lr 1e4 --warmup-iters 0 --grad-clip 0 used to save NaN weights and go on. */
    @Test
    void nonFiniteStepsAreSkippedAndFiveInARowStopTheRunWithFiniteCheckpoints() throws IOException {
        TrainConfig config = with(tiny(dir, 300, 10, 0f), "lr", 1e4f, "min-lr", 1e3f, "warmup-iters", 0, "grad-clip", 0f);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Trainer trainer = Trainer.start(config, STORIES, new PrintStream(log, true, StandardCharsets.UTF_8))) {
            DivergedException error = assertThrows(DivergedException.class, trainer::train);
            assertTrue(error.getMessage().startsWith("training diverged: 5 steps in a row"), error.getMessage());
            assertTrue(trainer.iteration() < 300, "stopped at " + trainer.iteration());
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("step skipped, weights unchanged (1 in a row; 5 stop the run)"), log.toString(StandardCharsets.UTF_8));
        try (NDManager manager = NDManager.newBaseManager()) {
            for (String link : new String[] {"latest", "best"}) {
                for (Parameter parameter : CheckpointStore.open(dir, link).loadModel(manager).getParameters().values()) {
                    for (float value : parameter.getArray().toFloatArray()) {
                        assertTrue(Float.isFinite(value), link + " holds " + value + " in " + parameter.getName());
                    }
                }
            }
        }
        for (CSVRecord row : metrics(dir)) {
            String valLoss = row.get("val_loss");
            assertTrue(valLoss.isEmpty() || !valLoss.equals("NaN"), row.toString());
        }
    }

    @Test
    void aSecondTrainerInTheSameJvmIsRefusedUntilTheFirstCloses() {
        try (Trainer first = Trainer.start(tiny(dir.resolve("a"), 2, 0, 0f), STORIES, QUIET)) {
            IllegalStateException error = assertThrows(IllegalStateException.class, () -> Trainer.start(tiny(dir.resolve("b"), 2, 0, 0f), STORIES, QUIET));
            assertTrue(error.getMessage().startsWith("another Trainer is open in this JVM"), error.getMessage());
            first.train();
        }
        try (Trainer second = Trainer.start(tiny(dir.resolve("b"), 2, 0, 0f), STORIES, QUIET)) {
            second.train();
        }
    }

    /** Two threads: the second trainer fails with the clear message, not DJL's "already collecting". */
    @Test
    void concurrentTrainersOnTwoThreadsFailClearly() throws Exception {
        try (Trainer first = Trainer.start(tiny(dir.resolve("a"), 20, 0, 0f), STORIES, QUIET)) {
            java.util.concurrent.CompletableFuture<Throwable> other = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (Trainer second = Trainer.start(tiny(dir.resolve("b"), 20, 0, 0f), STORIES, QUIET)) {
                    second.train();
                    return null;
                } catch (RuntimeException e) {
                    return e;
                }
            });
            first.train();
            Throwable error = other.get();
            assertTrue(error instanceof IllegalStateException && error.getMessage().contains("one gradient collector per process"), String.valueOf(error));
        }
    }

    @Test
    void evalModeLeavesEveryWeightBitIdenticalAndReloadGivesIdenticalLogits() {
        try (Trainer trainer = Trainer.start(tiny(dir, 20, 0, 0.2f), STORIES, QUIET);
                NDManager manager = NDManager.newBaseManager()) {
            trainer.train();
            Gpt gpt = trainer.model();
            List<float[]> before = weights(gpt);
            long[] ids = STORIES.batch(Split.VAL, List.of(new Window(0, 65)), 64).inputs();
            NDArray tokens = manager.create(ids, new Shape(4, 16));
            ParameterStore store = new ParameterStore(manager, false);
            float[] logits = gpt.logits(store, tokens, false).toFloatArray();
            for (int i = 0; i < 20; i++) {
                assertArrayEquals(logits, gpt.logits(store, tokens, false).toFloatArray(), "eval forwards are deterministic: no dropout");
            }
            Evaluation.evaluate(gpt, manager, STORIES, List.of(Split.VAL), 0, 8);
            List<float[]> after = weights(gpt);
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), after.get(i));
            }

            Gpt reloaded = CheckpointStore.open(dir, "latest").loadModel(manager);
            assertArrayEquals(logits, reloaded.logits(new ParameterStore(manager, false), tokens, false).toFloatArray());
        }
    }

    private static List<float[]> weights(Gpt gpt) {
        List<float[]> weights = new ArrayList<>();
        for (Parameter parameter : gpt.getParameters().values()) {
            weights.add(parameter.getArray().toFloatArray());
            assertFalse(weights.get(weights.size() - 1).length == 0);
        }
        return weights;
    }
}
