package dev.jgpt.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.data.CorpusException;
import dev.jgpt.data.BytePairTokenizer;
import dev.jgpt.data.TiktokenFiles;
import dev.jgpt.data.Tokenizer;
import dev.jgpt.data.Vocabulary;
import dev.jgpt.model.Gpt;
import dev.jgpt.train.optim.AdamW;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
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

    /** Format 2 added state.sha256; format 1 checkpoints, without it, are still read. */
    private static final int FORMAT = 2;
    private static final int FORMAT_WITHOUT_STATE_DIGEST = 1;
    private static final String LATEST = "latest";
    private static final String BEST = "best";
    private static final List<String> FILES =
            List.of(Checkpoint.MODEL, Checkpoint.OPTIMIZER, Checkpoint.VOCAB);
    /** A run with a BPE keeps its tokenizer's files in place of vocab.json. */
    private static final List<String> BPE_FILES = List.of(Checkpoint.MODEL, Checkpoint.OPTIMIZER, TiktokenFiles.JSON_FILE);

    private final Path runDir;

    public CheckpointStore(Path runDir) {
        this.runDir = runDir;
    }

    /** Saves a checkpoint at {@code iter}, points {@code latest} at it and, if asked, {@code best}. */
    public Path save(
            int iter, Float bestValLoss, TrainConfig config, Tokenizer tokenizer, Gpt gpt, AdamW optimizer, boolean isBest) {
        Path temporary = null;
        try {
            checkFinite(gpt);
            Files.createDirectories(runDir);
            temporary = newTemporaryFolder();
            writeSynced(temporary.resolve(Checkpoint.MODEL), gpt::saveParameters);
            writeSynced(temporary.resolve(Checkpoint.OPTIMIZER), optimizer::save);
            List<String> files = new java.util.ArrayList<>(List.of(Checkpoint.MODEL, Checkpoint.OPTIMIZER));
            if (tokenizer instanceof Vocabulary vocabulary) {
                vocabulary.save(temporary.resolve(Checkpoint.VOCAB));
                files.add(Checkpoint.VOCAB);
            } else {
                TiktokenFiles.save((BytePairTokenizer) tokenizer, temporary);
                files.addAll(TiktokenFiles.files((BytePairTokenizer) tokenizer));
            }
            for (String file : files.subList(2, files.size())) {
                syncFile(temporary.resolve(file));
            }

            JsonObject state = new JsonObject();
            state.addProperty("format", FORMAT);
            state.addProperty("iter", iter);
            state.addProperty("best-val-loss", bestValLoss);
            state.add("config", config.toJson());
            JsonObject hashes = new JsonObject();
            for (String file : files) {
                hashes.addProperty(file, sha256(temporary.resolve(file)));
            }
            state.add("sha256", hashes);
            byte[] json = new GsonBuilder().setPrettyPrinting().create().toJson(state).getBytes(StandardCharsets.UTF_8);
            writeSynced(temporary.resolve(Checkpoint.STATE), out -> out.write(json));
            byte[] digest = (sha256(json) + "\n").getBytes(StandardCharsets.US_ASCII);
            writeSynced(temporary.resolve(Checkpoint.STATE_DIGEST), out -> out.write(digest));

            Path target = freeName(String.format("ckpt-%07d", iter));
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            temporary = null;
            syncDirectory(runDir);
            pointLink(LATEST, target);
            if (isBest) {
                pointLink(BEST, target);
            }
            syncDirectory(runDir);
            prune(config.keepCheckpoints());
            return target;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temporary);
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
            if (format != (hasStateDigest ? FORMAT : FORMAT_WITHOUT_STATE_DIGEST)) {
                throw new CheckpointException(hasStateDigest || format != FORMAT
                        ? "checkpoint " + dir + " has format " + format + "; this jgpt reads formats 1 and " + FORMAT
                        : "checkpoint " + dir + " is missing " + Checkpoint.STATE_DIGEST);
            }
            JsonObject hashes = state.getAsJsonObject("sha256");
            boolean bpe = hashes != null && hashes.has(TiktokenFiles.JSON_FILE);
            List<String> files = new java.util.ArrayList<>(bpe ? BPE_FILES : FILES);
            if (bpe && hashes.has(TiktokenFiles.RANKS_FILE)) {
                files.add(TiktokenFiles.RANKS_FILE);
            }
            for (String file : files) {
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
            return new Checkpoint(dir, state.get("iter").getAsInt(), bestValLoss, config, tokenizer);
        } catch (CheckpointException e) {
            throw e;
        } catch (CorpusException e) {
            throw new CheckpointException("checkpoint " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CheckpointException("checkpoint " + dir + " has an invalid state.json: " + JsonError.describe(e), e);
        }
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
        if (hasStateDigest && !expected.equals(sha256(state))) {
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
     * A new temporary folder, made as any folder is (its mode from the umask), not 0700 as
     * Files.createTempDirectory makes it: it becomes the checkpoint folder.
     */
    private Path newTemporaryFolder() throws IOException {
        while (true) {
            Path candidate = runDir.resolve(".tmp-ckpt-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            try {
                return Files.createDirectory(candidate);
            } catch (FileAlreadyExistsException e) {
                // a name already taken: draw another
            }
        }
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
                    deleteQuietly(entry);
                }
            } else if (name.startsWith(".tmp-ckpt-")) {
                deleteQuietly(entry);
            }
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static void writeSynced(Path file, Writer writer) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream stream = Channels.newOutputStream(channel);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(stream, 1 << 16));
            writer.write(out);
            out.flush();
            channel.force(true);
        }
    }

    private static void syncFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            while (channel.read(buffer) > 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchFileException e) {
            throw new CheckpointException("missing checkpoint file " + file, e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path == null || !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path entry : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(entry);
            }
        } catch (IOException ignored) {
            // Leftovers are pruned by the next save.
        }
    }
}
