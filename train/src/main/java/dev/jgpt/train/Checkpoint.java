package dev.jgpt.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
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
 */
public record Checkpoint(Path dir, int iter, Float bestValLoss, TrainConfig config, Tokenizer tokenizer)
        implements SavedModel {

    static final String MODEL = "model.params";
    static final String OPTIMIZER = "optimizer.bin";
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
        try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve(OPTIMIZER)))) {
            optimizer.load(new DataInputStream(in), gpt.getParameters());
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(
                    "cannot load the optimizer state in " + dir.resolve(OPTIMIZER) + ": " + JsonError.describe(e), e);
        }
    }
}
