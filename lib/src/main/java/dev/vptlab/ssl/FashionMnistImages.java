package dev.vptlab.ssl;

import dev.vptlab.data.FashionMnist;
import dev.vptlab.data.ImageDataset;
import dev.vptlab.data.Transform;
import dev.vptlab.VptlabException;
import java.util.Random;

/**
 * Fashion-MNIST as the tiny trunk sees it: each 28×28 grey image goes through a {@link Transform} (see
 * {@link Augmentations}) that places it on a 32×32 canvas and normalises it with the training split's
 * mean 0.2860 and std 0.3530. The first {@code count} images of the split are used (the IDX files are
 * already in random class order, so a prefix is a fair subset).
 */
public final class FashionMnistImages implements ImageDataset {
    /** Mean and standard deviation of Fashion-MNIST's training pixels on the 0..1 scale. */
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;
    /** Side of the padded canvas (VIT_TINY12_FMNIST's image size). */
    public static final int SIDE = 32;

    private final FashionMnist source;
    private final String split;
    private final int count;
    private final Transform transform;

    public FashionMnistImages(FashionMnist source, String split, int count, Transform transform) {
        if (count < 1 || count > source.size()) {
            throw new VptlabException("Fashion-MNIST " + split + " has " + source.size() + " images; cannot use " + count);
        }
        this.source = source;
        this.split = split;
        this.count = count;
        this.transform = transform;
    }

    /**
     * The first {@code limit} images (all when {@code limit} ≤ 0) of a split ("train" or "t10k") from the
     * default location, centred on the canvas without augmentation.
     */
    public static FashionMnistImages load(String split, int limit) {
        FashionMnist f = FashionMnist.load(FashionMnist.locate(), split);
        return new FashionMnistImages(f, split, limit <= 0 ? f.size() : Math.min(limit, f.size()), Augmentations.center());
    }

    /** The same images seen through another transform (each pretraining method picks its augmentation). */
    public FashionMnistImages withTransform(Transform t) {
        return new FashionMnistImages(source, split, count, t);
    }

    /** The first {@code n} images only. */
    public FashionMnistImages limit(int n) {
        return new FashionMnistImages(source, split, Math.min(n, count), transform);
    }

    @Override
    public String name() {
        return "fashion-mnist/" + split + (count < source.size() ? "[:" + count + "]" : "");
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int numClasses() {
        return FashionMnist.CLASSES.size();
    }

    @Override
    public int[] imageShape() {
        return new int[] {1, SIDE, SIDE};
    }

    @Override
    public float[] image(int i, Random rng) {
        return transform.apply(source.image(i), rng);
    }

    @Override
    public int label(int i) {
        return source.label(i);
    }

    @Override
    public String path(int i) {
        return split + "/" + i;
    }

    @Override
    public boolean deterministic() {
        return transform.deterministic();
    }
}
