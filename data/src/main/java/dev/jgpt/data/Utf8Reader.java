package dev.jgpt.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams a file as strict UTF-8, without a leading byte order mark, in bounded memory. A byte that
 * does not decode stops it with a {@link CorpusException} that names the file, the byte, its offset
 * and its line.
 */
final class Utf8Reader extends Reader {

    private static final int BUFFER_BYTES = 1 << 20;
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private final Path file;
    private final FileChannel channel;
    private final Progress progress;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer in = ByteBuffer.allocate(BUFFER_BYTES).flip();
    /** The file offset of {@code in}'s first byte. */
    private long base;
    private boolean endOfInput;
    private boolean flushed;
    private boolean atStart = true;

    /**
     * Opens {@code file}; {@code progress} is told of every byte read.
     *
     * @throws CorpusException if the file is missing or unreadable
     */
    Utf8Reader(Path file, Progress progress) {
        this.file = file;
        this.progress = progress;
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CorpusException("corpus file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CorpusException("cannot read corpus file " + file + ": " + e, e);
        }
    }

    @Override
    public int read(char[] chars, int offset, int length) {
        if (length == 0) {
            return 0;
        }
        CharBuffer out = CharBuffer.wrap(chars, offset, length);
        while (out.position() == offset && !flushed) {
            CoderResult result = decoder.decode(in, out, endOfInput);
            if (result.isError()) {
                throw notUtf8(base + in.position());
            }
            if (result.isOverflow()) {
                break;
            }
            if (endOfInput) {
                flushed = !decoder.flush(out).isOverflow();
            } else {
                refill();
            }
        }
        int read = out.position() - offset;
        if (atStart && read > 0) {
            atStart = false;
            // Editors on Windows start UTF-8 files with U+FEFF; it is not part of the text.
            if (chars[offset] == BYTE_ORDER_MARK) {
                System.arraycopy(chars, offset + 1, chars, offset, --read);
                return read == 0 ? read(chars, offset, length) : read;
            }
        }
        return read > 0 ? read : -1;
    }

    private void refill() {
        base += in.position();
        in.compact();
        int read;
        try {
            read = channel.read(in);
        } catch (IOException e) {
            throw new CorpusException("cannot read corpus file " + file + ": " + e, e);
        }
        in.flip();
        if (read < 0) {
            endOfInput = true; // the last bytes must form whole characters
        } else {
            progress.advance(read);
        }
    }

    private CorpusException notUtf8(long offset) {
        return new CorpusException(String.format(
                "corpus file %s is not valid UTF-8: byte 0x%02X at byte offset %d (line %d) does not decode",
                file, byteAt(offset), offset, lineOf(offset)));
    }

    private int byteAt(long offset) {
        return in.get((int) (offset - base)) & 0xFF;
    }

    /** The line of a byte offset, counted again from the start: only an error needs it. */
    private long lineOf(long offset) {
        long line = 1;
        try (InputStream bytes = Files.newInputStream(file)) {
            byte[] buffer = new byte[BUFFER_BYTES];
            long position = 0;
            for (int read = bytes.read(buffer); read > 0 && position < offset; read = bytes.read(buffer)) {
                for (int i = 0; i < read && position < offset; i++, position++) {
                    line += buffer[i] == '\n' ? 1 : 0;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return line;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
