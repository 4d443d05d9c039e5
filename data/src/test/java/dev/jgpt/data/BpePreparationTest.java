package dev.jgpt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpePreparationTest {

    private static final TokenizerSpec GPT2 = TokenizerSpec.of("gpt2", null, 1_000_000);

    @Test
    void aGpt2TextsSplitsConcatenateToItsEncoding(@TempDir Path folder) throws IOException {
        String text = RandomText.of(new Random(5), 5_000);
        Path file = folder.resolve("mixed.txt");
        Files.writeString(file, text);
        Corpus corpus = Corpora.open(file.toString(), null, null, GPT2, Tokens.options(folder, 1));
        assertEquals("gpt2", corpus.tokenizer().kind());
        int[] expected = BytePairTokenizer.gpt2().ids(text);
        assertArrayEquals(expected, Tokens.all(corpus));
        // The split falls at the first cut after 90% of the characters.
        String train = corpus.tokenizer().decode(Tokens.of(corpus, Split.TRAIN));
        assertTrue(train.codePointCount(0, train.length()) >= (long) (text.codePoints().count() * 0.9));
        assertTrue(corpus.tokenCount(Split.VAL) > 0);
        // 2 bytes a token on disk, and read back from there by a second open.
        Path prepared = Files.list(folder.resolve("prepared")).findFirst().orElseThrow();
        assertEquals(2 * corpus.tokenCount(Split.TRAIN), Files.size(prepared.resolve("train.bin")));
        Corpus reopened = Corpora.open(file.toString(), null, null, GPT2, Tokens.options(folder, 1));
        assertArrayEquals(expected, Tokens.all(reopened));
    }

    @Test
    void aBpeIsLearnedFromTheTrainSplitAndSavedWithTheCorpus(@TempDir Path folder) throws IOException {
        String text = RandomText.of(new Random(6), 30_000);
        Path file = folder.resolve("mixed.txt");
        Files.writeString(file, text);
        TokenizerSpec spec = TokenizerSpec.of("bpe", 300, 1_000_000);
        Corpus corpus = Corpora.open(file.toString(), null, null, spec, Tokens.options(folder, 1));
        BytePairTokenizer bpe = (BytePairTokenizer) corpus.tokenizer();
        assertEquals(300, bpe.size());
        assertArrayEquals(bpe.ids(text), Tokens.all(corpus));
        BpeTrainer trainer = new BpeTrainer();
        String train = bpe.decode(Tokens.of(corpus, Split.TRAIN));
        trainer.add(text.substring(0, text.offsetByCodePoints(0, (int) (text.codePoints().count() * 0.9))));
        assertEquals(trainer.train(300), bpe, "learned from the train split's 90% of characters");
        assertTrue(train.length() < text.length());
        Path prepared = Files.list(folder.resolve("prepared")).findFirst().orElseThrow();
        assertEquals(bpe, TiktokenFiles.load(prepared));
        // Another size is another preparation.
        Corpus bigger = Corpora.open(file.toString(), null, null, TokenizerSpec.of("bpe", 320, 1_000_000),
                Tokens.options(folder, 1));
        assertEquals(320, bigger.tokenizer().size());
    }

    @Test
    void gpt2DocumentsAreSeparatedByEndOfTextAndPaddedWithIgnoredTargets(@TempDir Path folder) throws IOException {
        Path documents = Files.createDirectories(folder.resolve("docs"));
        List<String> texts = List.of("First document.", "Second one here", "Third and last, 👍");
        for (int i = 0; i < texts.size(); i++) {
            Files.writeString(documents.resolve(i + ".txt"), texts.get(i));
        }
        Corpus corpus = Corpora.open(documents.toString(), null, null, GPT2, Tokens.options(folder, 1));
        int[] all = Tokens.all(corpus);
        assertEquals(2 * texts.size(), Arrays.stream(all).filter(id -> id == 50_256).count());
        assertEquals(String.join("", texts.stream().sorted().toList()).length(),
                corpus.tokenizer().decode(all).length(), "documents in some order, the separators decode to nothing");
        Batch batch = corpus.batch(Split.TRAIN, 1, 64, new Random(1));
        assertEquals(Batch.IGNORED, batch.targets()[63], "no padding id: a short document's row ends in ignored targets");
        assertNotEquals(Vocabulary.PAD, batch.inputs()[1]);
    }

    @Test
    void badSpecsAreRefusedInOneLine() {
        assertEquals("--vocab-size 259 is below 260, the 4 reserved tokens and the 256 bytes a BPE starts from",
                assertThrows(CorpusException.class, () -> TokenizerSpec.of("bpe", 259, 1)).getMessage());
        assertTrue(assertThrows(CorpusException.class, () -> TokenizerSpec.of("gpt2", 4096, 1)).getMessage()
                .startsWith("--vocab-size 4096 applies only to --tokenizer bpe, not gpt2"));
        assertTrue(assertThrows(CorpusException.class, () -> TokenizerSpec.of("char", 300, 1)).getMessage()
                .startsWith("--vocab-size 300 applies only to --tokenizer bpe, not char"));
        assertEquals("unknown --tokenizer words: use char, bpe or gpt2",
                assertThrows(CorpusException.class, () -> TokenizerSpec.of("words", null, 1)).getMessage());
        assertEquals(4096, TokenizerSpec.of("bpe", null, 1).vocabSize());
    }
}
