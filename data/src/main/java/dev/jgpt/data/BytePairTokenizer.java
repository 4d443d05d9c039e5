package dev.jgpt.data;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte-level BPE as tiktoken defines it: text is pre-split by a pattern, each piece's UTF-8 bytes
 * are merged by rank. Both kinds are encoded by jtokkit: GPT-2's own (r50k_base, 50,257 ids, {@code
 * <|endoftext|>} = 50256, no padding id) and jgpt's, trained on a corpus by {@link BpeTrainer}:
 *
 * <pre>
 * id:     0     1       2      3       4 ... 259        260 ...
 * token:  &lt;s&gt;   &lt;pad&gt;   &lt;/s&gt;   &lt;unk&gt;   the 256 bytes   the merges, in the order learned
 * </pre>
 *
 * <p>Any UTF-8 text encodes, every byte having a token, and decodes back byte for byte.
 */
public final class BytePairTokenizer implements Tokenizer {

    /** GPT-4's pre-split pattern, as minbpe and nanochat use it: no token crosses a word boundary. */
    public static final String GPT4_PATTERN = "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
    /** GPT-2's pre-split pattern (r50k_base). */
    static final String GPT2_PATTERN = "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** GPT-2's only special token, which separates documents. */
    public static final String END_OF_TEXT = "<|endoftext|>";
    static final int GPT2_SIZE = 50_257;
    /** jgpt's reserved tokens, ids 0 to 3, as the character vocabulary's. */
    static final List<String> RESERVED = List.of("<s>", "<pad>", "</s>", "<unk>");
    /** The id of the first byte in jgpt's BPE: the reserved tokens come first. */
    static final int FIRST_BYTE = RESERVED.size();

    private static final byte[] NO_BYTES = new byte[0];
    /** How many distinct pieces {@link #ids} remembers, and the longest it remembers (in chars): a few MB. */
    private static final int CACHED_PIECES = 100_000;
    private static final int CACHED_PIECE_CHARS = 24;

    private final String kind;
    private final String pattern;
    private final Map<String, Integer> specials;
    private final Encoding encoding;
    private final byte[][] bytesOfId;
    private final Pattern splitter;
    private final Map<String, int[]> idsOfPiece = new ConcurrentHashMap<>();

    private BytePairTokenizer(String kind, String pattern, Map<String, Integer> specials, Encoding encoding,
            byte[][] bytesOfId) {
        this.kind = kind;
        this.pattern = pattern;
        this.specials = Map.copyOf(specials);
        this.encoding = encoding;
        this.bytesOfId = bytesOfId;
        this.splitter = compile(pattern);
    }

    /** The pattern as jtokkit compiles it, so that both split text alike. */
    private static Pattern compile(String pattern) {
        return Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** GPT-2's encoding, r50k_base, bundled with jtokkit. */
    public static BytePairTokenizer gpt2() {
        Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        byte[][] bytesOfId = new byte[GPT2_SIZE][];
        for (int id = 0; id < GPT2_SIZE - 1; id++) {
            bytesOfId[id] = encoding.decodeBytes(one(id));
        }
        bytesOfId[GPT2_SIZE - 1] = NO_BYTES;
        return new BytePairTokenizer("gpt2", GPT2_PATTERN, Map.of(END_OF_TEXT, GPT2_SIZE - 1), encoding, bytesOfId);
    }

    /**
     * jgpt's BPE: the reserved tokens, the 256 bytes, then {@code merged} (each token's bytes, in
     * rank order), pre-split by {@code pattern}.
     *
     * @throws CorpusException if a merged token is a single byte or listed twice
     */
    static BytePairTokenizer ofMerges(String pattern, List<byte[]> merged, String source) {
        byte[][] bytesOfId = new byte[FIRST_BYTE + 256 + merged.size()][];
        Map<byte[], Integer> ranks = new LinkedHashMap<>();
        Map<String, Integer> specials = new HashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int id = 0; id < FIRST_BYTE; id++) {
            specials.put(RESERVED.get(id), id);
            bytesOfId[id] = NO_BYTES;
        }
        for (int b = 0; b < 256; b++) {
            bytesOfId[FIRST_BYTE + b] = new byte[] {(byte) b};
        }
        for (int i = 0; i < merged.size(); i++) {
            bytesOfId[FIRST_BYTE + 256 + i] = merged.get(i);
        }
        for (int id = FIRST_BYTE; id < bytesOfId.length; id++) {
            byte[] bytes = bytesOfId[id];
            if (id >= FIRST_BYTE + 256 && bytes.length < 2) {
                throw new CorpusException(source + ": merged token " + id + " is " + bytes.length
                        + " bytes long, not two or more");
            }
            Integer earlier = seen.put(new String(bytes, StandardCharsets.ISO_8859_1), id);
            if (earlier != null) {
                throw new CorpusException(source + " lists the same bytes twice, as tokens " + earlier + " and " + id);
            }
            ranks.put(bytes, id);
        }
        // jtokkit only encodes ordinary text here, so it need not know the special tokens (it wants <|...|> names).
        Encoding encoding = Encodings.newLazyEncodingRegistry().registerGptBytePairEncoding(
                new GptBytePairEncodingParams("jgpt-bpe", compile(pattern),
                        ranks, Map.of())).getEncoding("jgpt-bpe").orElseThrow();
        return new BytePairTokenizer("bpe", pattern, specials, encoding, bytesOfId);
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public int size() {
        return bytesOfId.length;
    }

    /** {@code <pad>} (1) in jgpt's BPE; GPT-2 has none. */
    @Override
    public Integer paddingId() {
        return specials.get(RESERVED.get(Vocabulary.PAD));
    }

    /** The id that begins a document: {@code <s>}, or GPT-2's {@code <|endoftext|>}. */
    public int documentStart() {
        return specials.getOrDefault(RESERVED.get(Vocabulary.BOS), GPT2_SIZE - 1);
    }

    /** The id that ends a document: {@code </s>}, or GPT-2's {@code <|endoftext|>}. */
    public int documentEnd() {
        return specials.getOrDefault(RESERVED.get(Vocabulary.EOS), GPT2_SIZE - 1);
    }

    /**
     * The text as ordinary text: a special token's name in it is encoded as the characters it is.
     *
     * <p>The text is split here as jtokkit splits it, and each piece is encoded by jtokkit alone (a
     * piece splits into itself), so that the ids of the pieces met most often are remembered: words
     * recur, and looking one up is several times faster than merging its bytes again.
     */
    @Override
    public int[] ids(String text) {
        IntArrayList ids = new IntArrayList(text.length() / 3 + 16);
        if (kind.equals("gpt2")) {
            for (int start = 0, end; start < text.length(); start = end) {
                end = Gpt2Pieces.end(text, start);
                add(ids, idsOf(text.substring(start, end)));
            }
        } else {
            Matcher pieces = splitter.matcher(text);
            while (pieces.find()) {
                add(ids, idsOf(pieces.group()));
            }
        }
        return ids.toArray();
    }

    private static void add(IntArrayList ids, int[] more) {
        for (int id : more) {
            ids.add(id);
        }
    }

    private int[] idsOf(String piece) {
        int[] ids = idsOfPiece.get(piece);
        if (ids == null) {
            ids = encoding.encodeOrdinary(piece).toArray();
            if (piece.length() <= CACHED_PIECE_CHARS && idsOfPiece.size() < CACHED_PIECES) {
                idsOfPiece.put(piece, ids);
            }
        }
        return ids;
    }

    @Override
    public byte[] bytes(int id) {
        if (id < 0 || id >= bytesOfId.length) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary's range [0, " + bytesOfId.length + ")");
        }
        return bytesOfId[id];
    }

    /** Special tokens decode to nothing, as the character vocabulary's do. */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            bytes.writeBytes(bytes(id));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The pre-split pattern, as tiktoken's {@code pat_str}. */
    public String pattern() {
        return pattern;
    }

    /** The special tokens and their ids, as tiktoken's {@code special_tokens}. */
    public Map<String, Integer> specials() {
        return specials;
    }

    /** A digest of the kind and every token's bytes: equal digests, equal tokenizers. */
    public String digest() {
        StringBuilder all = new StringBuilder(kind);
        java.util.Base64.Encoder base64 = java.util.Base64.getEncoder();
        for (byte[] bytes : bytesOfId) {
            all.append('\n').append(base64.encodeToString(bytes));
        }
        return Fingerprint.sha256(all.toString());
    }

    /** Two BPEs are equal when they are of one kind and their ids stand for the same bytes. */
    @Override
    public boolean equals(Object other) {
        return other instanceof BytePairTokenizer bpe && kind.equals(bpe.kind)
                && java.util.Arrays.deepEquals(bytesOfId, bpe.bytesOfId);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + bytesOfId.length;
    }

    private static IntArrayList one(int id) {
        IntArrayList list = new IntArrayList(1);
        list.add(id);
        return list;
    }
}
