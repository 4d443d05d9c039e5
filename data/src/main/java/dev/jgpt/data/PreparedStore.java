package dev.jgpt.data;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Prepared corpora kept in a folder (by default {@code prepared/}), one subfolder per source:
 * {@code <file name>-<12 hex digits>}, the digits a hash of the source's absolute path, its CSV
 * column, for documents the seed that splits them, and the vocabulary when one was imposed.
 * A subfolder holds the token files, {@code vocab.json} and {@code prepared.json} (what preparing
 * found and the source's {@link Fingerprint}).
 *
 * <p>A subfolder is reused while the source's fingerprint matches; otherwise (the source was
 * edited, or the folder is incomplete or of another format) it is prepared again.
 * It is written as {@code <name>.part-<pid>} and renamed into place only when complete, so an
 * interrupted or failed preparation (a full disk, a source that changed) never looks complete.
 */
final class PreparedStore {

    /**
     * The version of the prepared format; a folder of another version is prepared again. 2: a
     * vocabulary without reserved tokens no longer reads its id 0 (often "\n") as {@code <unk>}.
     */
    static final int FORMAT = 2;

    private static final String FACTS_FILE = "prepared.json";
    private static final String VOCABULARY_FILE = "vocab.json";
    private static final Gson GSON = new Gson();

    /** Opens a file to write: {@link Files#newOutputStream}, or in tests a disk that fills. */
    interface FileOpener {
        OutputStream open(Path file) throws IOException;
    }

    private final Path root;
    private final Progress progress;
    private final FileOpener opener;

    /** @param opener how the files of a folder being prepared are opened */
    PreparedStore(Path root, Progress progress, FileOpener opener) {
        this.root = root;
        this.progress = progress;
        this.opener = opener;
    }

    /** A corpus held in memory, for a text that is in memory already (the built-in stories, tests). */
    static PreparedCorpus inMemory(CorpusSource source, Tokenizer tokenizerOrNull, TokenizerSpec spec) {
        Map<String, ByteArrayOutputStream> outputs = new HashMap<>();
        Preparation.Result result;
        try {
            result = Preparation.prepare(source, tokenizerOrNull, spec, 0, name -> outputs.computeIfAbsent(name,
                    n -> new ByteArrayOutputStream()), Progress.SILENT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int width = result.facts().width();
        Map<Split, TokenArray> tokens = new EnumMap<>(Split.class);
        Map<Split, TokenArray> starts = new EnumMap<>(Split.class);
        for (Split split : Split.values()) {
            tokens.put(split, TokenArray.of(outputs.get(split + ".bin").toByteArray(), width));
            if (outputs.containsKey(split + ".idx")) {
                starts.put(split, TokenArray.of(outputs.get(split + ".idx").toByteArray(), 8));
            }
        }
        return new PreparedCorpus(result.facts(), result.tokenizer(), tokens, starts);
    }

    /**
     * The prepared corpus of {@code source}: reused when it is there and its source is unchanged,
     * prepared otherwise.
     *
     * @param vocabOrNull the tokenizer to encode with (a checkpoint's), or null for the source's own
     * @param spec which tokenizer the source's own is
     * @param seed the seed that splits documents
     */
    PreparedCorpus open(CorpusSource source, Tokenizer vocabOrNull, TokenizerSpec spec, long seed) {
        String fingerprint = Fingerprint.of(source.files());
        Path own = folder(source, seed, null, spec);
        PreparedCorpus reused = reuse(own, fingerprint);
        if (reused != null && (vocabOrNull == null || reused.tokenizer().equals(vocabOrNull))) {
            return reused;
        }
        Path folder = vocabOrNull == null ? own : folder(source, seed, vocabOrNull, spec);
        if (vocabOrNull != null) {
            reused = reuse(folder, fingerprint);
            if (reused != null) {
                return reused;
            }
        }
        prepare(source, vocabOrNull, spec, seed, folder);
        return read(folder);
    }

    /** Where {@code source} is prepared. */
    Path folder(CorpusSource source, long seed, Tokenizer vocabOrNull, TokenizerSpec spec) {
        String key = source.identity() + "\0" + (source.documents() != null ? seed : "") + "\0"
                + (vocabOrNull == null ? spec.key() : vocabOrNull instanceof Vocabulary v ? String.join("\0", v.tokens())
                        : ((BytePairTokenizer) vocabOrNull).digest());
        String name = source.files().isEmpty() ? "text" : Path.of(source.identity().split("\0")[0]).getFileName().toString();
        return root.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + Fingerprint.sha256(key).substring(0, 12));
    }

    /** The corpus prepared in {@code folder} if it is complete and {@code fingerprint} is its source's; else null. */
    private PreparedCorpus reuse(Path folder, String fingerprint) {
        if (!Files.isDirectory(folder)) {
            return null;
        }
        try {
            PreparedCorpus corpus = read(folder);
            if (fingerprint.equals(corpus.facts().fingerprint())) {
                return corpus;
            }
        } catch (CorpusException | JsonParseException | UncheckedIOException e) {
            // incomplete or of another format: prepared again below
        }
        return null;
    }

    private void prepare(CorpusSource source, Tokenizer vocabOrNull, TokenizerSpec spec, long seed, Path folder) {
        Path part = folder.resolveSibling(folder.getFileName() + ".part-" + ProcessHandle.current().pid());
        try {
            removeAbandoned(folder);
            Files.createDirectories(part);
            Preparation.Result result = Preparation.prepare(source, vocabOrNull, spec, seed,
                    name -> opener.open(part.resolve(name)), progress);
            if (result.tokenizer() instanceof Vocabulary vocabulary) {
                vocabulary.save(part.resolve(VOCABULARY_FILE));
            } else {
                TiktokenFiles.save((BytePairTokenizer) result.tokenizer(), part);
            }
            JsonObject facts = GSON.toJsonTree(result.facts()).getAsJsonObject();
            facts.addProperty("format", FORMAT);
            try (OutputStream out = opener.open(part.resolve(FACTS_FILE))) {
                out.write(GSON.toJson(facts).getBytes(StandardCharsets.UTF_8));
            }
            delete(folder);
            AtomicFiles.moveFolder(part, folder);
        } catch (IOException e) {
            AtomicFiles.deleteQuietly(part); // a part left behind is removed by the next run
            throw new CorpusException("cannot write the prepared corpus to " + part + ": " + e.getMessage()
                    + "; the partial files were removed", e);
        } catch (RuntimeException e) {
            AtomicFiles.deleteQuietly(part);
            throw e;
        }
    }

    /** Removes the parts left by preparations of {@code folder} whose process is gone. */
    private static void removeAbandoned(Path folder) throws IOException {
        if (!Files.isDirectory(folder.getParent())) {
            return;
        }
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(folder.getParent(), folder.getFileName() + ".part-*")) {
            for (Path part : parts) {
                String pid = part.getFileName().toString().substring(folder.getFileName().toString().length() + 6);
                boolean alive = pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).isPresent();
                if (!alive) {
                    delete(part);
                }
            }
        }
    }

    /** Reads the prepared corpus in {@code folder}. */
    static PreparedCorpus read(Path folder) {
        JsonObject json;
        try {
            json = GSON.fromJson(Files.readString(folder.resolve(FACTS_FILE)), JsonObject.class);
        } catch (IOException e) {
            throw new CorpusException("cannot read " + folder.resolve(FACTS_FILE) + ": " + e, e);
        }
        if (json == null || !json.has("format") || json.get("format").getAsInt() != FORMAT) {
            throw new CorpusException(folder + " was prepared in another format");
        }
        PreparedCorpus.Facts facts = GSON.fromJson(json, PreparedCorpus.Facts.class);
        Tokenizer vocabulary = TiktokenFiles.isIn(folder) ? TiktokenFiles.load(folder)
                : Vocabulary.load(folder.resolve(VOCABULARY_FILE));
        Map<Split, TokenArray> tokens = new EnumMap<>(Split.class);
        Map<Split, TokenArray> starts = new EnumMap<>(Split.class);
        for (Split split : Split.values()) {
            TokenArray ids = TokenArray.open(PreparedCorpus.tokenFile(folder, split), facts.width());
            long expected = split == Split.TRAIN ? facts.trainTokens() : facts.valTokens();
            if (ids.length() != expected) {
                throw new CorpusException(PreparedCorpus.tokenFile(folder, split) + " holds " + ids.length()
                        + " tokens, not the " + expected + " prepared");
            }
            tokens.put(split, ids);
            if (facts.documents() != null) {
                starts.put(split, TokenArray.open(PreparedCorpus.startsFile(folder, split), 8));
            }
        }
        return new PreparedCorpus(facts, vocabulary, tokens, starts);
    }

    private static void delete(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
