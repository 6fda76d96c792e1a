package dev.vptlab.data;

/**
 * A split whose images may already sit in host memory as one tensor store: batches are then gathered from it
 * in one copy instead of being decoded (and are not worth prefetching).
 */
public interface StoredImages extends ImageDataset {
    /** The split's images, or null when they are decoded on demand. */
    HostTensorStore store();
}
