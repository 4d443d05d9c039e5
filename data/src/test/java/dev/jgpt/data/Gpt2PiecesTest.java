package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class Gpt2PiecesTest {

    private static final Pattern GPT2 = Pattern.compile(BytePairTokenizer.GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    private static List<String> byRegex(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher matcher = GPT2.matcher(text);
        while (matcher.find()) {
            pieces.add(matcher.group());
        }
        return pieces;
    }

    private static List<String> byHand(String text) {
        List<String> pieces = new ArrayList<>();
        for (int start = 0, end; start < text.length(); start = end) {
            end = Gpt2Pieces.end(text, start);
            pieces.add(text.substring(start, end));
        }
        return pieces;
    }

    @Test
    void contractionsSpacesAndRunsSplitAsThePatternSplitsThem() {
        for (String text : List.of("", " ", "'", "'s", "'ll", "'l", "''s", "it's 'twas", "a  b", "a   !", "x \n\n y ",
                "12ab 3½ Ⅻ", " ?! ", "\t\t\u00A0a\u3000", "e\u0301", "😀😀 😀", "\r\n\r\n", "end  ")) {
            assertEquals(byRegex(text), byHand(text), text);
        }
    }

    /** Random text from the whole of Unicode, and runs of what the pattern turns on: quotes, s, l, spaces, digits. */
    @Test
    void anyTextSplitsAsThePatternSplitsIt() {
        Random random = new Random(29);
        String tricky = "'sldmtvre  \t\n\r\u00A0\u2028\u0085123!?.Ⅻ²";
        for (int trial = 0; trial < 2000; trial++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(60); i > 0; i--) {
                switch (random.nextInt(8)) {
                    case 0 -> text.append(RandomText.of(random, 1 + random.nextInt(3)));
                    case 1 -> text.append((char) (0xD800 + random.nextInt(0x800))); // a lone surrogate, as Java strings may hold
                    default -> text.append(tricky.charAt(random.nextInt(tricky.length())));
                }
            }
            assertEquals(byRegex(text.toString()), byHand(text.toString()), text.toString());
        }
    }
}
