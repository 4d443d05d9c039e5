package dev.jgpt.train.cli;

import ai.djl.ndarray.NDManager;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.train.chart.EmbeddingMap;
import dev.jgpt.train.inspect.Neighbours;
import dev.jgpt.train.inspect.ProjectorFiles;
import dev.jgpt.train.inspect.TokenLabels;
import dev.jgpt.train.inspect.TokenVectors;
import dev.jgpt.train.store.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jgpt embeddings}: the token embedding of a checkpoint as a labelled PCA map, as files for
 * TensorBoard's Embedding Projector, and as the nearest neighbours of a few characters.
 */
@Command(
        name = "embeddings",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Write a checkpoint's token embedding as a 2-D map (embeddings.png) and as Embedding Projector files",
            "(vectors.tsv, metadata.tsv), and print the nearest neighbours by cosine similarity of a few characters."
        })
final class EmbeddingsCommand implements Callable<Integer> {

    @Mixin CheckpointOption checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for embeddings.png, vectors.tsv and metadata.tsv.")
    Path out;

    @Option(names = "--query", paramLabel = "CHARS", description = "Characters whose neighbours to print; \\n, \\t, \\s and \\\\ stand for newline, tab, space and backslash (default: a vowel, a digit, a capital, space and newline, those the vocabulary has).")
    String query;

    @Option(names = "--neighbours", description = "Neighbours per query (default: ${DEFAULT-VALUE}).")
    int neighbours = 6;

    @Option(names = "--svg", description = "Also write embeddings.svg.")
    boolean svg;

    @Override
    public Integer call() {
        if (neighbours <= 0) {
            throw new IllegalArgumentException("--neighbours must be > 0, got " + neighbours);
        }
        Checkpoint loaded = checkpoint.open();
        Vocabulary vocabulary = loaded.vocabulary();
        List<Integer> queries = query == null ? defaultQueries(vocabulary) : queryIds(unescape(query), vocabulary);
        TokenVectors vectors;
        try (NDManager manager = NDManager.newBaseManager()) {
            vectors = TokenVectors.of(loaded.loadModel(manager), vocabulary);
        }
        String title = String.format(Locale.ROOT, "token embedding of %s at iteration %,d: %d tokens × %d",
                runName(loaded), loaded.iter(), vectors.size(), vectors.width());
        EmbeddingMap map = new EmbeddingMap(vectors, title);
        map.write(out.resolve("embeddings.png"), 1100, 850);
        if (svg) {
            map.write(out.resolve("embeddings.svg"), 1100, 850);
        }
        ProjectorFiles.write(vectors, out);
        System.out.printf(Locale.ROOT, "wrote %s%s, %s (%d rows of %d) and %s%n",
                out.resolve("embeddings.png"), svg ? ", embeddings.svg" : "", ProjectorFiles.VECTORS,
                vectors.size(), vectors.width(), ProjectorFiles.METADATA);

        System.out.println("nearest neighbours by cosine similarity:");
        Neighbours nearest = new Neighbours(vectors, untrainedRows(loaded));
        for (int id : queries) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-10s", vectors.label(id)));
            List<Neighbours.Neighbour> found = nearest.of(id, neighbours);
            if (found.isEmpty()) {
                line.append(" (a row of zeros: no direction, no neighbours)");
            }
            for (Neighbours.Neighbour neighbour : found) {
                line.append(String.format(Locale.ROOT, " %s %.2f ", vectors.label(neighbour.id()), neighbour.cosine()));
            }
            System.out.println(line.toString().stripTrailing());
        }
        return 0;
    }

    /**
     * The reserved rows of the token embedding that training never updated: {@code <pad>} and
     * {@code <unk>} (never in a run's own corpus); {@code <s>} unless documents start with it;
     * {@code </s>}, never an input, unless documents end with it and the head shares the embedding.
     */
    private static Set<Integer> untrainedRows(Checkpoint loaded) {
        if (!loaded.vocabulary().hasSpecials()) {
            return Set.of();
        }
        Set<Integer> rows = new HashSet<>(List.of(Vocabulary.PAD, Vocabulary.UNK));
        if (!loaded.documents()) {
            rows.add(Vocabulary.BOS);
        }
        if (!loaded.documents() || !loaded.modelConfig().tieWeights()) {
            rows.add(Vocabulary.EOS);
        }
        return rows;
    }

    private static String runName(Checkpoint loaded) {
        Path dir = loaded.dir().toAbsolutePath().normalize();
        Path parent = dir.getParent();
        return parent != null && parent.getFileName() != null ? parent.getFileName().toString() : dir.toString();
    }

    /** A vowel, a digit, a capital, space and newline: those of them the vocabulary has. */
    static List<Integer> defaultQueries(Vocabulary vocabulary) {
        List<String> tokens = vocabulary.tokens();
        List<Integer> ids = new ArrayList<>();
        String vowel = firstPresent(tokens, "eaoiu");
        for (String wanted : new String[] {
            vowel,
            firstMatching(tokens, Character::isDigit),
            vowel != null && tokens.contains(vowel.toUpperCase(Locale.ROOT)) ? vowel.toUpperCase(Locale.ROOT) : firstMatching(tokens, Character::isUpperCase),
            " ",
            "\n"
        }) {
            if (wanted != null && tokens.contains(wanted)) {
                ids.add(tokens.indexOf(wanted));
            }
        }
        return ids;
    }

    private static String firstPresent(List<String> tokens, String candidates) {
        for (char c : candidates.toCharArray()) {
            if (tokens.contains(String.valueOf(c))) {
                return String.valueOf(c);
            }
        }
        return null;
    }

    private static String firstMatching(List<String> tokens, java.util.function.IntPredicate test) {
        return tokens.stream()
                .filter(token -> token.codePointCount(0, token.length()) == 1 && test.test(token.codePointAt(0)))
                .findFirst()
                .orElse(null);
    }

    private static List<Integer> queryIds(String characters, Vocabulary vocabulary) {
        List<Integer> ids = new ArrayList<>();
        characters.codePoints().distinct().forEach(c -> {
            int id = vocabulary.tokens().indexOf(Character.toString(c));
            if (id < 0) {
                throw new IllegalArgumentException(
                        "--query: " + TokenLabels.of(Character.toString(c)) + " is not in the model's vocabulary");
            }
            ids.add(id);
        });
        return ids;
    }

    /** {@code \n}, {@code \t}, {@code \s} and {@code \\} as newline, tab, space and backslash. */
    static String unescape(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\' || i + 1 == text.length()) {
                out.append(c);
                continue;
            }
            char next = text.charAt(++i);
            switch (next) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 's' -> out.append(' ');
                case '\\' -> out.append('\\');
                default -> throw new IllegalArgumentException("--query: unknown escape \\" + next + " (known: \\n, \\t, \\s, \\\\)");
            }
        }
        return out.toString();
    }
}
