package dev.vptlab.data;

import java.util.Random;

/**
 * A preprocessing pipeline: a decoded image (values 0..255) in, a normalised CHW float array out. Built by
 * {@link Pipelines}.
 */
public interface Transform {
    /**
     * Transforms one image.
     *
     * @param rng the source of augmentation randomness; a deterministic transform never touches it (it may
     *     be null then)
     */
    float[] apply(Image img, Random rng);

    /**
     * True when the output depends on the image alone. Only then may derived features be cached across
     * epochs (see {@link ImageDataset#deterministic()}).
     */
    boolean deterministic();
}
