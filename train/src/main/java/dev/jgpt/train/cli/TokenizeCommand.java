package dev.jgpt.train.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.data.BytePairTokenizer;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.train.store.SavedModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt tokenize}: a text's ids under a model's tokenizer or GPT-2's, or the text of ids. */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Print the token ids of a text as one JSON array, or with --decode the text of a JSON array of ids.")
final class TokenizeCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--checkpoint", paramLabel = "DIR", description = "The tokenizer of this run, checkpoint or export folder.")
        Path checkpoint;

        @Option(names = "--tokenizer", paramLabel = "gpt2", description = "GPT-2's encoding (r50k_base), as tiktoken's encode_ordinary.")
        String tokenizer;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "The text (with --decode: the JSON array of ids).")
        String text;

        @Option(names = "--file", paramLabel = "PATH", description = "A UTF-8 file holding it.")
        Path file;
    }

    @Option(names = "--decode", description = "Read a JSON array of ids and write exactly their text to standard output, nothing added.")
    boolean decode;

    @Override
    public Integer call() throws IOException {
        Tokenizer tokenizer = tokenizer();
        String text = input.text != null ? input.text : read(input.file);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        if (decode) {
            out.write(tokenizer.decode(ids(text, tokenizer.size())).getBytes(StandardCharsets.UTF_8));
        } else {
            out.println(Arrays.stream(tokenizer.ids(text)).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]")));
        }
        out.flush();
        return 0;
    }

    private Tokenizer tokenizer() {
        if (which.checkpoint != null) {
            return SavedModel.open(which.checkpoint, "latest").tokenizer();
        }
        if (!which.tokenizer.equals("gpt2")) {
            throw new IllegalArgumentException("--tokenizer " + which.tokenizer
                    + ": only gpt2 stands alone; a char or bpe tokenizer belongs to a run (use --checkpoint)");
        }
        return BytePairTokenizer.gpt2();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--file " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --file " + file + " as UTF-8: " + e.getMessage());
        }
    }

    /** The ids of a JSON array, each checked to be an id of the tokenizer. */
    private static int[] ids(String json, int size) {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("--decode needs a JSON array of ids, not valid JSON: " + e.getMessage());
        }
        if (!parsed.isJsonArray()) {
            throw new IllegalArgumentException("--decode needs a JSON array of ids, got " + abbreviated(json));
        }
        JsonArray array = parsed.getAsJsonArray();
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonElement id = array.get(i);
            boolean integer = id.isJsonPrimitive() && id.getAsJsonPrimitive().isNumber()
                    && id.getAsDouble() == Math.rint(id.getAsDouble());
            if (!integer || id.getAsDouble() < 0 || id.getAsDouble() >= size) {
                throw new IllegalArgumentException("--decode: element " + i + " (" + id + ") is not an id of the tokenizer"
                        + " (0 to " + (size - 1) + ")");
            }
            ids[i] = id.getAsInt();
        }
        return ids;
    }

    private static String abbreviated(String text) {
        String line = text.strip();
        return line.length() > 40 ? line.substring(0, 40) + "..." : line;
    }
}
