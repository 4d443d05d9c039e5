package dev.jgpt.train.cli;

import dev.jgpt.train.store.Checkpoint;
import dev.jgpt.train.store.CheckpointStore;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --checkpoint} of the commands that read a jgpt checkpoint (not an export folder). */
final class CheckpointOption {

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A run folder (its latest checkpoint; DIR/best for the best one) or one checkpoint folder.")
    Path dir;

    /** The checkpoint named, verified. */
    Checkpoint open() {
        return CheckpointStore.open(dir, "latest");
    }
}
