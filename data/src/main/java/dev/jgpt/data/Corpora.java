package dev.jgpt.data;

import java.nio.file.Path;
import java.util.Locale;

/** Opens the corpus a user names: the built-in stories, tiny Shakespeare, a text file or a CSV file. */
public final class Corpora {

    /** The name that stands for tiny Shakespeare instead of a path. */
    public static final String SHAKESPEARE = "shakespeare";

    private Corpora() {}

    /**
     * The corpus {@code data} names.
     *
     * @param data null or empty for the built-in stories; {@value #SHAKESPEARE} for tiny Shakespeare
     *     (downloaded into {@code dataDir} on first use); a path ending in {@code .csv} for a column
     *     of a CSV file; any other path for a UTF-8 text file
     * @param column the CSV column that holds the text; must be null for anything but a CSV file
     * @param vocabOrNull the vocabulary to encode with (a resumed run's), or null to build one from
     *     the corpus
     * @param dataDir where downloaded corpora are kept
     * @throws CorpusException if the corpus cannot be opened, with the reason
     */
    public static Corpus open(String data, String column, Vocabulary vocabOrNull, Path dataDir) {
        boolean csv = data != null && data.toLowerCase(Locale.ROOT).endsWith(".csv");
        if (column != null && !csv) {
            throw new CorpusException("--column " + column + " only applies to a .csv file, but the data is "
                    + (data == null || data.isEmpty() ? StoryGenerator.NAME : data));
        }
        if (data == null || data.isEmpty()) {
            return StoryGenerator.corpus(vocabOrNull);
        }
        if (data.equals(SHAKESPEARE)) {
            return TextCorpus.fromFile(Shakespeare.download(dataDir), vocabOrNull);
        }
        if (csv && vocabOrNull != null && !vocabOrNull.hasSpecials()) {
            throw new CorpusException("a CSV corpus needs the reserved tokens <s>, <pad> and </s>, which the model's"
                    + " vocabulary lacks (it came without them): use a text file");
        }
        if (csv) {
            return CsvCorpus.fromFile(Path.of(data), column, vocabOrNull);
        }
        return TextCorpus.fromFile(Path.of(data), vocabOrNull);
    }
}
