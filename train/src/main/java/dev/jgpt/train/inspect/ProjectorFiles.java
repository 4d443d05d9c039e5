package dev.jgpt.train.inspect;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedding as files for TensorBoard's Embedding Projector (projector.tensorflow.org, "Load"):
 * {@code vectors.tsv}, one line of tab-separated floats per token id, no header; and {@code
 * metadata.tsv}, a header {@code token<TAB>id} and then one line per id in the same order.
 *
 * <p>The projector's parser skips blank lines and reads a first line with a tab as a header; a
 * space or newline written as itself would be a blank label and shift every later row. Labels are
 * therefore {@link TokenLabels}, which are never blank and hold no tab or line break, and the
 * metadata has two columns under a header.
 */
public final class ProjectorFiles {

    public static final String VECTORS = "vectors.tsv";
    public static final String METADATA = "metadata.tsv";

    private ProjectorFiles() {}

    /** Writes both files into {@code folder}. */
    public static void write(TokenVectors vectors, Path folder) {
        try {
            Files.createDirectories(folder);
            try (BufferedWriter out = Files.newBufferedWriter(folder.resolve(VECTORS), StandardCharsets.UTF_8)) {
                for (float[] row : vectors.rows()) {
                    for (int j = 0; j < row.length; j++) {
                        if (j > 0) {
                            out.write('\t');
                        }
                        out.write(Float.toString(row[j])); // the shortest text that reads back as the same float
                    }
                    out.write('\n');
                }
            }
            try (BufferedWriter out = Files.newBufferedWriter(folder.resolve(METADATA), StandardCharsets.UTF_8)) {
                out.write("token\tid\n");
                for (int id = 0; id < vectors.size(); id++) {
                    out.write(vectors.label(id) + "\t" + id + "\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the projector files in " + folder + ": " + e.getMessage(), e);
        }
    }
}
