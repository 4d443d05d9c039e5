package dev.jgpt.train.store;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.model.GptConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A trained model on disk that jgpt can run: a checkpoint of a run ({@link Checkpoint}) or an
 * export folder ({@link ExportFolder}, which may come from PyTorch).
 */
public interface SavedModel {

    /** The folder it was read from. */
    Path dir();

    /** The iteration its weights were saved at (0 when unknown). */
    int iter();

    /** Its tokenizer: a character vocabulary, a BPE, GPT-2's. */
    Tokenizer tokenizer();

    /**
     * Its character vocabulary, for what works on characters only.
     *
     * @throws CheckpointException if the model's tokens are not characters
     */
    default Vocabulary vocabulary() {
        if (tokenizer() instanceof Vocabulary vocabulary) {
            return vocabulary;
        }
        throw new CheckpointException(dir() + " was trained with --tokenizer " + tokenizer().kind()
                + ", and this works only on a character vocabulary");
    }

    /** Its architecture. */
    GptConfig modelConfig();

    /**
     * The corpus it was trained on, as {@code --data} names it ("" for the built-in stories), or
     * null when unknown.
     */
    String data();

    /** The CSV column of that corpus, or null. */
    String column();

    /**
     * Whether that corpus is made of documents (CSV rows, the files of a folder), which start at
     * {@code <s>} and stop at {@code </s>}. This default guesses for a model saved before it was
     * recorded: a CSV column means documents.
     */
    default boolean documents() {
        return column() != null;
    }

    /** Copies the saved weights into {@code gpt}, a model of {@link #modelConfig()}'s shape. */
    void loadWeights(Gpt gpt, NDManager manager);

    /** Builds the saved model, with its weights, in {@code manager}. */
    default Gpt loadModel(NDManager manager) {
        Gpt gpt = new Gpt(modelConfig());
        // Every saved weight is about to be read in: zeros cost nothing, drawing 124M normals seconds.
        gpt.namedParameters().values().forEach(parameter -> parameter.setInitializer(Initializer.ZEROS));
        gpt.initialize(manager, DataType.FLOAT32, new Shape(1, modelConfig().blockSize()));
        loadWeights(gpt, manager);
        return gpt;
    }

    /**
     * Opens {@code path}: an export folder (it holds {@value ExportFolder#CONFIG}), a checkpoint
     * folder, or a run folder, whose {@code preferred} link ("latest" or "best") is used; a run
     * folder that from_nanogpt.py --out-run wrote names an export folder as its latest.
     */
    static SavedModel open(Path path, String preferred) {
        if (Files.isRegularFile(path.resolve(ExportFolder.CONFIG))) {
            return ExportFolder.open(path);
        }
        if (ExportFolder.isLatestOf(path)) {
            return ExportFolder.open(path.resolve(ExportFolder.LATEST));
        }
        return CheckpointStore.open(path, preferred);
    }
}
