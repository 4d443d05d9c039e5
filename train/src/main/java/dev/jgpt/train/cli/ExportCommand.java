package dev.jgpt.train.cli;

import dev.jgpt.train.store.Checkpoint;
import dev.jgpt.train.store.CheckpointStore;
import dev.jgpt.train.store.ExportFolder;
import dev.jgpt.train.store.HuggingFaceGpt2;
import dev.jgpt.train.store.SavedModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jgpt export}: writes a checkpoint as safetensors, config.json and vocab.json, or a GPT-2
 * run (or import) in Hugging Face's layout.
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Write a checkpoint as an export folder (model.safetensors with nanoGPT's tensor names, config.json,"
                + " vocab.json, optimizer.safetensors) for PyTorch; interop/to_nanogpt.py turns it into a nanoGPT checkpoint."
                + " --format hf writes a GPT-2-architecture model as Hugging Face's GPT-2 (config.json, model.safetensors).")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A run folder (its latest checkpoint, where training stands) or one checkpoint folder; with --format hf also an export folder.")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The export folder to write; it must not exist or be empty.")
    Path out;

    @Option(names = "--format", paramLabel = "jgpt|hf", description = "jgpt (an export folder) or hf (Hugging Face's GPT-2 layout) (default: ${DEFAULT-VALUE}).")
    String format = "jgpt";

    @Override
    public Integer call() {
        if (format.equals("hf")) {
            SavedModel saved = SavedModel.open(checkpoint, "latest");
            HuggingFaceGpt2.export(saved, out);
            System.out.println("exported " + saved.dir() + " (iteration " + saved.iter() + ") to " + out + " in Hugging Face's GPT-2 layout");
            return 0;
        }
        if (!format.equals("jgpt")) {
            throw new IllegalArgumentException("--format must be jgpt or hf, got " + format);
        }
        Checkpoint loaded = CheckpointStore.open(checkpoint, "latest");
        ExportFolder.write(loaded, out);
        System.out.println("exported " + loaded.dir() + " (iteration " + loaded.iter() + ") to " + out);
        return 0;
    }
}
