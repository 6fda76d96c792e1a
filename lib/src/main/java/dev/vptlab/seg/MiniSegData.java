package dev.vptlab.seg;

import dev.vptlab.VptlabException;
import dev.vptlab.data.SegSample;
import dev.vptlab.mini.MiniSegmentation;
import java.util.random.RandomGenerator;

/**
 * A split of the mini benchmark's {@code fm-seg} (1×32×32 canvases, 11 classes including background). The canvases
 * are already at the crop size and normalised, so of mmseg's training pipeline only the horizontal flip (p 0.5)
 * applies; evaluation has one view at the original size. Background is a class here (nothing is ignored).
 */
public final class MiniSegData implements SegData {
    private final MiniSegmentation.Split split;
    private final int limit;

    /** @param limit the first {@code limit} images only (0 = all) */
    public MiniSegData(MiniSegmentation.Split split, int limit) {
        this.split = split;
        this.limit = limit <= 0 ? split.size() : Math.min(limit, split.size());
    }

    @Override
    public String name() {
        return split.name();
    }

    @Override
    public int size() {
        return limit;
    }

    @Override
    public int classes() {
        return MiniSegmentation.CLASSES;
    }

    @Override
    public int fixedSide() {
        return split.imageShape()[1] == split.imageShape()[2] ? split.imageShape()[1] : 0;
    }

    @Override
    public int channels() {
        return split.imageShape()[0];
    }

    @Override
    public SegSample train(int i, RandomGenerator rng) {
        int[] s = split.imageShape();
        float[] img = split.image(i);
        int[] mask = split.mask(i);
        if (rng.nextDouble() < 0.5) {
            flip(img, s[0], s[1], s[2]);
            flip(mask, s[1], s[2]);
        }
        return new SegSample(img, mask, s[1], s[2]);
    }

    @Override
    public SegSample view(int i, double ratio, boolean flip) {
        if (ratio != 1.0) {
            throw new VptlabException(name() + ": the mini task is evaluated at its own size only (ratio 1), not " + ratio);
        }
        int[] s = split.imageShape();
        float[] img = split.image(i);
        if (flip) {
            flip(img, s[0], s[1], s[2]);
        }
        return new SegSample(img, null, s[1], s[2]);
    }

    @Override
    public Annotation annotation(int i) {
        int[] s = split.imageShape();
        return new Annotation(s[1], s[2], split.mask(i));
    }

    @Override
    public void check() {
        if (size() == 0) {
            throw new VptlabException(name() + ": empty split");
        }
    }

    static void flip(float[] chw, int c, int h, int w) {
        for (int p = 0; p < c * h; p++) {
            for (int x = 0, o = p * w; x < w / 2; x++) {
                float t = chw[o + x];
                chw[o + x] = chw[o + w - 1 - x];
                chw[o + w - 1 - x] = t;
            }
        }
    }

    static void flip(int[] hw, int h, int w) {
        for (int y = 0; y < h; y++) {
            for (int x = 0, o = y * w; x < w / 2; x++) {
                int t = hw[o + x];
                hw[o + x] = hw[o + w - 1 - x];
                hw[o + w - 1 - x] = t;
            }
        }
    }
}
