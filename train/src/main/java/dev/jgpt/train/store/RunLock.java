package dev.jgpt.train.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One writer per run folder: {@code <run>/train.lock}, locked with {@link FileChannel#tryLock} and
 * holding the pid of the process that trains there. The operating system releases the lock when
 * that process ends, however it ends, so a lock left by a killed run never blocks the next one.
 */
public final class RunLock implements AutoCloseable {

    static final String FILE = "train.lock";

    /**
     * Folders locked by this JVM. Checked before opening the file: on Linux, closing any channel
     * to a locked file drops every lock the process holds on it, so a second attempt from this
     * JVM must never open (and then close) a channel of its own.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path folder;
    private final FileChannel channel; // holds the lock until closed

    private RunLock(Path folder, FileChannel channel) {
        this.folder = folder;
        this.channel = channel;
    }

    /**
     * Locks {@code runDir} for this process, creating it if needed.
     *
     * @throws CheckpointException naming the pid that holds it, if another process (or another
     *     run in this one) trains there now
     */
    public static RunLock acquire(Path runDir) {
        Path file = runDir.resolve(FILE);
        FileChannel channel = null;
        Path folder = null;
        try {
            Files.createDirectories(runDir);
            folder = runDir.toRealPath();
            if (!HELD.add(folder)) {
                throw inUse(runDir, "this process (pid " + ProcessHandle.current().pid() + ")");
            }
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw inUse(runDir, "process " + holder(channel));
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
            channel.force(false);
            return new RunLock(folder, channel);
        } catch (IOException | OverlappingFileLockException e) {
            release(folder, channel);
            throw new CheckpointException("cannot lock " + file + ": " + e, e);
        } catch (CheckpointException e) {
            if (channel != null) {
                release(folder, channel);
            }
            throw e;
        }
    }

    private static CheckpointException inUse(Path runDir, String holder) {
        return new CheckpointException(runDir + " is in use by " + holder
                + ", which is training there: wait for it to end or stop it, or pick another --out-dir");
    }

    /** The pid written in the lock file, or "(unknown)" while its holder has not written it yet. */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String pid = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
        return pid.isEmpty() ? "(unknown)" : pid;
    }

    private static void release(Path folder, FileChannel channel) {
        try {
            if (channel != null) {
                channel.close(); // releases the lock, if it was taken
            }
        } catch (IOException ignored) {
            // The channel is gone either way.
        } finally {
            if (folder != null) {
                HELD.remove(folder);
            }
        }
    }

    /** Releases the lock; the file stays, for the next run to lock. */
    @Override
    public void close() {
        release(folder, channel);
    }
}
