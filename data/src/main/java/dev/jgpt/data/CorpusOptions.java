package dev.jgpt.data;

import java.nio.file.Path;

/**
 * Where and how corpora are fetched and prepared.
 *
 * @param downloadDir where downloaded corpora ({@code shakespeare}) are kept
 * @param preparedDir where prepared token files are kept ({@code --prepared-dir})
 * @param seed the seed that splits documents into train and val
 * @param progress progress shown while preparing
 */
public record CorpusOptions(Path downloadDir, Path preparedDir, long seed, Progress progress) {

    /**
     * The default folder of prepared corpora, relative to the working directory: a folder of its
     * own, beside {@code checkpoints/} at the repository root, outside every source module.
     */
    public static final Path DEFAULT_PREPARED_DIR = Path.of("prepared");
}
