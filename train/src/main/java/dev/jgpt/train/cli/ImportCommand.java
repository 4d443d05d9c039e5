package dev.jgpt.train.cli;

import dev.jgpt.model.GptConfig;
import dev.jgpt.train.store.ExportFolder;
import dev.jgpt.train.store.HuggingFaceGpt2;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt import}: a Hugging Face GPT-2 folder becomes a jgpt export folder. */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Turn a Hugging Face GPT-2 folder (config.json with model_type gpt2, model.safetensors) into an export folder"
                + " that sample, eval, info and train --init-from take.")
final class ImportCommand implements Callable<Integer> {

    @Option(names = "--from", required = true, paramLabel = "DIR", description = "The Hugging Face folder, e.g. the files of openai-community/gpt2.")
    Path from;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The export folder to write; it must not exist or be empty.")
    Path out;

    @Override
    public Integer call() {
        ExportFolder imported = HuggingFaceGpt2.importFolder(from, out);
        GptConfig model = imported.modelConfig();
        System.out.printf(Locale.ROOT, "imported %s to %s: GPT-2, %d layers, %d heads, %d wide, %d positions, %,d ids, %s head, %s%n",
                from, out, model.nLayer(), model.nHead(), model.nEmbd(), model.blockSize(), model.vocabSize(),
                model.tieWeights() ? "tied" : "untied", model.activation().label());
        return 0;
    }
}
