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
import dev.jgpt.data.Split;
import dev.jgpt.data.TextCorpus;
import dev.jgpt.model.Gpt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop end to end on a tiny model and a slice of the built-in stories. */
class TrainerTest {

    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    static final TextCorpus STORIES = TextCorpus.fromText("sentences", sentences(3000), null);

    /** A small generated text: random sentences of a tiny grammar. */
    static String sentences(int count) {
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

    static TrainConfig tiny(Path outDir, int maxIters, int evalInterval, float dropout) {
        return new TrainConfig(
                null, null, outDir.toString(), 1, 2, 32, 16, 8, dropout, "sinusoidal", false,
                3e-3f, 3e-4f, 10, maxIters, 0.1f, 0.9f, 0.99f, 1.0f, 2,
                evalInterval, 4, 5, 1337, "cpu", maxIters, TrainConfig.DEFAULT_MAX_NONFINITE_STEPS);
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
            trainer.train();
        }
        List<CSVRecord> rows = metrics(dir);
        assertEquals(List.of("iter", "lr", "loss", "train_loss", "val_loss", "val_loss_full", "ms_per_iter", "tokens_per_s"),
                rows.get(0).getParser().getHeaderNames());
        float firstLoss = Float.parseFloat(rows.get(0).get("train_loss"));
        assertEquals(Math.log(STORIES.vocabulary().size()), firstLoss, 0.15, "first estimated loss");
        CSVRecord last = rows.get(rows.size() - 1);
        assertEquals("150", last.get("iter"));
        float lastVal = Float.parseFloat(last.get("val_loss"));
        assertTrue(lastVal < firstLoss / 2, "val loss " + lastVal + " is not half of " + firstLoss);
        assertTrue(rows.stream().anyMatch(r -> r.get("val_loss").isEmpty() && !r.get("loss").isEmpty() && !r.get("tokens_per_s").isEmpty()));
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
        assertEquals(CheckpointStore.sha256(a.dir().resolve(Checkpoint.MODEL)), CheckpointStore.sha256(b.dir().resolve(Checkpoint.MODEL)));
        assertEquals(CheckpointStore.sha256(a.dir().resolve(Checkpoint.OPTIMIZER)), CheckpointStore.sha256(b.dir().resolve(Checkpoint.OPTIMIZER)));
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
            trainer.recordWholeValLoss(1.5f);
        }
        List<CSVRecord> rows = metrics(dir);
        assertEquals(List.of("0", "5", "10", "15", "19", "20"), rows.stream().map(r -> r.get("iter")).toList());
        CSVRecord ten = rows.get(2);
        assertFalse(ten.get("loss").isEmpty() || ten.get("train_loss").isEmpty() || ten.get("val_loss").isEmpty(), ten.toString());
        assertFalse(ten.get("loss").equals(ten.get("train_loss")), "the batch loss and the estimate are different numbers");
        assertTrue(rows.get(1).get("train_loss").isEmpty() && rows.get(1).get("val_loss").isEmpty());
        CSVRecord last = rows.get(5);
        assertEquals("", last.get("loss"));
        assertEquals("1.5000", last.get("val_loss_full"));
    }

    /**
     * ms/iter times the steps alone: the line logged right after an evaluation reports the same
     * speed as the others (it used to divide one step's time by the steps since the last log).
     */
    @Test
    void evaluationsAndSavesDoNotLeakIntoStepTimes() throws IOException {
        // Evaluations of 2 x 40 batches every 20 iterations, a line every 5: a line after an
        // evaluation read about 5 times too fast, and would read several times too slow if the
        // evaluation counted as a step.
        TrainConfig config = with(tiny(dir, 120, 20, 0f), "eval-iters", 40);
        try (Trainer trainer = Trainer.start(config, STORIES, QUIET)) {
            trainer.train();
        }
        List<Double> afterEvaluation = new ArrayList<>();
        List<Double> others = new ArrayList<>();
        for (CSVRecord row : metrics(dir)) {
            int iter = Integer.parseInt(row.get("iter"));
            if (iter > 0 && iter < 120 && iter % 5 == 0) {
                (iter % 20 == 0 ? afterEvaluation : others).add(Double.parseDouble(row.get("ms_per_iter")));
            }
        }
        double ratio = median(afterEvaluation) / median(others);
        assertTrue(ratio > 0.5 && ratio < 2, "steps after an evaluation read " + ratio + " times the time of the others");
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
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
            int[] val = STORIES.tokens(Split.VAL);
            long[] ids = java.util.Arrays.stream(val, 0, 64).asLongStream().toArray();
            NDArray tokens = manager.create(ids, new Shape(4, 16));
            ParameterStore store = new ParameterStore(manager, false);
            float[] logits = gpt.logits(store, tokens, false).toFloatArray();
            for (int i = 0; i < 20; i++) {
                assertArrayEquals(logits, gpt.logits(store, tokens, false).toFloatArray(), "eval forwards are deterministic: no dropout");
            }
            Evaluation.evaluate(gpt, manager, val, 8);
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
