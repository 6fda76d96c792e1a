package dev.vptlab.util;

import dev.vptlab.VptlabException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a file's bytes, in lower-case hex: what identifies a checkpoint whatever its path or time stamp
 * (the digest Hugging Face Hub and {@code sha256sum} show, so a record can be checked against either).
 */
public final class FileHash {
    private FileHash() {}

    /** Digests already computed in this process, by real path, size and modification time: a sweep's runs share one. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> SEEN =
            new java.util.concurrent.ConcurrentHashMap<>();

    public static String sha256(Path file) {
        String key;
        try {
            java.nio.file.attribute.BasicFileAttributes a =
                    Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            key = file.toRealPath() + "\0" + a.size() + "\0" + a.lastModifiedTime().toMillis();
        } catch (IOException e) {
            throw new VptlabException(file + ": cannot read to compute its SHA-256: " + e.getMessage(), e);
        }
        String known = SEEN.get(key);
        if (known != null) {
            return known;
        }
        String digest = digest(file);
        SEEN.put(key, digest);
        return digest;
    }

    private static String digest(Path file) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new VptlabException(file + ": cannot read to compute its SHA-256: " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
