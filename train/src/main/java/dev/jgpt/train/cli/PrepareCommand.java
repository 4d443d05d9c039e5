package dev.jgpt.train.cli;

import dev.jgpt.data.Corpora;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jgpt prepare}: encodes a corpus into token files once, ahead of training. */
@Command(
        name = "prepare",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Encode a corpus into prepared token files, as train does on first use; later runs reuse them.")
final class PrepareCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "PATH|shakespeare", description = "A UTF-8 text or CSV file, a folder of text files, or 'shakespeare'.")
    String data;

    @Option(names = "--column", description = "CSV column holding the documents.")
    String column;

    @Option(names = "--seed", description = "Seed that splits documents into train and val; use train's (default: ${DEFAULT-VALUE}).")
    long seed = 1337;

    @Mixin PreparedDirOption prepared;

    @Mixin TokenizerOptions tokenizer;

    @Override
    public Integer call() {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("--data names the corpus to prepare; the built-in stories need no preparing");
        }
        Corpora.Prepared result = Corpora.prepare(data, column, tokenizer.spec(), prepared.corpusOptions(seed));
        System.out.println(result.corpus().describe());
        System.out.println("prepared files in " + result.folder());
        return 0;
    }
}
