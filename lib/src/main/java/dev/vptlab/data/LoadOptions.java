package dev.vptlab.data;

import dev.vptlab.VptlabException;

/**
 * How a split is opened.
 *
 * @param skipCorrupt drop unreadable images (and report them) instead of failing
 * @param cacheLimit a split of at most this many images with a deterministic transform is decoded and
 *     transformed once, in parallel, at open, and kept as float tensors (VTAB's 1,000-image training
 *     split); larger ones are decoded on demand (every image is still fully decoded once at open, to check it)
 * @param maxPixels images with more pixels are refused from their header, before decoding. The default,
 *     178,956,970, is where Pillow raises {@code DecompressionBombError} (twice its {@code MAX_IMAGE_PIXELS}
 *     of 89,478,485, at which it only warns); the system property {@value #MAX_PIXELS_PROPERTY} overrides it
 */
public record LoadOptions(boolean skipCorrupt, int cacheLimit, long maxPixels) {
    /** System property holding the default pixel limit, e.g. {@code -Dvptlab.maxImagePixels=400000000}. */
    public static final String MAX_PIXELS_PROPERTY = "vptlab.maxImagePixels";
    /** Pillow's error threshold: 2 × {@code Image.MAX_IMAGE_PIXELS} = 2 × (1024 × 1024 × 1024 // 4 // 3). */
    public static final long PILLOW_MAX_PIXELS = 2L * (1024L * 1024 * 1024 / 4 / 3);
    public static final LoadOptions DEFAULT = new LoadOptions(false, 2000, defaultMaxPixels());

    public LoadOptions {
        if (maxPixels < 1) {
            throw new VptlabException("the image pixel limit must be positive, got " + maxPixels);
        }
    }

    public LoadOptions withSkipCorrupt(boolean v) {
        return new LoadOptions(v, cacheLimit, maxPixels);
    }

    public LoadOptions withCacheLimit(int v) {
        return new LoadOptions(skipCorrupt, v, maxPixels);
    }

    public LoadOptions withMaxPixels(long v) {
        return new LoadOptions(skipCorrupt, cacheLimit, v);
    }

    /** {@value #MAX_PIXELS_PROPERTY} when set, else {@link #PILLOW_MAX_PIXELS}. */
    static long defaultMaxPixels() {
        String v = System.getProperty(MAX_PIXELS_PROPERTY);
        if (v == null || v.isBlank()) {
            return PILLOW_MAX_PIXELS;
        }
        try {
            return Long.parseLong(v.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new VptlabException("system property " + MAX_PIXELS_PROPERTY + "='" + v + "' is not a whole number of pixels");
        }
    }
}
