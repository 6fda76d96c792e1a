package dev.vptlab.mini;

import dev.vptlab.data.FashionMnist;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * The Fashion-MNIST test images one split may draw its items from, handed out in a seeded order.
 *
 * <p>{@link #partition} cuts a seeded permutation of the eligible test images into two disjoint pools, one
 * for train800val200 and one for test, so that no source image is seen both in training and in testing
 * (VTAB-1K's train and test images are distinct too). A pool hands out each image once before it wraps
 * around; with the pool sizes below a split needs at most about as many images as its pool holds, so
 * repeats are rare and never cross the train/test boundary.
 */
final class SourcePool {
    /** Share of the eligible images reserved for train800val200 (4,000 of 10,000; test gets 6,000). */
    static final double TRAIN_SHARE = 0.4;

    private final int[] indices;
    private int next;

    private SourcePool(int[] indices) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("empty source pool");
        }
        this.indices = indices;
    }

    /**
     * {train800val200 pool, test pool}: the images whose label passes {@code keep}, shuffled with {@code rng}
     * (Fisher–Yates over index order) and cut at {@link #TRAIN_SHARE}.
     */
    static SourcePool[] partition(FashionMnist images, Random rng, IntPredicate keep) {
        int[] eligible = new int[images.size()];
        int n = 0;
        for (int i = 0; i < images.size(); i++) {
            if (keep.test(images.label(i))) {
                eligible[n++] = i;
            }
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = eligible[i];
            eligible[i] = eligible[j];
            eligible[j] = t;
        }
        int cut = (int) Math.round(n * TRAIN_SHARE);
        return new SourcePool[] {new SourcePool(java.util.Arrays.copyOfRange(eligible, 0, cut)),
                new SourcePool(java.util.Arrays.copyOfRange(eligible, cut, n))};
    }

    /** The next source image index (into the Fashion-MNIST split). */
    int next() {
        int i = indices[next];
        next = (next + 1) % indices.length;
        return i;
    }

    int size() {
        return indices.length;
    }
}
