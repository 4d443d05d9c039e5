package dev.jgpt.train.store;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.data.AtomicFiles;
import dev.jgpt.data.BytePairTokenizer;
import dev.jgpt.data.CorpusException;
import dev.jgpt.data.Sha256;
import dev.jgpt.data.TiktokenFiles;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.TrainConfig;
import dev.jgpt.train.optim.AdamW;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The checkpoints of one run, in its folder: complete checkpoints in {@code ckpt-NNNNNNN/}, and
 * two symbolic links, {@code latest} and {@code best}, naming one of them each.
 *
 * <p>A checkpoint is written into a temporary folder, flushed to disk, renamed into place, and
 * only then does {@code latest} (or {@code best}) switch to it, by an atomic rename of a new link
 * over the old one. A kill at any moment therefore leaves the previous checkpoint loadable; a
 * failed save deletes its temporary folder and leaves the links as they were.
 *
 * <p>Every file is checked when loaded: state.json holds the SHA-256 of the weights, the optimizer
 * state and the vocabulary, and state.sha256 holds the SHA-256 of state.json itself. Weights that
 * hold NaN or infinity are never saved.
 */
public final class CheckpointStore {

    /**
     * Format 3 keeps AdamW's moments in optimizer.safetensors, as export folders do, and its step
     * count in state.json; format 2 (optimizer.bin, state.sha256) and format 1 (optimizer.bin, no
     * state.sha256) are still read.
     */
    private static final int FORMAT = 3;
    private static final int FORMAT_WITH_OPTIMIZER_BIN = 2;
    private static final int FORMAT_WITHOUT_STATE_DIGEST = 1;
    private static final String LATEST = "latest";
    private static final String BEST = "best";
    private static final String TEMPORARY_PREFIX = ".tmp-ckpt-";

    private final Path runDir;

    public CheckpointStore(Path runDir) {
        this.runDir = runDir;
    }

    /**
     * Saves a checkpoint at {@code iter}, points {@code latest} at it and, if asked, {@code best};
     * {@code documents} records whether the run's corpus is made of documents (see {@link
     * SavedModel#documents()}).
     */
    public Path save(int iter, Float bestValLoss, TrainConfig config, Tokenizer tokenizer, boolean documents, Gpt gpt,
            AdamW optimizer, boolean isBest) {
        Path temporary = null;
        try {
            checkFinite(gpt);
            temporary = AtomicFiles.newTemporaryFolder(runDir, TEMPORARY_PREFIX);
            writeSynced(temporary.resolve(Checkpoint.MODEL), gpt::saveParameters);
            OptimizerState.write(temporary.resolve(Checkpoint.OPTIMIZER), gpt, optimizer);
            List<String> tokenizerFiles = saveTokenizer(tokenizer, temporary);

            JsonObject state = new JsonObject();
            state.addProperty("format", FORMAT);
            state.addProperty("iter", iter);
            state.addProperty("best-val-loss", bestValLoss);
            state.add("config", config.toJson());
            state.addProperty("optimizer-step", optimizer.stepCount());
            state.addProperty("documents", documents);
            JsonObject hashes = new JsonObject();
            for (String file : files(FORMAT, optimizer.stepCount(), tokenizerFiles)) {
                hashes.addProperty(file, sha256(temporary.resolve(file)));
            }
            state.add("sha256", hashes);
            byte[] json = new GsonBuilder().setPrettyPrinting().create().toJson(state).getBytes(StandardCharsets.UTF_8);
            writeSynced(temporary.resolve(Checkpoint.STATE), out -> out.write(json));
            byte[] digest = (Sha256.of(json) + "\n").getBytes(StandardCharsets.US_ASCII);
            writeSynced(temporary.resolve(Checkpoint.STATE_DIGEST), out -> out.write(digest));

            Path target = freeName(String.format("ckpt-%07d", iter));
            AtomicFiles.moveFolder(temporary, target);
            temporary = null;
            pointLink(LATEST, target);
            if (isBest) {
                pointLink(BEST, target);
            }
            AtomicFiles.syncFolder(runDir);
            prune(config.keepCheckpoints());
            return target;
        } catch (IOException | RuntimeException e) {
            AtomicFiles.deleteQuietly(temporary);
            throw new CheckpointException(
                    "cannot save the checkpoint of iteration " + iter + " in " + runDir + ": " + JsonError.describe(e), e);
        }
    }

    /** Refuses weights that hold NaN or infinity: no checkpoint ever holds them. */
    private static void checkFinite(Gpt gpt) {
        for (var parameter : gpt.getParameters()) {
            for (float value : parameter.getValue().getArray().toFloatArray()) {
                if (!Float.isFinite(value)) {
                    throw new CheckpointException(
                            "parameter " + parameter.getKey() + " holds " + value + " (the weights have diverged)");
                }
            }
        }
    }

    /**
     * Opens a checkpoint: {@code path} itself when it holds a state.json, otherwise the {@code
     * preferred} link inside it ("latest" or "best"), falling back to the other one.
     */
    public static Checkpoint open(Path path, String preferred) {
        Path dir = resolve(path, preferred);
        boolean hasStateDigest = Files.exists(dir.resolve(Checkpoint.STATE_DIGEST));
        JsonObject state;
        try {
            state = JsonParser.parseString(readState(dir, hasStateDigest)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new CheckpointException("checkpoint " + dir + " has no readable state.json: " + JsonError.describe(e), e);
        }
        try {
            int format = state.get("format").getAsInt();
            boolean known = hasStateDigest ? format == FORMAT || format == FORMAT_WITH_OPTIMIZER_BIN : format == FORMAT_WITHOUT_STATE_DIGEST;
            if (!known) {
                throw new CheckpointException(hasStateDigest || format < FORMAT_WITH_OPTIMIZER_BIN || format > FORMAT
                        ? "checkpoint " + dir + " has format " + format + "; this jgpt reads formats 1 to " + FORMAT
                        : "checkpoint " + dir + " is missing " + Checkpoint.STATE_DIGEST);
            }
            long optimizerStep = format == FORMAT ? state.get("optimizer-step").getAsLong() : Checkpoint.IN_OPTIMIZER_BIN;
            JsonObject hashes = state.getAsJsonObject("sha256");
            // A run with a BPE keeps its tokenizer's files in place of vocab.json.
            boolean bpe = hashes != null && hashes.has(TiktokenFiles.JSON_FILE);
            List<String> tokenizerFiles = !bpe ? List.of(Checkpoint.VOCAB)
                    : hashes.has(TiktokenFiles.RANKS_FILE) ? List.of(TiktokenFiles.JSON_FILE, TiktokenFiles.RANKS_FILE)
                    : List.of(TiktokenFiles.JSON_FILE);
            for (String file : files(format, optimizerStep, tokenizerFiles)) {
                Path piece = dir.resolve(file);
                if (!Files.isRegularFile(piece)) {
                    throw new CheckpointException("checkpoint " + dir + " is missing " + file);
                }
                JsonElement expected = hashes == null ? null : hashes.get(file);
                if (expected == null || !expected.getAsString().equals(sha256(piece))) {
                    throw new CheckpointException(
                            "checkpoint " + dir + " is damaged: " + file + " is truncated or corrupt (its SHA-256 does not match state.json)");
                }
            }
            TrainConfig config = TrainConfig.fromJson(state.get("config"));
            JsonElement best = state.get("best-val-loss");
            Float bestValLoss = best == null || best.isJsonNull() ? null : best.getAsFloat();
            Tokenizer tokenizer = bpe ? TiktokenFiles.load(dir) : Vocabulary.load(dir.resolve(Checkpoint.VOCAB));
            JsonElement documents = state.get("documents"); // absent before it was recorded
            return new Checkpoint(dir, state.get("iter").getAsInt(), bestValLoss, config, tokenizer, optimizerStep,
                    documents == null || documents.isJsonNull() ? null : documents.getAsBoolean());
        } catch (CheckpointException e) {
            throw e;
        } catch (CorpusException e) {
            throw new CheckpointException("checkpoint " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CheckpointException("checkpoint " + dir + " has an invalid state.json: " + JsonError.describe(e), e);
        }
    }

    /** The files whose SHA-256 state.json holds: the optimizer's only once it has taken a step, and the tokenizer's. */
    private static List<String> files(int format, long optimizerStep, List<String> tokenizerFiles) {
        List<String> files = new ArrayList<>(List.of(Checkpoint.MODEL));
        if (format < FORMAT) {
            files.add(Checkpoint.LEGACY_OPTIMIZER);
        } else if (optimizerStep > 0) {
            files.add(Checkpoint.OPTIMIZER);
        }
        files.addAll(tokenizerFiles);
        return files;
    }

    /** Writes {@code tokenizer} into {@code folder}: vocab.json for characters, tiktoken's files for a BPE. */
    private static List<String> saveTokenizer(Tokenizer tokenizer, Path folder) {
        if (tokenizer instanceof Vocabulary vocabulary) {
            vocabulary.save(folder.resolve(Checkpoint.VOCAB));
            return List.of(Checkpoint.VOCAB);
        }
        BytePairTokenizer bpe = (BytePairTokenizer) tokenizer;
        TiktokenFiles.save(bpe, folder);
        return TiktokenFiles.files(bpe);
    }

    /** The text of state.json, checked against state.sha256 where there is one. */
    private static String readState(Path dir, boolean hasStateDigest) {
        byte[] state;
        String expected = null;
        try {
            state = Files.readAllBytes(dir.resolve(Checkpoint.STATE));
            if (hasStateDigest) {
                expected = Files.readString(dir.resolve(Checkpoint.STATE_DIGEST), StandardCharsets.US_ASCII).strip();
            }
        } catch (IOException e) {
            throw new CheckpointException("checkpoint " + dir + " has no readable state.json: " + JsonError.describe(e), e);
        }
        if (hasStateDigest && !expected.equals(Sha256.of(state))) {
            throw new CheckpointException("checkpoint " + dir + " is damaged: state.json or " + Checkpoint.STATE_DIGEST
                    + " is truncated or corrupt (the SHA-256 of state.json does not match)");
        }
        return new String(state, StandardCharsets.UTF_8);
    }

    private static Path resolve(Path path, String preferred) {
        if (Files.isRegularFile(path.resolve(Checkpoint.STATE))) {
            return path;
        }
        String other = LATEST.equals(preferred) ? BEST : LATEST;
        for (String link : new String[] {preferred, other}) {
            if (Files.isDirectory(path.resolve(link))) {
                return path.resolve(link);
            }
        }
        if (!Files.exists(path)) {
            throw new CheckpointException("no checkpoint at " + path + ": the folder does not exist");
        }
        throw new CheckpointException("no checkpoint at " + path + ": it holds neither state.json nor a latest/ or best/ checkpoint");
    }

    /** Whether {@code runDir} already holds a checkpoint that a new run would mix with. */
    public boolean hasCheckpoint() {
        return Files.exists(runDir.resolve(LATEST), LinkOption.NOFOLLOW_LINKS);
    }

    private Path freeName(String base) {
        Path candidate = runDir.resolve(base);
        for (int n = 1; Files.exists(candidate, LinkOption.NOFOLLOW_LINKS); n++) {
            candidate = runDir.resolve(base + "." + n);
        }
        return candidate;
    }

    private void pointLink(String name, Path target) throws IOException {
        Path link = runDir.resolve(name);
        Path fresh = runDir.resolve("." + name + ".new");
        Files.deleteIfExists(fresh);
        Files.createSymbolicLink(fresh, target.getFileName());
        Files.move(fresh, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Deletes temporary folders of interrupted saves, and checkpoints that neither link names and
     * that are not among the {@code keep} newest ({@link TrainConfig#KEEP_ALL}: none).
     */
    private void prune(int keep) throws IOException {
        Set<Path> kept = new HashSet<>();
        for (String name : new String[] {LATEST, BEST}) {
            Path link = runDir.resolve(name);
            if (Files.isSymbolicLink(link)) {
                kept.add(runDir.resolve(Files.readSymbolicLink(link)).normalize());
            }
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(runDir)) {
            entries = list.map(Path::normalize).sorted(Comparator.reverseOrder()).toList(); // newest checkpoint first
        }
        int newer = 0;
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (name.startsWith("ckpt-")) {
                boolean recent = keep == TrainConfig.KEEP_ALL || newer++ < keep;
                if (!recent && !kept.contains(entry)) {
                    AtomicFiles.deleteQuietly(entry);
                }
            } else if (name.startsWith(TEMPORARY_PREFIX)) {
                AtomicFiles.deleteQuietly(entry);
            }
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static void writeSynced(Path file, Writer writer) throws IOException {
        AtomicFiles.writeNew(file, out -> {
            DataOutputStream data = new DataOutputStream(out);
            writer.write(data);
            data.flush();
        });
    }

    private static String sha256(Path file) {
        try {
            return Sha256.of(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("missing checkpoint file " + file, e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
