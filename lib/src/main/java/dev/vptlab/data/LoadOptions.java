package dev.vptlab.data;

/**
 * How a split is opened.
 *
 * @param skipCorrupt drop unreadable images (and report how many) instead of failing
 * @param cacheLimit a split of at most this many images with a deterministic transform is decoded and
 *     transformed once, in parallel, at open, and kept as float tensors (VTAB's 1,000-image training
 *     split); larger ones are decoded on demand
 */
public record LoadOptions(boolean skipCorrupt, int cacheLimit) {
    public static final LoadOptions DEFAULT = new LoadOptions(false, 2000);

    public LoadOptions withSkipCorrupt(boolean v) {
        return new LoadOptions(v, cacheLimit);
    }

    public LoadOptions withCacheLimit(int v) {
        return new LoadOptions(skipCorrupt, v);
    }
}
