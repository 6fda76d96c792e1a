package dev.vptlab.data;

import dev.vptlab.util.Seeds;
import java.util.Random;

/**
 * A small learnable dataset made from a seed: class c draws a bright square whose position and colour
 * depend on c, on Gaussian noise. It exists for tests and smoke runs of the training engine, where the
 * real datasets are not available; it is not a benchmark.
 */
public final class SyntheticDataset implements ImageDataset {
    private final String name;
    private final int size;
    private final int classes;
    private final int channels;
    private final int side;
    private final long seed;
    private final boolean augment;

    /**
     * @param augment add a random one-pixel shift per draw (a non-deterministic transform, to exercise
     *     the code paths of augmented datasets)
     */
    public SyntheticDataset(String name, int size, int classes, int channels, int side, long seed, boolean augment) {
        if (size < 1 || classes < 2 || side < 8) {
            throw new dev.vptlab.VptlabException("synthetic dataset needs size >= 1, classes >= 2, side >= 8");
        }
        this.name = name;
        this.size = size;
        this.classes = classes;
        this.channels = channels;
        this.side = side;
        this.seed = seed;
        this.augment = augment;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public int[] imageShape() {
        return new int[] {channels, side, side};
    }

    @Override
    public int label(int i) {
        return (int) Math.floorMod(mix(seed, i) >>> 7, classes);
    }

    @Override
    public float[] image(int i, Random rng) {
        Random noise = new Random(mix(seed, i));
        int c = label(i);
        int sq = side / 4;
        int cells = side / sq;
        int cx = (c % cells) * sq;
        int cy = (c / cells % cells) * sq;
        int shift = augment ? rng.nextInt(3) - 1 : 0;
        float[] img = new float[channels * side * side];
        for (int ch = 0; ch < channels; ch++) {
            float bright = 1.5f + (c + ch) % 3 * 0.5f;
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    float v = (float) noise.nextGaussian() * 0.5f;
                    int xx = x - shift;
                    if (xx >= cx && xx < cx + sq && y >= cy && y < cy + sq) {
                        v += bright;
                    }
                    img[(ch * side + y) * side + x] = v;
                }
            }
        }
        return img;
    }

    @Override
    public String path(int i) {
        return name + "#" + i;
    }

    @Override
    public boolean deterministic() {
        return !augment;
    }

    private static long mix(long a, long b) {
        return Seeds.finish(a * 0x9E3779B97F4A7C15L + b);
    }
}
