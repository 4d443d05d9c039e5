package dev.jgpt.train.cli;

import dev.jgpt.train.store.Checkpoint;
import dev.jgpt.train.store.CheckpointStore;
import dev.jgpt.train.store.ExportFolder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt export}: writes a checkpoint as safetensors, config.json and vocab.json. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Write a checkpoint as an export folder (model.safetensors with nanoGPT's tensor names, config.json,"
                + " vocab.json, optimizer.safetensors) for PyTorch; interop/to_nanogpt.py turns it into a nanoGPT checkpoint.")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A run folder (its latest checkpoint, where training stands) or one checkpoint folder.")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The export folder to write; it must not exist or be empty.")
    Path out;

    @Override
    public Integer call() {
        Checkpoint loaded = CheckpointStore.open(checkpoint, "latest");
        ExportFolder.write(loaded, out);
        System.out.println("exported " + loaded.dir() + " (iteration " + loaded.iter() + ") to " + out);
        return 0;
    }
}
