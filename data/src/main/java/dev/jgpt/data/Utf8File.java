package dev.jgpt.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a corpus file as strict UTF-8, saying where the first bad byte is if it is not. */
final class Utf8File {

    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private Utf8File() {}

    /**
     * The text of {@code file}, without a leading byte order mark.
     *
     * @throws CorpusException if the file is missing, unreadable or not valid UTF-8
     */
    static String read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CorpusException("corpus file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CorpusException("cannot read corpus file " + file + ": " + e, e);
        }
        String text = decode(file, bytes);
        // Editors on Windows start UTF-8 files with U+FEFF; it is not part of the text.
        return text.startsWith(String.valueOf(BYTE_ORDER_MARK)) ? text.substring(1) : text;
    }

    private static String decode(Path file, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int offset = in.position();
            throw new CorpusException(String.format(
                    "corpus file %s is not valid UTF-8: byte 0x%02X at byte offset %d (line %d) does not decode",
                    file, bytes[offset] & 0xFF, offset, lineOf(bytes, offset)));
        }
        return out.flip().toString();
    }

    private static int lineOf(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }
}
