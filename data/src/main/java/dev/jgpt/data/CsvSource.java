package dev.jgpt.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/** One column of a UTF-8 CSV file whose first line names the columns: a document per row. */
final class CsvSource implements CorpusSource {

    /** RFC 4180 with a header line; blank lines are skipped rather than read as empty rows. */
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            .get();

    private final Path file;
    private final String column;

    CsvSource(Path file, String column) {
        this.file = file;
        this.column = column;
    }

    @Override
    public String name() {
        return file + " column \"" + column + "\"";
    }

    @Override
    public String documents() {
        return "rows";
    }

    @Override
    public List<Path> files() {
        return List.of(file);
    }

    @Override
    public String identity() {
        return file.toAbsolutePath().normalize() + "\0" + column;
    }

    /**
     * @throws CorpusException if the file is not valid UTF-8 or not valid CSV, if {@code column} is
     *     null or not in the header (the message lists the header), or if the file has no rows
     */
    @Override
    public void read(TextSink sink, Progress progress) {
        try (Utf8Reader reader = new Utf8Reader(file, progress); CSVParser parser = CSVParser.parse(reader, FORMAT)) {
            checkHeader(parser.getHeaderNames());
            CodePoints codePoints = new CodePoints(sink);
            long rows = 0;
            for (CSVRecord record : parser) {
                if (!record.isSet(column)) {
                    throw new CorpusException("corpus file " + file + ": row " + record.getRecordNumber() + " has "
                            + record.size() + " fields, too few to hold column \"" + column + "\"");
                }
                sink.startDocument();
                codePoints.add(record.get(column));
                sink.endDocument();
                rows++;
            }
            if (rows == 0) {
                throw new CorpusException("corpus file " + file + " has a header line but no rows");
            }
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            // commons-csv wraps its CSVException in an UncheckedIOException whose message names the class.
            Throwable reason = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
            throw new CorpusException("corpus file " + file + " is not valid CSV: " + reason.getMessage(), e);
        }
    }

    private void checkHeader(List<String> header) {
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
    }

    private static String quoted(List<String> names) {
        return names.stream().map(name -> "\"" + name + "\"").collect(Collectors.joining(", "));
    }
}
