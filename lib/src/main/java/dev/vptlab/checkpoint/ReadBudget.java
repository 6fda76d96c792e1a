package dev.vptlab.checkpoint;

import java.nio.file.Path;

/**
 * The bytes one read of one checkpoint may bring into memory. Every size in a file is a claim; readers
 * charge it here before allocating, so a lying header or a zip bomb fails with a
 * {@link CheckpointLimitException} instead of an {@link OutOfMemoryError}.
 *
 * <p>The limit is the smaller of two bounds:
 * <ul>
 *   <li>{@value #MAX_BYTES_PROPERTY} (a byte count; default 3 GiB): the largest supported backbone,
 *       ViT-H/14 with 632M parameters, is 2.5 GB in float32;
 *   <li>4 × the file size + 64 MiB: raw weights barely compress, so a real archive expands little beyond
 *       its size, plus copies of strided tensor views and layout changes; a deflate stream
 *       can expand about 1000-fold (RFC 1951's longest match, 258 bytes, costs two bits at best), which is
 *       what this bound stops. The slack keeps tiny test files of zeros readable.
 * </ul>
 */
final class ReadBudget {
    /** System property overriding the default limit, in bytes. */
    static final String MAX_BYTES_PROPERTY = "vptlab.checkpoint.maxBytes";
    static final long DEFAULT_MAX_BYTES = 3L << 30;
    private static final long EXPANSION_FACTOR = 4;
    private static final long EXPANSION_SLACK = 64L << 20;

    private final Path file;
    private final long fileSize;
    private final long limit;
    private long used;

    ReadBudget(Path file, long fileSize) {
        this.file = file;
        this.fileSize = fileSize;
        long expansion = fileSize > (Long.MAX_VALUE - EXPANSION_SLACK) / EXPANSION_FACTOR ? Long.MAX_VALUE
                : fileSize * EXPANSION_FACTOR + EXPANSION_SLACK;
        this.limit = Math.min(maxBytes(file), expansion);
    }

    /** The configured limit: {@value #MAX_BYTES_PROPERTY}, else {@link #DEFAULT_MAX_BYTES}. */
    static long maxBytes(Path file) {
        String v = System.getProperty(MAX_BYTES_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_MAX_BYTES;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CheckpointLimitException(file, "cannot read with -D" + MAX_BYTES_PROPERTY + "=" + v
                + ": not a positive number of bytes");
    }

    /** Records {@code bytes} about to be allocated for {@code what}; fails before the budget is exceeded. */
    void charge(long bytes, String what) {
        if (bytes < 0 || bytes > limit - used) {
            throw new CheckpointLimitException(file, what + " needs " + bytes + " bytes, but only " + (limit - used)
                    + " bytes of memory remain of the read budget of " + limit + " bytes for a file of " + fileSize
                    + " bytes (corrupt sizes or a zip bomb? a larger real checkpoint needs a larger -D"
                    + MAX_BYTES_PROPERTY + ")");
        }
        used += bytes;
    }

    long limit() {
        return limit;
    }
}
