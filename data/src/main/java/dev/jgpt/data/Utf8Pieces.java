package dev.jgpt.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns the bytes of tokens, one token at a time, into text that holds only whole characters: a
 * character split across tokens (a BPE's multi-byte character) is given out once its last byte
 * comes. Bytes that can never complete a character come out as U+FFFD, as {@link String}'s decoder
 * gives them.
 */
public final class Utf8Pieces {

    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Adds {@code bytes}; returns the text of every character they complete (maybe none). */
    public String add(byte[] bytes) {
        pending.writeBytes(bytes);
        byte[] all = pending.toByteArray();
        int complete = completePrefix(all);
        pending.reset();
        pending.write(all, complete, all.length - complete);
        return new String(all, 0, complete, StandardCharsets.UTF_8);
    }

    /** The text of the bytes left over, at the end: an unfinished character as U+FFFD. */
    public String finish() {
        String rest = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return rest;
    }

    /** The length of the longest prefix that ends where no character is cut short. */
    private static int completePrefix(byte[] bytes) {
        // Look back over at most 3 bytes for the start of the last character.
        for (int back = 1; back <= Math.min(4, bytes.length); back++) {
            int b = bytes[bytes.length - back] & 0xFF;
            if (b < 0x80) {
                return bytes.length; // ASCII ends whatever came before it
            }
            if (b >= 0xC0) {
                int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return back >= needed || b > 0xF4 ? bytes.length : bytes.length - back;
            }
        }
        return bytes.length; // continuation bytes with no start: they complete nothing
    }
}
