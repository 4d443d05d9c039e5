package dev.jgpt.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * One column of a CSV file as a list of documents, one per row, each encoded as {@code <s>}, its
 * characters, {@code </s>}. The first 90% of the rows train and the rest validate. A batch row is a
 * window of one random document, padded with {@code <pad>} when the document is shorter than the
 * block.
 */
public final class CsvCorpus implements Corpus {

    private static final double TRAIN_FRACTION = 0.9;

    /** RFC 4180 with a header line; blank lines are skipped rather than read as empty rows. */
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            .get();

    private final String name;
    private final Vocabulary vocabulary;
    private final List<int[]> train;
    private final List<int[]> val;
    private final int rows;
    private final long characters;
    private final long distinctCharacters;
    private final int unknownCount;

    private CsvCorpus(String name, List<String> documents, Vocabulary vocabOrNull) {
        String allText = String.join("", documents);
        this.name = name;
        this.vocabulary = vocabOrNull != null ? vocabOrNull : Vocabulary.fromText(allText);
        List<int[]> encoded = new ArrayList<>();
        int unknown = 0;
        for (String document : documents) {
            Vocabulary.Encoded characters = vocabulary.encode(document);
            unknown += characters.unknownCount();
            encoded.add(withBoundaries(characters.ids()));
        }
        int trainRows = trainRows(documents.size());
        this.train = List.copyOf(encoded.subList(0, trainRows));
        // A single row cannot be split, so both splits use it.
        this.val = documents.size() == 1 ? train : List.copyOf(encoded.subList(trainRows, encoded.size()));
        this.rows = documents.size();
        this.characters = allText.codePoints().count();
        this.distinctCharacters = allText.codePoints().distinct().count();
        this.unknownCount = unknown;
    }

    /**
     * The corpus of column {@code column} of a UTF-8 CSV file whose first line names the columns.
     *
     * @param vocabOrNull the vocabulary to encode with (a resumed run's), or null to build it from
     *     the column's text; characters it lacks become {@link Vocabulary#UNK}, counted in {@link
     *     #unknownCount()}
     * @throws CorpusException if the file is missing, unreadable, not valid UTF-8 or not valid CSV,
     *     if {@code column} is null or not in the header (the message lists the header), or if the
     *     file has no rows
     */
    public static CsvCorpus fromFile(Path file, String column, Vocabulary vocabOrNull) {
        List<String> documents = readColumn(file, Utf8File.read(file), column);
        return new CsvCorpus(file + " column \"" + column + "\"", documents, vocabOrNull);
    }

    private static List<String> readColumn(Path file, String text, String column) {
        try (CSVParser parser = CSVParser.parse(text, FORMAT)) {
            List<String> header = parser.getHeaderNames();
            if (header.isEmpty()) {
                throw new CorpusException(
                        "corpus file " + file + " is empty: a CSV file needs a header line naming its columns");
            }
            if (column == null) {
                throw new CorpusException("corpus file " + file + " is a CSV file, so --column is needed to say which"
                        + " column holds the text; its columns are " + quoted(header));
            }
            if (!header.contains(column)) {
                throw new CorpusException("corpus file " + file + " has no column \"" + column + "\"; its columns are "
                        + quoted(header));
            }
            List<String> documents = new ArrayList<>();
            for (CSVRecord record : parser) {
                if (!record.isSet(column)) {
                    throw new CorpusException("corpus file " + file + ": row " + record.getRecordNumber() + " has "
                            + record.size() + " fields, too few to hold column \"" + column + "\"");
                }
                documents.add(record.get(column));
            }
            if (documents.isEmpty()) {
                throw new CorpusException("corpus file " + file + " has a header line but no rows");
            }
            return documents;
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            throw new CorpusException("corpus file " + file + " is not valid CSV: " + e.getMessage(), e);
        }
    }

    private static String quoted(List<String> names) {
        return names.stream().map(name -> "\"" + name + "\"").collect(Collectors.joining(", "));
    }

    private static int[] withBoundaries(int[] characters) {
        int[] document = new int[characters.length + 2];
        document[0] = Vocabulary.BOS;
        System.arraycopy(characters, 0, document, 1, characters.length);
        document[document.length - 1] = Vocabulary.EOS;
        return document;
    }

    /** 90% of the rows, rounded down, but leaving at least one row to each split when there are two. */
    private static int trainRows(int rows) {
        if (rows == 1) {
            return 1;
        }
        return Math.max(1, Math.min(rows - 1, (int) (rows * TRAIN_FRACTION)));
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * For each row, a random document of the split and, if it has more than {@code blockSize + 1}
     * tokens, a random window of {@code blockSize + 1} of them (otherwise all of it): inputs are the
     * window but its last token, targets the window but its first, both padded with {@link
     * Vocabulary#PAD} to {@code blockSize}.
     */
    @Override
    public Batch batch(Split split, int batchSize, int blockSize, Random random) {
        checkBlockSize(blockSize);
        List<int[]> documents = documents(split);
        long[] inputs = new long[batchSize * blockSize];
        long[] targets = new long[batchSize * blockSize];
        Arrays.fill(inputs, Vocabulary.PAD);
        Arrays.fill(targets, Vocabulary.PAD);
        int countedTargets = 0;
        for (int row = 0; row < batchSize; row++) {
            int[] document = documents.get(random.nextInt(documents.size()));
            int start = document.length > blockSize + 1 ? random.nextInt(document.length - blockSize) : 0;
            int predicted = Math.min(document.length - 1, blockSize);
            for (int t = 0; t < predicted; t++) {
                inputs[row * blockSize + t] = document[start + t];
                targets[row * blockSize + t] = document[start + t + 1];
            }
            countedTargets += predicted;
        }
        return new Batch(batchSize, blockSize, inputs, targets, countedTargets);
    }

    /** Every positive block size works, since documents shorter than the block are padded. */
    @Override
    public void checkBlockSize(int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
        }
    }

    /** The split's documents one after the other, each from its {@code <s>} to its {@code </s>}. */
    @Override
    public int[] tokens(Split split) {
        return documents(split).stream().flatMapToInt(Arrays::stream).toArray();
    }

    private List<int[]> documents(Split split) {
        return split == Split.TRAIN ? train : val;
    }

    @Override
    public int unknownCount() {
        return unknownCount;
    }

    /**
     * For example {@code names.csv column "name": 32,033 rows, 196,113 characters, 26 distinct,
     * 28,829 train / 3,204 val documents}.
     */
    @Override
    public String describe() {
        return String.format(Locale.ROOT,
                "%s: %,d rows, %,d characters, %,d distinct, %,d train / %,d val documents",
                name, rows, characters, distinctCharacters, train.size(), val.size());
    }
}
