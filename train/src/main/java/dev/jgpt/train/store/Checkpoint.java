package dev.jgpt.train.store;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import dev.jgpt.train.TrainConfig;
import dev.jgpt.train.optim.AdamW;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One saved, verified checkpoint: where it is, how far the run got, and what it needs to go on.
 * {@link CheckpointStore#open} checks every file's SHA-256 before handing one out.
 *
 * @param optimizerStep the optimizer's step count as state.json records it, or {@link
 *     #IN_OPTIMIZER_BIN} for a checkpoint before format 3
 * @param recordedDocuments whether the run's corpus is made of documents, or null for a checkpoint
 *     saved before that was recorded
 */
public record Checkpoint(Path dir, int iter, Float bestValLoss, TrainConfig config, Tokenizer tokenizer, long optimizerStep,
        Boolean recordedDocuments)
        implements SavedModel {

    public static final String MODEL = "model.params";
    /** AdamW's moments (format 3 on; none before the first step): see {@link OptimizerState}. */
    public static final String OPTIMIZER = OptimizerState.FILE;
    /** AdamW's state in checkpoints of formats 1 and 2, still read. */
    static final String LEGACY_OPTIMIZER = "optimizer.bin";
    /** {@link #optimizerStep} of a checkpoint before format 3, whose optimizer.bin holds it. */
    static final long IN_OPTIMIZER_BIN = -1;
    static final String VOCAB = "vocab.json";
    static final String STATE = "state.json";
    static final String STATE_DIGEST = "state.sha256";

    @Override
    public GptConfig modelConfig() {
        return config.model(tokenizer);
    }

    @Override
    public String data() {
        return Objects.requireNonNullElse(config.data(), ""); // "": the built-in stories
    }

    @Override
    public String column() {
        return config.column();
    }

    @Override
    public boolean documents() {
        return recordedDocuments != null ? recordedDocuments : SavedModel.super.documents();
    }

    @Override
    public void loadWeights(Gpt gpt, NDManager manager) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve(MODEL)))) {
            gpt.loadParameters(manager, new DataInputStream(in));
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw new CheckpointException(
                    "cannot load the weights in " + dir.resolve(MODEL) + ": " + JsonError.describe(e), e);
        }
    }

    /** Restores the optimizer's moments and step count for {@code gpt}'s parameters. */
    public void loadOptimizer(AdamW optimizer, Gpt gpt) {
        boolean legacy = optimizerStep == IN_OPTIMIZER_BIN;
        Path file = dir.resolve(legacy ? LEGACY_OPTIMIZER : OPTIMIZER);
        try {
            if (legacy) {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                    optimizer.load(new DataInputStream(in), gpt.getParameters());
                }
            } else {
                OptimizerState.read(file, gpt, optimizer, optimizerStep);
            }
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(
                    "cannot load the optimizer state in " + file + ": " + JsonError.describe(e), e);
        }
    }
}
