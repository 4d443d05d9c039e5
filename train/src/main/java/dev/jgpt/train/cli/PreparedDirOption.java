package dev.jgpt.train.cli;

import dev.jgpt.data.CorpusOptions;
import dev.jgpt.data.Progress;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --prepared-dir}, shared by every command that reads a corpus. */
final class PreparedDirOption {

    @Option(names = "--prepared-dir", paramLabel = "DIR", description = "Where prepared token files are kept (default: ${DEFAULT-VALUE}).")
    Path preparedDir = CorpusOptions.DEFAULT_PREPARED_DIR;

    /** Where corpora are downloaded and prepared, with progress on standard error; documents split by {@code seed}. */
    CorpusOptions corpusOptions(long seed) {
        return new CorpusOptions(Path.of("data"), preparedDir, seed, Progress.to(System.err, System.console() != null));
    }
}
