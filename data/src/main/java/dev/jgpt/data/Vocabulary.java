package dev.jgpt.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A character vocabulary: four reserved tokens, then one token per character (Unicode code point)
 * in code point order.
 *
 * <pre>
 * id:     0     1       2      3       4     5    ...
 * token:  &lt;s&gt;   &lt;pad&gt;   &lt;/s&gt;   &lt;unk&gt;   "\n"  " "  ...
 * </pre>
 *
 * <p>A vocabulary that comes from elsewhere (nanoGPT's {@code meta.pkl}, through an export folder)
 * may have no reserved tokens: then every id is a character, in the order given, and a character
 * it lacks cannot be encoded ({@link #hasSpecials()} is false).
 */
public final class Vocabulary implements Tokenizer {

    /** The id of {@code <s>}, which begins a document. */
    public static final int BOS = 0;
    /** The id of {@code <pad>}, which fills a row after its document ends and is never learned. */
    public static final int PAD = 1;
    /** The id of {@code </s>}, which ends a document. */
    public static final int EOS = 2;
    /** The id of {@code <unk>}, which stands for any character the vocabulary does not have. */
    public static final int UNK = 3;

    private static final int ABSENT = -1;
    private static final List<String> RESERVED = List.of("<s>", "<pad>", "</s>", "<unk>");
    private static final String REPLACEMENT_CHARACTER = "\uFFFD";
    private static final Gson FILE_JSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private static final Gson MESSAGE_JSON = new GsonBuilder().disableHtmlEscaping().create();

    private final List<String> tokens;
    private final boolean specials;
    // The id of each code point up to the largest in the vocabulary, ABSENT for those it lacks: a
    // table lookup, much faster than a map, for encoding gigabytes. ABSENT is negative, never an id:
    // in a vocabulary without reserved tokens every id from 0 up is a character.
    private final int[] idOfCodePoint;

    private Vocabulary(List<String> tokens, boolean specials) {
        this.tokens = List.copyOf(tokens);
        this.specials = specials;
        int first = specials ? RESERVED.size() : 0;
        int largest = tokens.subList(first, tokens.size()).stream().mapToInt(t -> t.codePointAt(0)).max().orElse(-1);
        this.idOfCodePoint = new int[largest + 1];
        Arrays.fill(idOfCodePoint, ABSENT);
        for (int id = first; id < tokens.size(); id++) {
            idOfCodePoint[tokens.get(id).codePointAt(0)] = id;
        }
    }

    /** The vocabulary of {@code text}: the reserved tokens, then its distinct characters sorted. */
    public static Vocabulary fromText(String text) {
        return fromCodePoints(text.codePoints());
    }

    /** The reserved tokens, then the distinct code points of {@code codePoints} in order. */
    static Vocabulary fromCodePoints(IntStream codePoints) {
        List<String> tokens = new ArrayList<>(RESERVED);
        codePoints.distinct().sorted().forEach(c -> tokens.add(Character.toString(c)));
        return new Vocabulary(tokens, true);
    }

    /**
     * The vocabulary of {@code tokens} in id order: jgpt's (the reserved tokens first) or one of
     * characters only, as nanoGPT's.
     *
     * @param source names where the tokens come from, in messages
     * @throws CorpusException if the list is empty, has a token that is not one character (the
     *     reserved ones aside), or lists a character twice
     */
    public static Vocabulary fromTokens(List<String> tokens, String source) {
        boolean specials = checkTokens(source, tokens);
        return new Vocabulary(tokens, specials);
    }

    /** Whether ids 0 to 3 are {@code <s>}, {@code <pad>}, {@code </s>} and {@code <unk>}. */
    public boolean hasSpecials() {
        return specials;
    }

    /** The id of {@code <pad>}, or null in a vocabulary without reserved tokens. */
    @Override
    public Integer paddingId() {
        return specials ? PAD : null;
    }

    /** {@code char}. */
    @Override
    public String kind() {
        return "char";
    }

    /** The ids of {@code text}: {@link #encode}'s, with a character it lacks as {@code <unk>}. */
    @Override
    public int[] ids(String text) {
        return encode(text).ids();
    }

    /** The UTF-8 bytes of {@link #decode(int)}. */
    @Override
    public byte[] bytes(int id) {
        return decode(id).getBytes(StandardCharsets.UTF_8);
    }

    /** The number of ids, reserved ones included. */
    @Override
    public int size() {
        return tokens.size();
    }

    /** The token of {@code id}: {@code <s>}, {@code <pad>}, {@code </s>}, {@code <unk>} or a character. */
    public String token(int id) {
        checkId(id);
        return tokens.get(id);
    }

    /** All tokens, in id order. */
    public List<String> tokens() {
        return tokens;
    }

    /**
     * The ids of the characters of {@code text}: a character outside the vocabulary becomes {@link
     * #UNK} and is counted, so that the caller can warn once. A vocabulary without reserved tokens
     * has no {@code <unk>}: it refuses such a character with a {@link CorpusException}.
     *
     * @param ids one id per character
     * @param unknownCount how many characters became {@link #UNK}
     */
    public record Encoded(int[] ids, int unknownCount) {}

    /** Encodes {@code text} character by character; see {@link Encoded}. */
    public Encoded encode(String text) {
        int[] ids = text.codePoints().toArray();
        return new Encoded(ids, encode(ids, ids.length));
    }

    /**
     * Replaces the first {@code count} code points of {@code codePoints} by their ids, the one
     * encoder of every path (files, prompts, texts in memory); returns how many became {@link #UNK}.
     *
     * @throws CorpusException if the vocabulary has no {@code <unk>} and lacks one of the characters:
     *     it names the first such character and how often it occurs among the {@code count}
     */
    int encode(int[] codePoints, int count) {
        int unknown = 0;
        for (int i = 0; i < count; i++) {
            int codePoint = codePoints[i];
            int id = codePoint < idOfCodePoint.length ? idOfCodePoint[codePoint] : ABSENT;
            if (id == ABSENT && !specials) {
                throw missing(codePoint, IntStream.range(i, count).filter(j -> codePoints[j] == codePoint).count());
            }
            if (id == ABSENT) {
                unknown++;
                id = UNK;
            }
            codePoints[i] = id;
        }
        return unknown;
    }

    /** Whether {@code codePoint} has an id of its own (not {@code <unk>}'s). */
    boolean contains(int codePoint) {
        return codePoint < idOfCodePoint.length && idOfCodePoint[codePoint] != ABSENT;
    }

    /** The error for a character that a vocabulary without {@code <unk>} lacks, found {@code occurrences} times. */
    static CorpusException missing(int codePoint, long occurrences) {
        return new CorpusException(String.format(Locale.ROOT,
                "the character %s (U+%04X), found %,d time%s, is not in the model's vocabulary,"
                        + " which has no <unk> token (it came without reserved tokens)",
                MESSAGE_JSON.toJson(Character.toString(codePoint)), codePoint, occurrences, occurrences == 1 ? "" : "s"));
    }

    /** The text of {@code ids}; see {@link #decode(int)}. */
    @Override
    public String decode(int[] ids) {
        StringBuilder text = new StringBuilder(ids.length);
        for (int id : ids) {
            text.append(decode(id));
        }
        return text.toString();
    }

    /**
     * The text of one id: its character; the empty string for {@code <s>}, {@code <pad>} and {@code
     * </s>}; U+FFFD, the replacement character, for {@code <unk>}.
     */
    public String decode(int id) {
        checkId(id);
        if (!specials) {
            return tokens.get(id);
        }
        return switch (id) {
            case BOS, PAD, EOS -> "";
            case UNK -> REPLACEMENT_CHARACTER;
            default -> tokens.get(id);
        };
    }

    /**
     * Writes the vocabulary to {@code file} as JSON, {@code {"tokens": ["<s>", "<pad>", ...]}},
     * through a temporary file in the same folder, so that a crash never leaves half a file.
     */
    public void save(Path file) {
        try {
            AtomicFiles.writeString(file, FILE_JSON.toJson(Map.of("tokens", tokens)) + "\n");
        } catch (IOException e) {
            throw new CorpusException("cannot write vocabulary file " + file + ": " + e, e);
        }
    }

    /**
     * Reads a vocabulary written by {@link #save}.
     *
     * @throws CorpusException naming the file and the problem if it is missing, not JSON, lists a
     *     character twice, or has a token that is not one character (the reserved tokens, in order,
     *     aside)
     */
    public static Vocabulary load(Path file) {
        JsonElement json;
        try {
            json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new CorpusException("vocabulary file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CorpusException("cannot read vocabulary file " + file + ": " + e, e);
        } catch (JsonParseException e) {
            throw new CorpusException("vocabulary file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!json.isJsonObject() || !json.getAsJsonObject().has("tokens")
                || !json.getAsJsonObject().get("tokens").isJsonArray()) {
            throw new CorpusException("vocabulary file " + file + " is not a JSON object with a \"tokens\" list");
        }
        JsonArray array = json.getAsJsonObject().getAsJsonArray("tokens");
        List<String> tokens = new ArrayList<>();
        for (int id = 0; id < array.size(); id++) {
            JsonElement token = array.get(id);
            if (!token.isJsonPrimitive() || !token.getAsJsonPrimitive().isString()) {
                throw new CorpusException(
                        "vocabulary file " + file + ": token " + id + " is " + token + ", not a string");
            }
            tokens.add(token.getAsString());
        }
        return fromTokens(tokens, "vocabulary file " + file);
    }

    /** Checks the tokens; returns whether they start with the reserved ones. */
    private static boolean checkTokens(String source, List<String> tokens) {
        if (tokens.isEmpty()) {
            throw new CorpusException(source + " holds no tokens");
        }
        boolean specials = tokens.size() >= RESERVED.size() && tokens.subList(0, RESERVED.size()).equals(RESERVED);
        Map<Integer, Integer> idOfCodePoint = new HashMap<>();
        for (int id = specials ? RESERVED.size() : 0; id < tokens.size(); id++) {
            String token = tokens.get(id);
            if (token.codePointCount(0, token.length()) != 1) {
                throw new CorpusException(source + ": token " + id + " " + MESSAGE_JSON.toJson(token)
                        + " is not one character" + (specials || id > 0 ? "" : " (nor does the list start with the reserved tokens "
                        + MESSAGE_JSON.toJson(RESERVED) + ")"));
            }
            Integer earlier = idOfCodePoint.put(token.codePointAt(0), id);
            if (earlier != null) {
                throw new CorpusException(source + " lists the character "
                        + MESSAGE_JSON.toJson(token) + " twice, as tokens " + earlier + " and " + id);
            }
        }
        return specials;
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary's range [0, " + tokens.size() + ")");
        }
    }

    /** Two vocabularies are equal when they have the same tokens in the same order. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Vocabulary vocabulary && tokens.equals(vocabulary.tokens) && specials == vocabulary.specials;
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }
}
