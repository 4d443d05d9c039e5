package dev.jgpt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.jgpt.data.Split;
import dev.jgpt.data.TextCorpus;
import dev.jgpt.model.Gpt;
import java.io.IOException;
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
                null, null, outDir.toString(), 1, 2, 32, 16, 8, dropout, "sinusoidal", false, false, "gpt2", null,
                3e-3f, 3e-4f, 10, maxIters, 0.1f, 0.9f, 0.99f, 1.0f, 2,
                evalInterval, 4, 5, 1, 1337, "cpu");
    }

    private static List<CSVRecord> metrics(Path outDir) throws IOException {
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
        assertEquals(List.of(MetricsLog.HEADER), rows.get(0).getParser().getHeaderNames());
        float firstLoss = Float.parseFloat(rows.get(0).get("train_loss"));
        assertEquals(Math.log(STORIES.vocabulary().size()), firstLoss, 0.15, "first estimated loss");
        CSVRecord last = rows.get(rows.size() - 1);
        assertEquals("150", last.get("iter"));
        float lastVal = Float.parseFloat(last.get("val_loss"));
        assertTrue(lastVal < firstLoss / 2, "val loss " + lastVal + " is not half of " + firstLoss);
        assertTrue(rows.stream().anyMatch(r -> r.get("val_loss").isEmpty() && !r.get("tokens_per_s").isEmpty()));
    }

    /** A run stopped after its checkpoint at iteration 20 and resumed ends where an uninterrupted one does. */
    @Test
    void killedAndResumedRunEqualsTheUninterruptedOne() {
        Path whole = dir.resolve("whole");
        Path split = dir.resolve("split");
        try (Trainer trainer = Trainer.start(tiny(whole, 40, 10, 0.1f), STORIES, QUIET)) {
            trainer.train();
        }
        try (Trainer trainer = Trainer.start(tiny(split, 40, 10, 0.1f), STORIES, QUIET)) {
            trainer.train(20);
        }
        Checkpoint stopped = CheckpointStore.open(split, "latest");
        assertEquals(20, stopped.iter());
        try (Trainer trainer = Trainer.resume(tiny(split, 40, 10, 0.1f), STORIES, stopped, QUIET)) {
            trainer.train();
        }
        Checkpoint a = CheckpointStore.open(whole, "latest");
        Checkpoint b = CheckpointStore.open(split, "latest");
        assertEquals(40, b.iter());
        assertEquals(CheckpointStore.sha256(a.dir().resolve(Checkpoint.MODEL)), CheckpointStore.sha256(b.dir().resolve(Checkpoint.MODEL)));
        assertEquals(CheckpointStore.sha256(a.dir().resolve(Checkpoint.OPTIMIZER)), CheckpointStore.sha256(b.dir().resolve(Checkpoint.OPTIMIZER)));
        assertEquals(a.bestValLoss(), b.bestValLoss());
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
