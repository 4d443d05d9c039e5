package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PieceEncoderTest {

    private static final BytePairTokenizer GPT2 = BytePairTokenizer.gpt2();

    private static BytePairTokenizer bpe() {
        BpeTrainer trainer = new BpeTrainer();
        trainer.add(RandomText.of(new Random(1), 20_000));
        return trainer.train(600);
    }

    /** Ids collected in order. */
    private static final class Ids implements PieceEncoder.IdSink {
        final StringBuilder ids = new StringBuilder();
        int count;

        @Override
        public void write(int[] more) {
            for (int id : more) {
                ids.append(id).append(',');
            }
            count += more.length;
        }

        int[] toArray() {
            return ids.length() == 0 ? new int[0] : Arrays.stream(ids.toString().split(",")).mapToInt(Integer::parseInt).toArray();
        }
    }

    /** Feeds {@code text} in chunks of random sizes up to {@code maxChunk} code points. */
    private static void feed(PieceEncoder encoder, String text, Random random, int maxChunk) throws IOException {
        int[] codePoints = text.codePoints().toArray();
        for (int start = 0; start < codePoints.length; ) {
            int count = Math.min(codePoints.length - start, 1 + random.nextInt(maxChunk));
            encoder.append(Arrays.copyOfRange(codePoints, start, start + count), count);
            start += count;
        }
    }

    @Test
    void segmentsCutAnywhereEncodeAsTheWholeText() throws IOException {
        Random random = new Random(19);
        for (BytePairTokenizer tokenizer : List.of(GPT2, bpe())) {
            for (int trial = 0; trial < 60; trial++) {
                String text = RandomText.of(random, 50 + random.nextInt(400));
                int segmentChars = 1 + random.nextInt(40);
                Ids ids = new Ids();
                try (PieceEncoder encoder = new PieceEncoder(tokenizer, 2, segmentChars, ids)) {
                    feed(encoder, text, random, 1 + random.nextInt(20));
                    encoder.finish();
                }
                assertArrayEquals(tokenizer.ids(text), ids.toArray(), tokenizer.kind() + ", segments of "
                        + segmentChars + ": " + text);
            }
        }
    }

    @Test
    void switchingSinksCutsAtTheFirstCutAfterTheRequest() throws IOException {
        Random random = new Random(3);
        for (int trial = 0; trial < 40; trial++) {
            String text = RandomText.of(random, 200);
            int[] codePoints = text.codePoints().toArray();
            int at = random.nextInt(codePoints.length);
            Ids before = new Ids();
            Ids after = new Ids();
            try (PieceEncoder encoder = new PieceEncoder(GPT2, 2, 1 + random.nextInt(30), before)) {
                encoder.append(Arrays.copyOf(codePoints, at), at);
                encoder.switchSink(after);
                encoder.append(Arrays.copyOfRange(codePoints, at, codePoints.length), codePoints.length - at);
                encoder.finish();
            }
            int requested = text.offsetByCodePoints(0, at);
            int cut = requested;
            while (cut < text.length() && !(cut > 0 && text.charAt(cut) == ' '
                    && Character.isLetterOrDigit(text.codePointBefore(cut)))) {
                cut++;
            }
            // No cut after the request: the text switches where it was asked to when it ends.
            int expectedCut = cut < text.length() ? cut : requested;
            assertEquals(text.substring(0, expectedCut), GPT2.decode(before.toArray()), text);
            assertArrayEquals(GPT2.ids(text.substring(expectedCut)), after.toArray(), text);
            if (cut < text.length()) {
                int[] joined = IntStream.concat(Arrays.stream(before.toArray()), Arrays.stream(after.toArray())).toArray();
                assertArrayEquals(GPT2.ids(text), joined, text);
            }
        }
    }

    @Test
    void markersComeBetweenTheTextsTheySeparate() throws IOException {
        Ids ids = new Ids();
        try (PieceEncoder encoder = new PieceEncoder(GPT2, 2, 4, ids)) {
            encoder.write(50_256);
            feed(encoder, "Hello world and more words", new Random(1), 3);
            encoder.write(50_256);
            feed(encoder, "Bye", new Random(1), 2);
            encoder.finish();
        }
        int[] expected = IntStream.concat(IntStream.concat(IntStream.of(50_256), Arrays.stream(GPT2.ids(
                "Hello world and more words"))), IntStream.concat(IntStream.of(50_256), Arrays.stream(GPT2.ids("Bye"))))
                .toArray();
        assertArrayEquals(expected, ids.toArray());
    }
}
