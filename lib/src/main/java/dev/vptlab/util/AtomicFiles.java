package dev.vptlab.util;

import dev.vptlab.VptlabException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Write-to-temp-then-rename, so that readers only ever see a complete file or the previous one. A process killed
 * mid-write leaves its hidden temporary file behind; {@link #removeLeftovers(Path)} clears those once the folder's
 * writer knows that no other writer is at work (it holds the folder's lock).
 */
public final class AtomicFiles {
    /** Temporary files are {@code .<target name><random digits>.tmp} beside their target. */
    private static final String TMP_PREFIX = ".";
    private static final String TMP_SUFFIX = ".tmp";

    /** The body that fills the temporary file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    public static void write(Path target, Body body) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, TMP_PREFIX + target.getFileName(), TMP_SUFFIX);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new VptlabException(target + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary file is hidden and never read
                }
            }
        }
    }

    /** Convenience for text files (records, CSV). */
    public static void writeString(Path target, String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(target, ch -> {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }

    /**
     * Deletes the temporary files that killed writes left in {@code dir} (not its subfolders) and returns their
     * names, sorted. Call it only while no other process writes into {@code dir}: a live writer's temporary file
     * looks the same.
     */
    public static List<String> removeLeftovers(Path dir) {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, TMP_PREFIX + "*" + TMP_SUFFIX)) {
            for (Path f : files) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(f);
                    removed.add(f.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new VptlabException(dir + ": cannot remove the temporary files of interrupted writes: " + e.getMessage(), e);
        }
        Collections.sort(removed);
        return removed;
    }
}
