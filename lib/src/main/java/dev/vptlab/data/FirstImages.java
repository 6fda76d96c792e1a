package dev.vptlab.data;

import java.util.Random;

/**
 * The first n images of a split, for smoke runs that must finish in seconds (a run config's
 * {@code train_limit} / {@code test_limit}). The order of the underlying split is kept, so the mini
 * benchmark's seeded splits stay seeded.
 */
public final class FirstImages extends ForwardingDataset {
    private final int n;

    private FirstImages(ImageDataset inner, int n) {
        super(inner);
        this.n = n;
    }

    /** {@code d} itself when the limit is 0 or not below its size (or d is null). */
    public static ImageDataset of(ImageDataset d, int limit) {
        return d == null || limit <= 0 || limit >= d.size() ? d : new FirstImages(d, limit);
    }

    @Override
    public String name() {
        return inner().name() + "[:" + n + "]";
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public float[] image(int i, Random rng) {
        return super.image(check(i), rng);
    }

    @Override
    public int label(int i) {
        return super.label(check(i));
    }

    @Override
    public String path(int i) {
        return super.path(check(i));
    }

    private int check(int i) {
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("image " + i + " of " + name());
        }
        return i;
    }
}
