package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8PiecesTest {

    @Test
    void aCharacterComesOutOnlyWhenItsLastByteDoes() {
        Utf8Pieces pieces = new Utf8Pieces();
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
        assertEquals("a", pieces.add(new byte[] {'a', emoji[0]}));
        assertEquals("", pieces.add(new byte[] {emoji[1], emoji[2]}));
        assertEquals("😀b", pieces.add(new byte[] {emoji[3], 'b'}));
        assertEquals("", pieces.finish());
    }

    @Test
    void anyTextCutAnywhereComesOutWholeAndInWholeCharacters() {
        Random random = new Random(2);
        for (int trial = 0; trial < 200; trial++) {
            String text = RandomText.of(random, 1 + random.nextInt(100));
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Utf8Pieces pieces = new Utf8Pieces();
            StringBuilder out = new StringBuilder();
            for (int start = 0; start < bytes.length; ) {
                int end = Math.min(bytes.length, start + 1 + random.nextInt(5));
                String piece = pieces.add(Arrays.copyOfRange(bytes, start, end));
                if (text.indexOf('\uFFFD') < 0) {
                    assertEquals(-1, piece.indexOf('\uFFFD'), "a cut character came out as a replacement character");
                }
                out.append(piece);
                start = end;
            }
            out.append(pieces.finish());
            assertEquals(text, out.toString());
        }
    }

    @Test
    void bytesThatCannotCompleteComeOutAsReplacementCharacters() {
        Utf8Pieces pieces = new Utf8Pieces();
        assertEquals("", pieces.add(new byte[] {(byte) 0xE6, (byte) 0x97}));
        assertEquals("\uFFFD", pieces.finish());
        assertEquals("\uFFFDx", pieces.add(new byte[] {(byte) 0x97, 'x'}));
    }
}
