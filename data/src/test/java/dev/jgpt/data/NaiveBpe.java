package dev.jgpt.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** BPE as minbpe teaches it, recounting every pair of every piece before each merge: the reference for {@link BpeTrainer}. */
final class NaiveBpe {

    private NaiveBpe() {}

    /** The bytes of the first {@code count} tokens merged from {@code text} (fewer if pairs run out). */
    static List<byte[]> merges(String text, int count) {
        Matcher matcher = Pattern.compile(BytePairTokenizer.GPT4_PATTERN, Pattern.UNICODE_CHARACTER_CLASS).matcher(text);
        List<List<Integer>> pieces = new ArrayList<>();
        while (matcher.find()) {
            List<Integer> symbols = new ArrayList<>();
            for (byte b : matcher.group().getBytes(StandardCharsets.UTF_8)) {
                symbols.add(4 + (b & 0xFF));
            }
            pieces.add(symbols);
        }
        List<byte[]> bytesOfId = new ArrayList<>();
        for (int id = 0; id < 260; id++) {
            bytesOfId.add(id < 4 ? new byte[0] : new byte[] {(byte) (id - 4)});
        }
        List<byte[]> merged = new ArrayList<>();
        while (merged.size() < count) {
            Map<Long, Long> pairs = new TreeMap<>(); // ascending pairs: the first of the most frequent wins ties
            for (List<Integer> symbols : pieces) {
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    pairs.merge(((long) symbols.get(i) << 32) | symbols.get(i + 1), 1L, Long::sum);
                }
            }
            if (pairs.isEmpty()) {
                break;
            }
            long best = pairs.entrySet().stream().max(Map.Entry.<Long, Long>comparingByValue()
                    .thenComparing(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder()))).orElseThrow().getKey();
            int left = (int) (best >>> 32);
            int right = (int) best;
            byte[] joined = Arrays.copyOf(bytesOfId.get(left), bytesOfId.get(left).length + bytesOfId.get(right).length);
            System.arraycopy(bytesOfId.get(right), 0, joined, bytesOfId.get(left).length, bytesOfId.get(right).length);
            int id = indexOf(bytesOfId, joined);
            if (id < 0) {
                id = bytesOfId.size();
                bytesOfId.add(joined);
                merged.add(joined);
            }
            for (List<Integer> symbols : pieces) {
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    if (symbols.get(i) == left && symbols.get(i + 1) == right) {
                        symbols.set(i, id);
                        symbols.remove(i + 1);
                    }
                }
            }
        }
        return merged;
    }

    private static int indexOf(List<byte[]> bytesOfId, byte[] bytes) {
        for (int id = 4; id < bytesOfId.size(); id++) {
            if (Arrays.equals(bytesOfId.get(id), bytes)) {
                return id;
            }
        }
        return -1;
    }
}
