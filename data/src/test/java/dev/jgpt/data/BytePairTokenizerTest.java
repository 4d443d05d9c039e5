package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BytePairTokenizerTest {

    private static final String TRAINING_TEXT = words(new Random(7), 3000);

    /** Words of a small language, with punctuation and line ends, for BPE to learn from. */
    private static String words(Random random, int count) {
        String[] syllables = {"the", "ca", "t", "sat", "on", "ma", "re", "ther", "ing", "an", "e", "st", "o", "ly"};
        String[] breaks = {" ", " ", " ", ", ", ". ", "'s ", "\n", "\r\n", "  ", "\t", " 42 "};
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            for (int s = 0, n = 1 + random.nextInt(3); s < n; s++) {
                text.append(syllables[random.nextInt(syllables.length)]);
            }
            text.append(breaks[random.nextInt(breaks.length)]);
        }
        return text.toString();
    }

    private static BytePairTokenizer trained(int size) {
        BpeTrainer trainer = new BpeTrainer();
        trainer.add(TRAINING_TEXT);
        return trainer.train(size);
    }

    @Test
    void gpt2EncodesAsTiktokenDoes() {
        BytePairTokenizer gpt2 = BytePairTokenizer.gpt2();
        // tiktoken.get_encoding("gpt2").encode_ordinary("Hello world") == [15496, 995]
        assertArrayEquals(new int[] {15496, 995}, gpt2.ids("Hello world"));
        assertEquals(50_257, gpt2.size());
        assertNull(gpt2.paddingId());
        assertEquals(50_256, gpt2.documentEnd());
        assertEquals(0, gpt2.bytes(50_256).length);
        // Ordinary text: the special token's name is characters, not the token.
        assertTrue(Arrays.stream(gpt2.ids("<|endoftext|>")).noneMatch(id -> id == 50_256));
    }

    @Test
    void trainedBpeHasReservedIdsThenBytesThenMerges() {
        BytePairTokenizer bpe = trained(300);
        assertEquals(300, bpe.size());
        assertEquals("bpe", bpe.kind());
        assertEquals(1, bpe.paddingId());
        assertEquals(0, bpe.documentStart());
        assertEquals(2, bpe.documentEnd());
        for (int id = 0; id < 4; id++) {
            assertEquals(0, bpe.bytes(id).length);
        }
        for (int b = 0; b < 256; b++) {
            assertArrayEquals(new byte[] {(byte) b}, bpe.bytes(4 + b));
        }
        assertTrue(bpe.ids(TRAINING_TEXT).length < TRAINING_TEXT.length() / 2); // 40 merges halve the text
    }

    @Test
    void incrementalCountsLearnWhatRecountingEveryMergeLearns() {
        BytePairTokenizer bpe = trained(400);
        List<byte[]> expected = NaiveBpe.merges(TRAINING_TEXT, 400 - 260);
        assertEquals(expected.size(), bpe.size() - 260);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), bpe.bytes(260 + i), "merge " + i);
        }
    }

    @Test
    void aCorpusTooSmallStopsMergingWhenNoPairIsLeft() {
        BpeTrainer trainer = new BpeTrainer();
        trainer.add("abab ab");
        BytePairTokenizer bpe = trainer.train(4096);
        // pieces "abab" and " ab": merges "ab", " ab" or "abab"... until every piece is one token
        assertTrue(bpe.size() < 270, "size " + bpe.size());
        assertEquals(1, bpe.ids("abab").length);
        assertEquals(1, bpe.ids(" ab").length);
    }

    @Test
    void everyTokenizerRoundTripsAnyText() {
        Random random = new Random(19);
        List<Tokenizer> tokenizers = List.of(trained(400), BytePairTokenizer.gpt2());
        for (int trial = 0; trial < 200; trial++) {
            String text = RandomText.of(random, 1 + random.nextInt(300));
            for (Tokenizer tokenizer : tokenizers) {
                assertEquals(text, tokenizer.decode(tokenizer.ids(text)), tokenizer.kind() + " on " + text);
            }
        }
    }

    @Test
    void rememberedPiecesGiveJtokkitsIdsOfTheWholeText() {
        Encoding gpt2 = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        assertSameIdsOnRandomText(gpt2, BytePairTokenizer.gpt2(), new Random(23));
    }

    /** The same for a BPE learned here, split by GPT-4's pattern through the regex: jtokkit over the same ranks. */
    @Test
    void rememberedPiecesOfALearnedBpeGiveJtokkitsIdsOfTheWholeText() {
        BytePairTokenizer bpe = trained(400);
        Map<byte[], Integer> ranks = new LinkedHashMap<>();
        for (int id = BytePairTokenizer.FIRST_BYTE; id < bpe.size(); id++) {
            ranks.put(bpe.bytes(id), id);
        }
        Encoding jtokkit = Encodings.newLazyEncodingRegistry().registerGptBytePairEncoding(new GptBytePairEncodingParams("check",
                Pattern.compile(BytePairTokenizer.GPT4_PATTERN, Pattern.UNICODE_CHARACTER_CLASS), ranks, Map.of()))
                .getEncoding("check").orElseThrow();
        assertSameIdsOnRandomText(jtokkit, bpe, new Random(31));
    }

    /** Twice each text: the second time the pieces come from what the first remembered. */
    private static void assertSameIdsOnRandomText(Encoding jtokkit, BytePairTokenizer tokenizer, Random random) {
        for (int trial = 0; trial < 300; trial++) {
            String text = RandomText.of(random, 1 + random.nextInt(300)) + " " + words(random, 20);
            int[] expected = jtokkit.encodeOrdinary(text).toArray();
            assertArrayEquals(expected, tokenizer.ids(text), text);
            assertArrayEquals(expected, tokenizer.ids(text), text);
        }
    }

    @Test
    void bytesOfTheIdsAreTheTextsBytes() {
        BytePairTokenizer bpe = trained(400);
        String text = "naïve 👩‍👩‍👧‍👦 café\r\n\tthe  cat";
        byte[] expected = text.getBytes(StandardCharsets.UTF_8);
        int total = Arrays.stream(bpe.ids(text)).map(id -> bpe.bytes(id).length).sum();
        assertEquals(expected.length, total);
    }

    @Test
    void savedBpeLoadsAsTheSame(@TempDir Path folder) throws IOException {
        BytePairTokenizer bpe = trained(320);
        TiktokenFiles.save(bpe, folder);
        List<String> ranks = Files.readAllLines(folder.resolve(TiktokenFiles.RANKS_FILE));
        assertEquals(316, ranks.size());
        assertEquals("AA== 4", ranks.get(0)); // byte 0
        assertEquals(java.util.Base64.getEncoder().encodeToString(bpe.bytes(260)) + " 260", ranks.get(256));
        BytePairTokenizer loaded = TiktokenFiles.load(folder);
        assertEquals(bpe.size(), loaded.size());
        for (int id = 0; id < bpe.size(); id++) {
            assertArrayEquals(bpe.bytes(id), loaded.bytes(id));
        }
        assertArrayEquals(bpe.ids(TRAINING_TEXT), loaded.ids(TRAINING_TEXT));
    }

    @Test
    void savedGpt2IsItsName(@TempDir Path folder) {
        TiktokenFiles.save(BytePairTokenizer.gpt2(), folder);
        assertTrue(Files.notExists(folder.resolve(TiktokenFiles.RANKS_FILE)));
        assertEquals("gpt2", TiktokenFiles.load(folder).kind());
    }

    @Test
    void aDamagedRanksFileIsRefusedNamingTheLine(@TempDir Path folder) throws IOException {
        TiktokenFiles.save(trained(300), folder);
        Path ranks = folder.resolve(TiktokenFiles.RANKS_FILE);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(ranks));
        lines.set(270, "not*base64 274");
        Files.write(ranks, lines);
        CorpusException e = assertThrows(CorpusException.class, () -> TiktokenFiles.load(folder));
        assertTrue(e.getMessage().contains("line 271"), e.getMessage());

        lines.set(270, lines.get(0).replace(" 4", " 274"));
        Files.write(ranks, lines);
        e = assertThrows(CorpusException.class, () -> TiktokenFiles.load(folder));
        assertTrue(e.getMessage().contains("merged token 274 is 1 bytes long"), e.getMessage());

        Files.writeString(folder.resolve(TiktokenFiles.JSON_FILE), "{\"kind\": \"bpe\"");
        e = assertThrows(CorpusException.class, () -> TiktokenFiles.load(folder));
        assertTrue(e.getMessage().contains("is not valid JSON"), e.getMessage());
    }
}
