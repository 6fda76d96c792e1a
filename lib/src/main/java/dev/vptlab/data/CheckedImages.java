package dev.vptlab.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The verdicts of {@link ImageDecoder#check} in this process, keyed by the file's real path, size and
 * modification time (and the pixel limit), so that reopening a split (the next run of a sweep, another seed)
 * does not decode its images again, while a file that changed is checked afresh.
 */
final class CheckedImages {
    /** Bounds the memory held (about 200 bytes an entry); past it, the cache starts over. */
    private static final int MAX_ENTRIES = 1_000_000;
    private static final ConcurrentHashMap<Key, String> VERDICTS = new ConcurrentHashMap<>();
    private static final String OK = "";

    private record Key(Path realPath, long size, long modified, long maxPixels) {}

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
        if (verdict == null) {
            try {
                ImageDecoder.check(file, maxPixels);
                verdict = OK;
            } catch (DatasetException e) {
                verdict = e.problem();
            }
            if (VERDICTS.size() >= MAX_ENTRIES) {
                VERDICTS.clear();
            }
            VERDICTS.put(key, verdict);
        }
        if (!verdict.equals(OK)) {
            throw new DatasetException(file, verdict);
        }
    }
}
