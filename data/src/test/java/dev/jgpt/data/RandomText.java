package dev.jgpt.data;

import java.util.Random;

/** Random text that tokenizers must survive: any script, emoji with joiners, CRLF, tabs and runs of spaces. */
final class RandomText {

    private static final String[] PIECES = {
        " ", "  ", "     ", "\t", "\r\n", "\n", "\n\n", "'s", "'ll", "123", "4567", "...", "!?",
        "👩‍👩‍👧‍👦", "🏳️‍🌈", "e\u0301", "日本語", "Ελληνικά", "Привет", "مرحبا", "עברית", "हिन्दी", "😀", "\u00A0", "\u3000",
    };

    private RandomText() {}

    /** A text of about {@code length} code points drawn from the whole of Unicode and the pieces above. */
    static String of(Random random, int length) {
        StringBuilder text = new StringBuilder();
        while (text.codePointCount(0, text.length()) < length) {
            switch (random.nextInt(4)) {
                case 0 -> text.append(PIECES[random.nextInt(PIECES.length)]);
                case 1 -> text.append((char) ('a' + random.nextInt(26)));
                case 2 -> text.appendCodePoint(anyCodePoint(random));
                default -> text.append(random.nextBoolean() ? ' ' : (char) ('A' + random.nextInt(26)));
            }
        }
        return text.toString();
    }

    /** Any code point but a surrogate, which UTF-8 cannot hold. */
    private static int anyCodePoint(Random random) {
        while (true) {
            int codePoint = random.nextBoolean() ? random.nextInt(0x3000) : random.nextInt(Character.MAX_CODE_POINT + 1);
            if (Character.getType(codePoint) != Character.SURROGATE) {
                return codePoint;
            }
        }
    }
}
