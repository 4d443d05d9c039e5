package dev.jgpt.train.cli;

import static dev.jgpt.train.cli.JgptCliTest.assertUserError;
import static dev.jgpt.train.cli.JgptCliTest.jgpt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.train.cli.JgptCliTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --tokenizer on the command line: jgpt tokenize, a BPE run from train to sample and eval, bits per byte. */
class TokenizerCliTest {

    private static final String TEXT = "The cat sat on the mat, and the other cats sat on the hat.\n".repeat(60)
            + "Then they all went home, where nobody was waiting for them.\n".repeat(30);
    private static final List<String> TINY = List.of("--n-layer", "1", "--n-head", "1", "--n-embd", "16", "--block-size", "16",
            "--batch-size", "2", "--max-iters", "2", "--eval-interval", "0", "--eval-iters", "1", "--no-plot");

    @TempDir Path dir;

    private Run train(String... flags) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--prepared-dir", dir.resolve("prepared").toString()));
        args.addAll(TINY);
        args.addAll(List.of(flags));
        return jgpt(args.toArray(String[]::new));
    }

    @Test
    void tokenizeWithGpt2PrintsTiktokensIdsAndDecodesThemExactly() throws IOException {
        Run run = jgpt("tokenize", "--tokenizer", "gpt2", "--text", "Hello world");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("[15496,995]\n", run.out());
        assertEquals("Hello world", jgpt("tokenize", "--tokenizer", "gpt2", "--decode", "--text", "[15496,995]").out());

        String mixed = "naïve café\r\n\t  日本語 👩‍👩‍👧‍👦 it's";
        Path file = Files.writeString(dir.resolve("mixed.txt"), mixed);
        Run ids = jgpt("tokenize", "--tokenizer", "gpt2", "--file", file.toString());
        Path idsFile = Files.writeString(dir.resolve("ids.json"), ids.out());
        assertEquals(mixed, jgpt("tokenize", "--tokenizer", "gpt2", "--decode", "--file", idsFile.toString()).out());
    }

    @Test
    void badTokenizerInputIsOneLine() {
        assertUserError(jgpt("tokenize", "--tokenizer", "bpe", "--text", "x"), "--tokenizer bpe: only gpt2 stands alone");
        assertUserError(jgpt("tokenize", "--tokenizer", "gpt2", "--decode", "--text", "[1, 99999]"),
                "element 1 (99999) is not an id of the tokenizer (0 to 50256)");
        assertUserError(jgpt("tokenize", "--tokenizer", "gpt2", "--decode", "--text", "{"), "--decode needs a JSON array");
        assertUserError(train("--tokenizer", "bpe", "--vocab-size", "100"), "--vocab-size 100 is below 260");
        assertUserError(train("--tokenizer", "gpt2", "--vocab-size", "4096"), "--vocab-size 4096 applies only to --tokenizer bpe");
        assertUserError(train("--vocab-size", "300"), "--vocab-size 300 applies only to --tokenizer bpe, not char");
        assertUserError(train("--tokenizer", "words"), "unknown --tokenizer words: use char, bpe or gpt2");
    }

    @Test
    void aBpeRunKeepsItsTokenizerFromTrainToSampleEvalAndTokenize() throws IOException {
        Path text = Files.writeString(dir.resolve("cats.txt"), TEXT);
        Path runDir = dir.resolve("run");
        Run trained = train("--data", text.toString(), "--tokenizer", "bpe", "--vocab-size", "300", "--out-dir", runDir.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        assertTrue(trained.out().contains("bits per byte"), trained.out());
        Path checkpoint = runDir.resolve("latest");
        assertTrue(Files.exists(checkpoint.resolve("tokenizer.tiktoken")) && Files.exists(checkpoint.resolve("tokenizer.json")));

        Run eval = jgpt("eval", "--checkpoint", runDir.toString(), "--json", "--prepared-dir", dir.resolve("prepared").toString());
        assertEquals(0, eval.exitCode(), eval.err());
        JsonObject json = JsonParser.parseString(eval.out()).getAsJsonObject();
        double expected = json.get("loss").getAsDouble() * json.get("tokens").getAsLong() / (Math.log(2) * json.get("bytes").getAsLong());
        assertEquals(expected, json.get("bits_per_byte").getAsDouble(), 1e-9);
        assertTrue(json.get("bytes").getAsLong() > 2 * json.get("tokens").getAsLong(), "a BPE token holds several bytes: " + json);

        Run sample = jgpt("sample", "--checkpoint", runDir.toString(), "--num-samples", "1", "--max-new-tokens", "20");
        assertEquals(0, sample.exitCode(), sample.err());
        assertTrue(sample.out().length() > 1, sample.out()); // an untrained model's bytes need not be UTF-8: see Utf8PiecesTest

        String unseen = "Ελληνικά и 日本語 👍🏽\r\n";
        Run ids = jgpt("tokenize", "--checkpoint", runDir.toString(), "--text", unseen);
        assertEquals(unseen, jgpt("tokenize", "--checkpoint", runDir.toString(), "--decode", "--text", ids.out()).out());

        assertUserError(train("--data", text.toString(), "--tokenizer", "char", "--out-dir", runDir.toString(), "--resume",
                "--max-iters", "4"), "--tokenizer char does not match");
        Files.writeString(checkpoint.resolve("tokenizer.tiktoken"), "damaged\n", java.nio.file.StandardOpenOption.APPEND);
        assertUserError(jgpt("tokenize", "--checkpoint", runDir.toString(), "--text", "x"),
                "tokenizer.tiktoken is truncated or corrupt");
    }

    @Test
    void aCorpusTooSmallForTheVocabularySaysHowManyTokensItHas() throws IOException {
        Path text = Files.writeString(dir.resolve("small.txt"), "abab ab abab ab\n".repeat(200));
        Run run = train("--data", text.toString(), "--tokenizer", "bpe", "--out-dir", dir.resolve("run").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("is too small for a BPE of 4,096 tokens: no pair was left to merge at 264 tokens"),
                run.err());
    }

    @Test
    void aCharacterModelsBitsPerByteOnAsciiIsItsLossOverLn2() throws IOException {
        Path text = Files.writeString(dir.resolve("cats.txt"), TEXT);
        Path runDir = dir.resolve("run");
        assertEquals(0, train("--data", text.toString(), "--out-dir", runDir.toString()).exitCode());
        JsonObject json = JsonParser.parseString(jgpt("eval", "--checkpoint", runDir.toString(), "--json", "--prepared-dir",
                dir.resolve("prepared").toString()).out()).getAsJsonObject();
        assertEquals(json.get("tokens").getAsLong(), json.get("bytes").getAsLong());
        assertEquals(json.get("loss").getAsDouble() / Math.log(2), json.get("bits_per_byte").getAsDouble(), 1e-9);
    }
}
