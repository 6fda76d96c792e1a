package dev.vptlab.train;

import dev.vptlab.VptlabException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exclusive right to write into one run folder, held while a run trains. It is an operating-system lock on
 * the folder's empty {@value #FILE} ({@code flock}/{@code fcntl} on Linux and macOS, {@code LockFileEx} on
 * Windows), so it dies with its process: a {@code kill -9} leaves the file but never a lock that blocks the next
 * run. The file is kept rather than deleted on release, because deleting it would let a third process lock a
 * fresh file while a second still waits on the old one.
 *
 * <p>Runs of the same JVM are told apart before the file is opened: {@link FileLock}'s documentation warns that on
 * some systems (Linux's {@code fcntl} locks among them) closing any channel to a file releases every lock the JVM
 * holds on it, so a refused second open must never reach the file.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "run.lock";

    /** The run folders this JVM holds, as absolute normalised paths. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code runDir} (creating the folder) or fails at once.
     *
     * @throws RunFolderLockedException when another process or another run of this JVM holds it
     */
    public static RunLock acquire(Path runDir) {
        Path file = runDir.resolve(FILE);
        Path key = runDir.toAbsolutePath().normalize();
        if (!HELD.add(key)) {
            throw locked(file, runDir, "another run of this process");
        }
        FileChannel ch = null;
        try {
            Files.createDirectories(runDir);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // the same folder under another path (a link): held by this JVM
            }
            if (l == null) {
                throw locked(file, runDir, "another training process");
            }
            return new RunLock(key, ch, l);
        } catch (IOException e) {
            HELD.remove(key);
            closeQuietly(ch);
            throw new VptlabException(file + ": cannot lock the run folder: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            HELD.remove(key);
            closeQuietly(ch);
            throw e;
        }
    }

    /**
     * Whether a run is writing into {@code runDir} now: this JVM holds its lock, or another process does (a shared
     * lock on {@value #FILE} is refused). False when there is no lock file. Used to tell a run that is training from
     * one whose process died ({@code kill -9} leaves the record saying "running").
     */
    public static boolean isHeld(Path runDir) {
        Path file = runDir.resolve(FILE);
        // This JVM's own runs are never probed: closing our probe's channel would drop the JVM's lock on the file.
        for (Path held : HELD) {
            try {
                if (held.equals(runDir.toAbsolutePath().normalize()) || Files.isSameFile(held, runDir)) {
                    return true;
                }
            } catch (IOException e) {
                // a held folder that vanished, or runDir missing: not the same
            }
        }
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            FileLock probe = ch.tryLock(0, Long.MAX_VALUE, true);
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // held by this JVM under another path
        } catch (IOException e) {
            return false;
        }
    }

    private static RunFolderLockedException locked(Path file, Path runDir, String who) {
        return new RunFolderLockedException(file + ": " + who + " is writing into " + runDir
                + "; wait for it to end (or stop it) before training or resuming there");
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel below releases it as well
        } finally {
            closeQuietly(channel);
            HELD.remove(key);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the lock goes with the channel or, at the latest, with the process
            }
        }
    }
}
