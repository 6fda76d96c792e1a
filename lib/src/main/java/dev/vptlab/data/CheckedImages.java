package dev.vptlab.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The verdicts of {@link ImageDecoder#check}, keyed by the file's real path, size and modification time (and the
 * pixel limit), so that reopening a split does not decode its images again, while a file that changed is checked
 * afresh. In this process every verdict is kept; across processes (the next {@code vptlab train} on the same task)
 * the images that decoded cleanly are remembered in a small file per image folder under
 * {@code -Dvptlab.imageCheckCache} (default {@code $XDG_CACHE_HOME/vptlab/image-checks}, else
 * {@code ~/.cache/vptlab/image-checks}; {@code off} disables it). A failure is never cached on disk: it is decoded
 * again, so that its message is the decoder's own. The cache only ever skips work: a missing, unreadable or
 * half-written cache file (a killed process) costs a decode, never a wrong verdict for a file whose size or time
 * changed.
 */
final class CheckedImages {
    /** Bounds the memory held (about 200 bytes an entry); past it, the cache starts over. */
    private static final int MAX_ENTRIES = 1_000_000;
    private static final ConcurrentHashMap<Key, String> VERDICTS = new ConcurrentHashMap<>();
    /** Per image folder (and pixel limit), the "name\tsize\tmtime\tok" lines of its on-disk cache file. */
    private static final ConcurrentHashMap<Path, Set<String>> ON_DISK = new ConcurrentHashMap<>();
    private static final AtomicLong DECODES = new AtomicLong();
    private static final String OK = "";

    private record Key(Path realPath, long size, long modified, long maxPixels) {
        /** The line recording this key in its folder's cache file; "ok" last, so that a torn line matches nothing. */
        String line() {
            return realPath.getFileName() + "\t" + size + "\t" + modified + "\tok";
        }
    }

    private CheckedImages() {}

    /** Decodes {@code file} fully unless an unchanged copy was checked before; fails as the decoder did. */
    static void check(Path file, long maxPixels) {
        Key key;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            key = new Key(file.toRealPath(), a.size(), a.lastModifiedTime().toMillis(), maxPixels);
        } catch (IOException e) {
            throw new DatasetException(file, "cannot read image file (" + e.getMessage() + ")", e);
        }
        String verdict = VERDICTS.get(key);
        if (verdict == null && onDisk(key).contains(key.line())) {
            verdict = OK;
        }
        if (verdict == null) {
            DECODES.incrementAndGet();
            try {
                ImageDecoder.check(file, maxPixels);
                verdict = OK;
                remember(key);
            } catch (DatasetException e) {
                verdict = e.problem();
            }
        }
        if (VERDICTS.size() >= MAX_ENTRIES) {
            VERDICTS.clear();
            ON_DISK.clear();
        }
        VERDICTS.put(key, verdict);
        if (!verdict.equals(OK)) {
            throw new DatasetException(file, verdict);
        }
    }

    /** How many images this process decoded to check them (tests). */
    static long decodes() {
        return DECODES.get();
    }

    /** Forgets what this process checked, as a new process would (tests). */
    static void forgetInMemory() {
        VERDICTS.clear();
        ON_DISK.clear();
    }

    /** The folder of the on-disk cache files, or null when it is off. */
    static Path cacheDir() {
        String p = System.getProperty("vptlab.imageCheckCache");
        if (p != null) {
            return p.isBlank() || p.equals("off") ? null : Path.of(p);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("vptlab").resolve("image-checks");
    }

    /** The cache file of key's folder: named by a hash of the folder's real path and the pixel limit. */
    private static Path cacheFile(Key key) {
        Path dir = cacheDir();
        if (dir == null || key.realPath().getParent() == null) {
            return null;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((key.realPath().getParent() + "\0" + key.maxPixels())
                    .getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(h, 0, 16) + ".tsv");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    private static Set<String> onDisk(Key key) {
        Path folder = key.realPath().getParent();
        if (folder == null) {
            return Set.of();
        }
        return ON_DISK.computeIfAbsent(folder.resolve(String.valueOf(key.maxPixels())), k -> {
            Set<String> lines = ConcurrentHashMap.newKeySet();
            Path f = cacheFile(key);
            if (f != null) {
                try {
                    // A torn last line (a killed writer) simply matches no key.
                    List<String> all = Files.readAllLines(f, StandardCharsets.UTF_8);
                    lines.addAll(all);
                } catch (IOException | RuntimeException e) {
                    // no cache yet, or an unreadable one: every image is decoded
                }
            }
            return lines;
        });
    }

    /** Appends key's line to its folder's cache file (one short append; failures only cost a later decode). */
    private static void remember(Key key) {
        String line = key.line();
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0 || !onDisk(key).add(line)) {
            return;
        }
        Path f = cacheFile(key);
        if (f == null) {
            return;
        }
        try {
            Files.createDirectories(f.getParent());
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            }
        } catch (IOException | RuntimeException e) {
            // a read-only home or a full disk: the check still happened, it is only not remembered
        }
    }
}
