package dev.jgpt.train.cli;

import static dev.jgpt.train.cli.JgptCliTest.assertUserError;
import static dev.jgpt.train.cli.JgptCliTest.jgpt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgpt.train.cli.JgptCliTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new user met in a first hour, round two (issue 23). */
class FirstHourTest {

    @TempDir Path dir;

    private static final String[] TINY = {
        "--n-layer", "1", "--n-head", "2", "--n-embd", "32", "--block-size", "16", "--batch-size", "8",
        "--eval-iters", "20", "--warmup-iters", "5", "--log-interval", "50", "--lr", "0.01", "--eval-interval", "0"
    };

    private static String[] train(String... more) {
        String[] all = new String[1 + TINY.length + more.length];
        all[0] = "train";
        System.arraycopy(TINY, 0, all, 1, TINY.length);
        System.arraycopy(more, 0, all, 1 + TINY.length, more.length);
        return all;
    }

    @Test
    void aFolderOfLettersSamplesLettersThatStartAsItsDocumentsDo() throws IOException {
        Path letters = Files.createDirectories(dir.resolve("letters"));
        Random random = new Random(1);
        for (int i = 0; i < 40; i++) {
            Files.writeString(letters.resolve("letter" + i + ".txt"), "Dear Anna, " + "xyz".charAt(random.nextInt(3)) + "\n");
        }
        Path run = dir.resolve("run");
        Run trained = jgpt(train("--data", letters.toString(), "--out-dir", run.toString(), "--max-iters", "150"));
        assertEquals(0, trained.exitCode(), trained.err());
        assertTrue(Files.readString(run.resolve("latest/state.json")).contains("\"documents\": true"), "recorded in the checkpoint");

        Run sample = jgpt("sample", "--checkpoint", run.toString(), "--num-samples", "3", "--max-new-tokens", "100");
        assertEquals(0, sample.exitCode(), sample.err());
        for (String letter : sample.out().split(SampleCommand.RULE + "\n")) {
            assertTrue(letter.startsWith("Dear Anna, "), "a letter starts as the letters do: " + sample.out());
            assertTrue(letter.length() < 30, "and stops at </s>: " + sample.out());
        }
    }

    @Test
    void theEstimateOnACsvOfVeryUnequalRowsEstimatesTheWholeSplitLoss() throws IOException {
        // Many short rows of random letters (hard to predict), a few long rows of a pattern (easy).
        StringBuilder rows = new StringBuilder("text\n");
        Random random = new Random(2);
        for (int i = 0; i < 600; i++) {
            if (i % 40 == 0) {
                rows.append("abcd".repeat(100));
            } else {
                for (int c = 0; c < 3; c++) {
                    rows.append((char) ('e' + random.nextInt(16)));
                }
            }
            rows.append('\n');
        }
        Path csv = Files.writeString(dir.resolve("rows.csv"), rows);
        Run trained = jgpt(train("--data", csv.toString(), "--column", "text", "--out-dir", dir.resolve("run").toString(),
                "--max-iters", "60", "--eval-tokens", "0"));
        assertEquals(0, trained.exitCode(), trained.err());

        double estimate = number(trained.out(), "step 60: train loss [0-9.]+, val loss ([0-9.]+)");
        double whole = number(trained.out(), "val loss over the whole val split: ([0-9.]+)");
        assertEquals(whole, estimate, 0.1 * whole, trained.out());
    }

    @Test
    void initFromWithoutDataTrainsOnTheRecordedCorpusOrRefuses() throws IOException {
        Path text = Files.writeString(dir.resolve("cats.txt"), "the cat sat on the mat.\n".repeat(200));
        Path source = dir.resolve("source");
        assertEquals(0, jgpt(train("--data", text.toString(), "--out-dir", source.toString(), "--max-iters", "5")).exitCode());

        Run tuned = jgpt(train("--init-from", source.toString(), "--out-dir", dir.resolve("tuned").toString(), "--max-iters", "2"));
        assertEquals(0, tuned.exitCode(), tuned.err());
        assertTrue(tuned.out().startsWith("training on " + text + ": "), tuned.out());

        Files.delete(text);
        assertUserError(jgpt(train("--init-from", source.toString(), "--out-dir", dir.resolve("again").toString())),
                source.resolve("latest") + " was trained on " + text + ", which is no longer there: pass --data");
    }

    @Test
    void errorsNameWhatIsWrongAndHowToFixIt() {
        Run typo = jgpt("trian");
        assertEquals(2, typo.exitCode());
        assertTrue(typo.err().lines().findFirst().orElseThrow().contains("did you mean train?"), typo.err());
        Run option = jgpt("train", "--max-iter", "10");
        assertTrue(option.err().lines().findFirst().orElseThrow().contains("did you mean --max-iters?"), option.err());

        Run topP = jgpt("sample", "--checkpoint", dir.toString(), "--top-p", "2");
        assertUserError(topP, "--top-p must be in (0, 1], got 2.0");
        assertTrue(!topP.err().contains("--top-k"), topP.err());
        assertUserError(jgpt(train("--min-lr", "0.5")), "--min-lr must be in [0, --lr 0.01], got 0.5");

        Run gpu = jgpt("sample", "--checkpoint", dir.toString(), "--device", "gpu");
        assertUserError(gpu, "this build of jgpt has no CUDA");
        assertTrue(gpu.err().strip().length() <= 300, gpu.err().length() + " characters: " + gpu.err());
    }

    @Test
    void everyCommandThatRunsAModelTakesThreads() {
        for (String command : new String[] {"train", "sample", "eval", "bench"}) {
            Run help = jgpt(command, "--help");
            assertTrue(help.out().contains("--threads=N"), command + ": " + help.out());
        }
        assertUserError(jgpt(train("--threads", "0")), "--threads must be >= 1, got 0");
    }

    private static double number(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertTrue(matcher.find(), "no '" + regex + "' in: " + text);
        return Double.parseDouble(matcher.group(1));
    }
}
