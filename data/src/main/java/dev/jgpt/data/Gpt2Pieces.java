package dev.jgpt.data;

/**
 * GPT-2's pre-split pattern written out by hand, because Java's regex engine spent a third of the
 * time of preparing a corpus with GPT-2's encoding (jtokkit hand-writes cl100k's for the same
 * reason). It finds exactly the pieces of {@link BytePairTokenizer#GPT2_PATTERN} compiled with
 * {@code UNICODE_CHARACTER_CLASS}, as jtokkit compiles it ({@code Gpt2PiecesTest} compares the two):
 *
 * <pre>
 * '(?:[sdmt]|ll|ve|re) | ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+ | \s+(?!\S) | \s+
 * </pre>
 */
final class Gpt2Pieces {

    private Gpt2Pieces() {}

    /** Where the piece that begins at {@code start} ends (exclusive); {@code start} must be before the end. */
    static int end(CharSequence text, int start) {
        int n = text.length();
        char first = text.charAt(start);
        if (first == '\'') {
            int contraction = contraction(text, start + 1);
            if (contraction > 0) {
                return start + 1 + contraction;
            }
        }
        int from = first == ' ' && start + 1 < n ? start + 1 : start; // the optional space of the next three
        int codePoint = Character.codePointAt(text, from);
        if (!isSpace(codePoint)) {
            Kind kind = Kind.of(codePoint);
            int end = from + Character.charCount(codePoint);
            while (end < n) {
                int next = Character.codePointAt(text, end);
                if (isSpace(next) || Kind.of(next) != kind) {
                    break;
                }
                end += Character.charCount(next);
            }
            return end;
        }
        // whitespace: the run, but its last character where something other than whitespace follows
        int end = start;
        while (end < n && isSpace(Character.codePointAt(text, end))) {
            end += Character.charCount(Character.codePointAt(text, end));
        }
        if (end == n) {
            return end;
        }
        int beforeLast = end - Character.charCount(Character.codePointBefore(text, end));
        return beforeLast > start ? beforeLast : end;
    }

    /** The length of {@code s d m t ll ve re} at {@code at}, or 0. */
    private static int contraction(CharSequence text, int at) {
        if (at >= text.length()) {
            return 0;
        }
        char c = text.charAt(at);
        if (c == 's' || c == 'd' || c == 'm' || c == 't') {
            return 1;
        }
        if (at + 1 < text.length()) {
            char d = text.charAt(at + 1);
            if (c == 'l' && d == 'l' || c == 'v' && d == 'e' || c == 'r' && d == 'e') {
                return 2;
            }
        }
        return 0;
    }

    /** The three runs the pattern tells apart, besides whitespace. */
    private enum Kind {
        LETTER, NUMBER, OTHER;

        static Kind of(int codePoint) {
            if (Character.isLetter(codePoint)) {
                return LETTER;
            }
            return switch (Character.getType(codePoint)) {
                case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
                default -> OTHER;
            };
        }
    }

    /** {@code \s} under {@code UNICODE_CHARACTER_CLASS}: Unicode's White_Space, as java.util.regex defines it. */
    private static boolean isSpace(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || codePoint >= 0x9 && codePoint <= 0xd || codePoint == 0x85;
    }
}
