package dev.vptlab.data;

import java.util.List;
import java.util.Random;

/**
 * A labelled image split, already transformed for the model: every image comes out as normalised
 * float CHW data of one fixed shape. Loaders (VTAB-1K, FGVC, Fashion-MNIST, …) implement this; the
 * trainer only sees this interface.
 */
public interface ImageDataset {
    /** A short name for logs and records, e.g. "dtd/train800val200". */
    String name();

    int size();

    int numClasses();

    /** [channels, height, width] of every image. */
    int[] imageShape();

    /**
     * Image i, transformed and normalised, CHW row-major.
     *
     * @param rng source of randomness for augmentation (random crop, flip); a deterministic transform
     *     ignores it. The trainer passes a generator seeded by (seed, epoch, index), so an epoch's
     *     augmentations are the same whether or not the run was resumed.
     */
    float[] image(int i, Random rng);

    int label(int i);

    /** Where image i came from (its path as the split list writes it, or a synthetic id), for per-image outputs. */
    String path(int i);

    /**
     * True when {@link #image} ignores its random source. Only then may features derived from images be
     * cached across epochs (the frozen-prefix cache).
     */
    boolean deterministic();

    /**
     * The images left out of this split as unreadable (skip-corrupt mode), one line each naming the split
     * file, line, image and problem; empty for splits that skip nothing.
     */
    default List<String> skippedImages() {
        return List.of();
    }
}
