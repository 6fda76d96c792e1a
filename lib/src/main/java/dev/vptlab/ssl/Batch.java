package dev.vptlab.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.vptlab.data.Batches;
import dev.vptlab.data.Transform;
import dev.vptlab.util.Seeds;
import java.util.Random;

/**
 * One step's images, handed to {@link PretrainingMethod#loss}: the method renders them through its own
 * augmentation, once per view. View v of image i is drawn from a generator seeded by (seed, step, i, v),
 * so a run is reproducible and the two MoCo views differ.
 */
public final class Batch {
    private final NDManager manager;
    private final FashionMnistImages data;
    private final int[] indices;
    private final long seed;
    private final long step;

    Batch(NDManager manager, FashionMnistImages data, int[] indices, long seed, long step) {
        this.manager = manager;
        this.data = data;
        this.indices = indices.clone();
        this.seed = seed;
        this.step = step;
    }

    /** The step's manager (arrays made here are freed after the step). */
    public NDManager manager() {
        return manager;
    }

    public int size() {
        return indices.length;
    }

    /** The global step, from 0. */
    public long step() {
        return step;
    }

    /** [B, 1, 32, 32] normalised images through {@code t}, view number {@code view}. */
    public NDArray images(Transform t, int view) {
        return Batches.images(manager, data.withTransform(t), indices,
                i -> new Random(Seeds.mix(seed, step, i, view)));
    }

    /** int64 class labels [B] (the supervised baseline only). */
    public NDArray labels() {
        long[] l = new long[indices.length];
        for (int j = 0; j < l.length; j++) {
            l[j] = data.label(indices[j]);
        }
        return manager.create(l);
    }
}
