package dev.jgpt.data;

import java.nio.file.Path;
import java.util.List;

/** One plain text, from a UTF-8 file or held in memory, split by position. */
final class TextSource implements CorpusSource {

    private final String name;
    private final Path file;
    private final String text;

    private TextSource(String name, Path file, String text) {
        this.name = name;
        this.file = file;
        this.text = text;
    }

    /** The text of a UTF-8 file. */
    static TextSource ofFile(Path file) {
        return new TextSource(file.toString(), file, null);
    }

    /** A text held in memory, called {@code name} in messages. */
    static TextSource ofText(String name, String text) {
        return new TextSource(name, null, text);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String documents() {
        return null;
    }

    @Override
    public List<Path> files() {
        return file == null ? List.of() : List.of(file);
    }

    @Override
    public String identity() {
        return file == null ? name : file.toAbsolutePath().normalize().toString();
    }

    @Override
    public void read(TextSink sink, Progress progress) {
        sink.startDocument();
        if (file == null) {
            new CodePoints(sink).add(text.startsWith("\uFEFF") ? text.substring(1) : text);
        } else {
            CodePoints.read(file, sink, progress);
        }
        sink.endDocument();
    }
}
