package dev.jgpt.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns a byte-level BPE from text, as Hugging Face tokenizers and rustbpe do: the text is pre-split
 * by {@link BytePairTokenizer#GPT4_PATTERN} and each distinct piece counted once; merges then work on
 * the distinct pieces, weighted by their counts, and each merge updates the pair counts of only the
 * pieces it changes (a heap picks the most frequent pair), never recounting the whole.
 */
public final class BpeTrainer {

    /** The fewest ids a BPE can have: the reserved tokens and the 256 bytes. */
    public static final int MIN_SIZE = BytePairTokenizer.FIRST_BYTE + 256;

    private final Pattern pattern = Pattern.compile(BytePairTokenizer.GPT4_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);
    private final Map<String, long[]> pieceCounts = new HashMap<>();

    /** Counts the pieces of {@code text}; call once per stretch of text, cut where pieces end. */
    public void add(CharSequence text) {
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            pieceCounts.computeIfAbsent(matcher.group(), piece -> new long[1])[0]++;
        }
    }

    /**
     * The BPE of the text added, with {@code size} ids, or fewer when the text runs out of pairs to
     * merge first (a small corpus): {@link BytePairTokenizer#size()} tells.
     */
    public BytePairTokenizer train(int size) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("a BPE needs at least " + MIN_SIZE + " ids, got " + size);
        }
        List<int[]> words = new ArrayList<>(pieceCounts.size());
        List<Long> counts = new ArrayList<>(pieceCounts.size());
        pieceCounts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            byte[] bytes = entry.getKey().getBytes(StandardCharsets.UTF_8);
            int[] symbols = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                symbols[i] = BytePairTokenizer.FIRST_BYTE + (bytes[i] & 0xFF);
            }
            words.add(symbols);
            counts.add(entry.getValue()[0]);
        });
        return new Merges(words, counts).learn(size);
    }

    /** The merging state: the pieces as symbols, the pair counts, and which pieces hold each pair. */
    private static final class Merges {
        private final List<int[]> words;
        private final long[] counts;
        private final Map<Long, Long> pairCounts = new HashMap<>();
        private final Map<Long, Set<Integer>> pairWords = new HashMap<>();
        // Most frequent first, ties to the smaller pair; stale entries are skipped when popped.
        private final PriorityQueue<long[]> heap = new PriorityQueue<>(
                (x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));
        private final List<byte[]> bytesOfId = new ArrayList<>();
        private final Map<String, Integer> idOfBytes = new HashMap<>();

        Merges(List<int[]> words, List<Long> counts) {
            this.words = words;
            this.counts = counts.stream().mapToLong(Long::longValue).toArray();
            for (int id = 0; id < BytePairTokenizer.FIRST_BYTE; id++) {
                bytesOfId.add(new byte[0]);
            }
            for (int b = 0; b < 256; b++) {
                bytesOfId.add(new byte[] {(byte) b});
                idOfBytes.put(key(bytesOfId.get(bytesOfId.size() - 1)), bytesOfId.size() - 1);
            }
            Set<Long> changed = new HashSet<>();
            for (int w = 0; w < words.size(); w++) {
                countPairs(w, 1, changed);
            }
            changed.forEach(this::push);
        }

        BytePairTokenizer learn(int size) {
            List<byte[]> merged = new ArrayList<>();
            while (bytesOfId.size() < size && !heap.isEmpty()) {
                long[] top = heap.poll();
                long pair = top[1];
                long count = pairCounts.getOrDefault(pair, 0L);
                if (count != top[0]) {
                    continue; // stale: its current count was pushed when it changed
                }
                int left = (int) (pair >>> 32);
                int right = (int) pair;
                byte[] bytes = concat(bytesOfId.get(left), bytesOfId.get(right));
                // Two merges may spell the same bytes; the token is made once (tiktoken's ranks are by bytes).
                Integer id = idOfBytes.get(key(bytes));
                if (id == null) {
                    id = bytesOfId.size();
                    bytesOfId.add(bytes);
                    idOfBytes.put(key(bytes), id);
                    merged.add(bytes);
                }
                merge(pair, left, right, id);
            }
            return BytePairTokenizer.ofMerges(BytePairTokenizer.GPT4_PATTERN, merged, "BPE training");
        }

        private void merge(long pair, int left, int right, int id) {
            Set<Long> changed = new HashSet<>();
            for (int w : pairWords.remove(pair)) {
                int[] symbols = words.get(w);
                if (!contains(symbols, left, right)) {
                    continue; // the pair left this piece through an earlier merge
                }
                countPairs(w, -1, changed);
                int[] merged = new int[symbols.length];
                int length = 0;
                for (int i = 0; i < symbols.length; i++) {
                    if (i + 1 < symbols.length && symbols[i] == left && symbols[i + 1] == right) {
                        merged[length++] = id;
                        i++;
                    } else {
                        merged[length++] = symbols[i];
                    }
                }
                words.set(w, Arrays.copyOf(merged, length));
                countPairs(w, 1, changed);
            }
            pairCounts.remove(pair);
            changed.remove(pair);
            changed.forEach(this::push);
        }

        /** Adds (sign 1) or removes (sign -1) the pairs of piece {@code w}, weighted by its count. */
        private void countPairs(int w, int sign, Set<Long> changed) {
            int[] symbols = words.get(w);
            for (int i = 0; i + 1 < symbols.length; i++) {
                long pair = ((long) symbols[i] << 32) | symbols[i + 1];
                long count = pairCounts.merge(pair, sign * counts[w], Long::sum);
                if (count == 0) {
                    pairCounts.remove(pair);
                }
                if (sign > 0) {
                    pairWords.computeIfAbsent(pair, p -> new HashSet<>()).add(w);
                }
                changed.add(pair);
            }
        }

        private void push(long pair) {
            long count = pairCounts.getOrDefault(pair, 0L);
            if (count > 0) {
                heap.add(new long[] {count, pair});
            }
        }

        private static boolean contains(int[] symbols, int left, int right) {
            for (int i = 0; i + 1 < symbols.length; i++) {
                if (symbols[i] == left && symbols[i + 1] == right) {
                    return true;
                }
            }
            return false;
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] joined = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, joined, a.length, b.length);
            return joined;
        }

        private static String key(byte[] bytes) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }
}
