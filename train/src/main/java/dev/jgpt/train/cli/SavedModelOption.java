package dev.jgpt.train.cli;

import dev.jgpt.train.store.SavedModel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --checkpoint} of the commands that run any saved model: a checkpoint or an export folder. */
final class SavedModelOption {

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A run folder (its latest checkpoint; DIR/best for the best one), one checkpoint folder, or an export folder.")
    Path dir;

    /** The model named, verified. */
    SavedModel open() {
        return SavedModel.open(dir, "latest");
    }
}
