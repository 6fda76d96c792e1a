package dev.vptlab.util;

import java.util.Random;

/**
 * Seeds derived from a run's seed, so that every random draw (the epoch's order, a batch's augmentation, the
 * engine's generator at a step) is a function of (seed, epoch, step, item) alone: a resumed run draws what an
 * uninterrupted one would have, whatever ran before.
 */
public final class Seeds {
    private Seeds() {}

    /** SplitMix64's finaliser (Steele, Lea and Flood 2014): every input bit reaches every output bit. */
    public static long finish(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A non-negative seed for (seed, a, b). */
    public static long mix(long seed, long a, long b) {
        return mix(seed, a, b, 0);
    }

    /** A non-negative seed for (seed, a, b, c); {@code mix(s, a, b, 0) == mix(s, a, b)}. */
    public static long mix(long seed, long a, long b, long c) {
        return finish(seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL + c * 0xD6E8FEB86659FD93L)
                & 0x7fffffffL;
    }

    /** 0..n−1 in Fisher–Yates order drawn from {@code r} (the same permutation for the same generator state). */
    public static int[] shuffle(int n, Random r) {
        return shuffleInPlace(java.util.stream.IntStream.range(0, n).toArray(), r);
    }

    /** Fisher–Yates from the last element down, as {@code java.util.Collections.shuffle} does; returns {@code a}. */
    public static int[] shuffleInPlace(int[] a, Random r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
