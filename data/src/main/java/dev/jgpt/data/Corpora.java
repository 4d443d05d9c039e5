package dev.jgpt.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens the corpus a user names: the built-in stories, tiny Shakespeare, a text file, a CSV file or
 * a folder of text files. Files and folders are prepared once into token files (see {@link
 * PreparedStore}) and read from there; a text already in memory stays in memory.
 */
public final class Corpora {

    /** The name that stands for tiny Shakespeare instead of a path. */
    public static final String SHAKESPEARE = "shakespeare";

    private Corpora() {}

    /**
     * The corpus {@code data} names.
     *
     * @param data null or empty for the built-in stories; {@value #SHAKESPEARE} for tiny Shakespeare
     *     (downloaded on first use); a folder for its text files, each a document; a path ending in
     *     {@code .csv} for a column of a CSV file; any other path for a UTF-8 text file
     * @param column the CSV column that holds the text; must be null for anything but a CSV file
     * @param vocabOrNull the vocabulary to encode with (a checkpoint's), or null to build one from the
     *     corpus; characters it lacks become {@link Vocabulary#UNK}, counted in {@link
     *     Corpus#unknownCount()}, or, in a vocabulary without {@code <unk>}, stop preparation
     * @throws CorpusException if the corpus cannot be opened or prepared, with the reason
     */
    public static Corpus open(String data, String column, Tokenizer vocabOrNull, CorpusOptions options) {
        return open(data, column, vocabOrNull, TokenizerSpec.CHAR, options);
    }

    /**
     * The corpus {@code data} names, as {@link #open(String, String, Tokenizer, CorpusOptions)}, with
     * a tokenizer of its own made as {@code spec} says when {@code vocabOrNull} is null.
     */
    public static Corpus open(String data, String column, Tokenizer vocabOrNull, TokenizerSpec spec,
            CorpusOptions options) {
        boolean csv = data != null && data.toLowerCase(Locale.ROOT).endsWith(".csv");
        if (column != null && !csv) {
            throw new CorpusException("--column " + column + " only applies to a .csv file, but the data is "
                    + (data == null || data.isEmpty() ? StoryGenerator.NAME : data));
        }
        if (data == null || data.isEmpty()) {
            return fromText(StoryGenerator.NAME, StoryGenerator.generate(), vocabOrNull, spec);
        }
        if (vocabOrNull instanceof Vocabulary vocabulary && !vocabulary.hasSpecials() && (csv || Files.isDirectory(Path.of(data)))) {
            throw new CorpusException("documents (a CSV file or a folder) need the reserved tokens <s>, <pad> and </s>,"
                    + " which the model's vocabulary lacks (it came without them): use a text file");
        }
        return store(options).open(source(data, column, options), vocabOrNull, spec, options.seed());
    }

    /** A corpus prepared on disk, and the folder its files are in. */
    public record Prepared(Corpus corpus, Path folder) {}

    /**
     * Prepares the corpus {@code data} names (a file, a folder or {@value #SHAKESPEARE}) as {@link
     * #open} would, or finds it prepared already, with its own vocabulary.
     *
     * @throws CorpusException if the corpus cannot be opened or prepared, with the reason
     */
    public static Prepared prepare(String data, String column, CorpusOptions options) {
        return prepare(data, column, TokenizerSpec.CHAR, options);
    }

    /** Prepares as {@link #prepare(String, String, CorpusOptions)}, with the tokenizer {@code spec} says. */
    public static Prepared prepare(String data, String column, TokenizerSpec spec, CorpusOptions options) {
        Corpus corpus = open(data, column, null, spec, options);
        return new Prepared(corpus, store(options).folder(source(data, column, options), options.seed(), null, spec));
    }

    private static CorpusSource source(String data, String column, CorpusOptions options) {
        Path path = Path.of(data);
        if (data.equals(SHAKESPEARE)) {
            return TextSource.ofFile(Shakespeare.download(options.downloadDir()));
        }
        if (Files.isDirectory(path)) {
            return new FolderSource(path);
        }
        if (data.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return new CsvSource(path, column);
        }
        return TextSource.ofFile(path);
    }

    /**
     * The corpus of {@code text}, held in memory and called {@code name} in messages: one text split
     * by position, as a text file is.
     *
     * @throws CorpusException if the text is empty
     */
    public static Corpus fromText(String name, String text, Tokenizer vocabOrNull) {
        return fromText(name, text, vocabOrNull, TokenizerSpec.CHAR);
    }

    /** The corpus of {@code text}, as {@link #fromText(String, String, Tokenizer)}, with the tokenizer {@code spec} says. */
    public static Corpus fromText(String name, String text, Tokenizer vocabOrNull, TokenizerSpec spec) {
        return PreparedStore.inMemory(TextSource.ofText(name, text), vocabOrNull, spec);
    }

    private static PreparedStore store(CorpusOptions options) {
        return new PreparedStore(options.preparedDir(), options.progress(), Files::newOutputStream);
    }
}
