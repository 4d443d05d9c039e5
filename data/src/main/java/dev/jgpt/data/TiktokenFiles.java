package dev.jgpt.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link BytePairTokenizer} on disk, in the format tiktoken reads: {@value #RANKS_FILE}, one line
 * per byte token and merge, its bytes in base64 and its rank (its id), as {@code
 * tiktoken.load.load_tiktoken_bpe} reads; and {@value #JSON_FILE}, {@code {"kind", "pattern",
 * "special_tokens"}}, the rest of what {@code tiktoken.Encoding} takes. GPT-2's encoding, bundled
 * with jtokkit and tiktoken alike, is saved by name alone.
 *
 * <pre>
 * import tiktoken, tiktoken.load, json
 * meta = json.load(open("tokenizer.json"))
 * enc = tiktoken.Encoding("jgpt", pat_str=meta["pattern"], special_tokens=meta["special_tokens"],
 *                         mergeable_ranks=tiktoken.load.load_tiktoken_bpe("tokenizer.tiktoken"))
 * </pre>
 */
public final class TiktokenFiles {

    /** The ranks file. */
    public static final String RANKS_FILE = "tokenizer.tiktoken";
    /** The pattern and special tokens. */
    public static final String JSON_FILE = "tokenizer.json";

    private static final Gson JSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private TiktokenFiles() {}

    /** The files {@code tokenizer} is saved in: the JSON, and for jgpt's BPE the ranks. */
    public static List<String> files(BytePairTokenizer tokenizer) {
        return tokenizer.kind().equals("gpt2") ? List.of(JSON_FILE) : List.of(JSON_FILE, RANKS_FILE);
    }

    /** Writes {@code tokenizer} into {@code folder}, each file through a temporary one. */
    public static void save(BytePairTokenizer tokenizer, Path folder) {
        JsonObject json = new JsonObject();
        json.addProperty("kind", tokenizer.kind());
        if (tokenizer.kind().equals("gpt2")) {
            json.addProperty("encoding", "r50k_base");
        }
        json.addProperty("pattern", tokenizer.pattern());
        json.add("special_tokens", JSON.toJsonTree(new java.util.TreeMap<>(tokenizer.specials())));
        write(folder.resolve(JSON_FILE), JSON.toJson(json) + "\n");
        if (tokenizer.kind().equals("bpe")) {
            StringBuilder ranks = new StringBuilder();
            Base64.Encoder base64 = Base64.getEncoder();
            for (int id = BytePairTokenizer.FIRST_BYTE; id < tokenizer.size(); id++) {
                ranks.append(base64.encodeToString(tokenizer.bytes(id))).append(' ').append(id).append('\n');
            }
            write(folder.resolve(RANKS_FILE), ranks.toString());
        }
    }

    /** Whether {@code folder} holds a saved BPE. */
    public static boolean isIn(Path folder) {
        return Files.exists(folder.resolve(JSON_FILE));
    }

    /**
     * Reads the tokenizer saved in {@code folder}.
     *
     * @throws CorpusException naming the file and the problem if a file is missing, malformed, or
     *     does not describe a BPE jgpt wrote (the reserved tokens, the 256 bytes, then the merges)
     */
    public static BytePairTokenizer load(Path folder) {
        Path jsonFile = folder.resolve(JSON_FILE);
        JsonObject json;
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(jsonFile, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new CorpusException("tokenizer file " + jsonFile + " is not a JSON object");
            }
            json = parsed.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new CorpusException("tokenizer file " + jsonFile + " does not exist", e);
        } catch (IOException e) {
            throw new CorpusException("cannot read tokenizer file " + jsonFile + ": " + e, e);
        } catch (JsonParseException e) {
            throw new CorpusException("tokenizer file " + jsonFile + " is not valid JSON: " + e.getMessage(), e);
        }
        String kind = json.has("kind") && json.get("kind").isJsonPrimitive() ? json.get("kind").getAsString() : null;
        if ("gpt2".equals(kind)) {
            return BytePairTokenizer.gpt2();
        }
        if (!"bpe".equals(kind)) {
            throw new CorpusException("tokenizer file " + jsonFile + " has kind " + kind + ", not \"bpe\" or \"gpt2\"");
        }
        if (!json.has("pattern") || !json.get("pattern").isJsonPrimitive()
                || !json.get("pattern").getAsString().equals(BytePairTokenizer.GPT4_PATTERN)) {
            throw new CorpusException("tokenizer file " + jsonFile + " has another pre-split pattern than GPT-4's,"
                    + " which jgpt trains with");
        }
        Map<String, Integer> expected = new LinkedHashMap<>();
        for (int id = 0; id < BytePairTokenizer.RESERVED.size(); id++) {
            expected.put(BytePairTokenizer.RESERVED.get(id), id);
        }
        Map<?, ?> specials = json.has("special_tokens") ? JSON.fromJson(json.get("special_tokens"), Map.class) : null;
        if (specials == null || !specials.keySet().equals(expected.keySet())
                || expected.entrySet().stream().anyMatch(e -> !(specials.get(e.getKey()) instanceof Number n)
                        || n.doubleValue() != e.getValue())) {
            throw new CorpusException("tokenizer file " + jsonFile + " does not give the special tokens "
                    + expected);
        }
        return BytePairTokenizer.ofMerges(BytePairTokenizer.GPT4_PATTERN, readMerges(folder.resolve(RANKS_FILE)),
                "tokenizer file " + folder.resolve(RANKS_FILE));
    }

    /** The merged tokens in a ranks file, after checking that its first 256 lines are the bytes and its ranks run on. */
    private static List<byte[]> readMerges(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CorpusException("tokenizer file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CorpusException("cannot read tokenizer file " + file + ": " + e, e);
        }
        List<byte[]> merged = new ArrayList<>();
        Base64.Decoder base64 = Base64.getDecoder();
        for (int line = 0; line < lines.size(); line++) {
            String[] fields = lines.get(line).split(" ");
            int id = BytePairTokenizer.FIRST_BYTE + line;
            byte[] bytes;
            try {
                if (fields.length != 2 || Integer.parseInt(fields[1]) != id) {
                    throw new IllegalArgumentException("expected \"<base64 bytes> " + id + "\"");
                }
                bytes = base64.decode(fields[0]);
            } catch (IllegalArgumentException e) {
                throw new CorpusException("tokenizer file " + file + ", line " + (line + 1) + " \"" + lines.get(line)
                        + "\" is damaged: " + e.getMessage(), e);
            }
            if (line < 256 && (bytes.length != 1 || (bytes[0] & 0xFF) != line)) {
                throw new CorpusException("tokenizer file " + file + ", line " + (line + 1) + " is not byte " + line);
            }
            if (line >= 256) {
                merged.add(bytes);
            }
        }
        if (lines.size() < 256) {
            throw new CorpusException("tokenizer file " + file + " has " + lines.size()
                    + " lines, fewer than the 256 bytes");
        }
        return merged;
    }

    private static void write(Path file, String text) {
        try {
            AtomicFiles.writeString(file, text);
        } catch (IOException e) {
            throw new CorpusException("cannot write tokenizer file " + file + ": " + e, e);
        }
    }
}
