package dev.jgpt.train.inspect;

import dev.jgpt.data.Vocabulary;
import java.util.Locale;

/**
 * Names for tokens that a person can read in a chart, a table or a TSV cell: a visible character
 * stands for itself; whitespace, control and invisible characters get a name in angle brackets
 * ({@code <space>}, {@code <newline>}, {@code <tab>}, {@code <U+00A0>}), as the reserved tokens
 * ({@code <s>}, {@code <pad>}, {@code </s>}, {@code <unk>}) already have. No label is blank or holds
 * a tab or a line break, so each fits one TSV cell.
 */
public final class TokenLabels {

    private TokenLabels() {}

    /** The readable label of {@code token} (a character, or a reserved token's name). */
    public static String of(String token) {
        if (token.codePointCount(0, token.length()) != 1) {
            return token; // a reserved token: <s>, <pad>, </s>, <unk>
        }
        int c = token.codePointAt(0);
        return switch (c) {
            case ' ' -> "<space>";
            case '\n' -> "<newline>";
            case '\t' -> "<tab>";
            case '\r' -> "<cr>";
            default -> visible(c) ? token : String.format(Locale.ROOT, "<U+%04X>", c);
        };
    }

    /**
     * A one-character stand-in for axes where a name would not fit: ␣ for space, ↵ for newline, ⇥
     * for tab, · for other invisible characters; other tokens as {@link #of}.
     */
    public static String compact(String token) {
        if (token.codePointCount(0, token.length()) != 1) {
            return token;
        }
        int c = token.codePointAt(0);
        return switch (c) {
            case ' ' -> "\u2423";
            case '\n' -> "\u21B5";
            case '\t' -> "\u21E5";
            default -> visible(c) ? token : "\u00B7";
        };
    }

    /** The label of id {@code id} in {@code vocabulary}. */
    public static String of(Vocabulary vocabulary, int id) {
        return of(vocabulary.token(id));
    }

    private static boolean visible(int c) {
        int type = Character.getType(c);
        return !Character.isWhitespace(c)
                && !Character.isISOControl(c)
                && !Character.isSpaceChar(c)
                && type != Character.FORMAT
                && type != Character.UNASSIGNED
                && type != Character.PRIVATE_USE
                && type != Character.SURROGATE
                && type != Character.NON_SPACING_MARK
                && type != Character.ENCLOSING_MARK;
    }
}
